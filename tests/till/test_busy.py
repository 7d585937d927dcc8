"""Selling while something else writes: a line's write waits a bounded time, then the
cashier is told why (503) with nothing changed, never left hanging or answered 500."""

import gevent
import gevent.event
import pytest

from tests.till.helpers import BREAD, MILK
from ukm_actors.nodes.till.sale import busy


@pytest.fixture
def held(till_node, monkeypatch):
    """``held(catalog=True)``: another write transaction holds the till's database (as a
    catalog being applied does) until the returned event is set."""
    node, _ = till_node
    if node.ctx.db.dialect != "sqlite":
        pytest.skip("SQLite only: PostgreSQL writes side by side")
    monkeypatch.setattr(busy, "LINE_WAIT", 0.3)
    greenlets = []

    def hold(catalog: bool) -> gevent.event.Event:
        holding, release = gevent.event.Event(), gevent.event.Event()

        def writer():
            with node.ctx.db.write():
                if catalog:
                    with node.ctx.services.catalog.applying():
                        holding.set()
                        release.wait()
                else:
                    holding.set()
                    release.wait()

        greenlets.append((gevent.spawn(writer), release))
        assert holding.wait(timeout=10)
        return release

    yield hold
    for g, release in greenlets:
        release.set()
        g.get(timeout=10)


def test_a_scan_during_a_catalog_apply_is_refused_with_nothing_added(till_node, held):
    node, till = till_node
    till.post("/shift/open")
    till.scan(MILK)
    release = held(catalog=True)
    status, body = till.fail("POST", "/receipt/lines", {"barcode": BREAD})
    assert status == 503 and body["code"] == "catalog.updating", body
    assert body["message"] == "the catalog is being updated; retry"
    assert "scan the item again" in body["hint"]
    assert [ln["article"] for ln in till.receipt()["lines"]] == ["100"]
    release.set()
    till.scan(BREAD)
    assert [ln["article"] for ln in till.receipt()["lines"]] == ["100", "101"]


def test_the_first_line_and_a_quantity_change_wait_the_same_way(till_node, held):
    node, till = till_node
    till.post("/shift/open")
    release = held(catalog=False)
    status, body = till.fail("POST", "/receipt/lines", {"barcode": MILK})
    assert (status, body["code"]) == (503, "till.busy"), body
    assert till.receipt() is None  # no receipt was opened
    release.set()
    till.scan(MILK)
    release = held(catalog=True)
    status, body = till.fail("PUT", "/receipt/lines/1", {"quantity": 3000})
    assert (status, body["code"]) == (503, "catalog.updating"), body
    release.set()
    assert till.receipt()["lines"][0]["quantity"] == 1000
    till.call("PUT", "/receipt/lines/1", {"quantity": 3000})
    assert till.receipt()["lines"][0]["quantity"] == 3000


def test_the_refusal_reads_in_russian_for_a_russian_cashier(till_node, held):
    node, till = till_node
    till.post("/shift/open")
    till.language = "ru"
    release = held(catalog=True)
    _status, body = till.fail("POST", "/receipt/lines", {"barcode": MILK})
    assert body["message"] == "каталог обновляется; повторите"
    release.set()
