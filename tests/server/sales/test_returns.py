"""Returns on the server: lookup, reservation checked atomically, confirmation, expiry."""

import logging

import gevent
import pytest
from sqlalchemy import select

from tests.server.tills import ScriptedTill, line
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.sales import returns
from ukm_actors.nodes.server.sales.tables import SaleReturnLine
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


def ask(node, name, message, peer="till-17-2"):
    return node.ctx.asks.get(name)(message, peer)


def refused(node, name, message):
    with pytest.raises(UkmError) as err:
        ask(node, name, message)
    return err.value


@pytest.fixture
def sold(till):
    """A sale of two lines: 2 × article A (position 1) and 1 × article B (position 2)."""
    till.open_shift()
    return till.receipt((line(1, "A", 10000, 2000), line(2, "B", 5000, 1000)))


def test_lookup_by_id_or_by_number_gives_the_receipt_and_what_is_returned(server, sold):
    by_id = ask(server, "receipts.lookup", {"receipt_id": sold.receipt_id})
    by_number = ask(
        server, "receipts.lookup", {"store": "17", "till": 3, "shift_num": 1, "number": 1}
    )
    assert by_id == by_number
    assert by_id["receipt"]["receipt_id"] == sold.receipt_id
    assert [ln["article"] for ln in by_id["receipt"]["lines"]] == ["A", "B"]
    assert by_id["returned"] == {"1": 0, "2": 0} and by_id["refunds"] == []


def test_lookup_of_an_unknown_receipt_is_a_clear_refusal(server, sold):
    err = refused(server, "receipts.lookup", {"receipt_id": "no-such"})
    assert err.code == "receipt.not_found" and "no-such" in err.message
    err = refused(server, "receipts.lookup", {"store": "17"})
    assert err.code == "return.request"


def test_a_reservation_counts_and_a_second_one_beyond_what_was_bought_is_refused(server, sold):
    ok = ask(
        server,
        "receipts.reserve_return",
        {"receipt_id": sold.receipt_id, "return_id": "r1", "lines": {"1": 1500}},
    )
    assert ok["ok"] is True
    seen = ask(server, "receipts.lookup", {"receipt_id": sold.receipt_id})
    assert seen["returned"] == {"1": 1500, "2": 0} and seen["reserved"] == {"1": 1500}
    err = refused(
        server,
        "receipts.reserve_return",
        {"receipt_id": sold.receipt_id, "return_id": "r2", "lines": {"1": 1000}},
    )
    assert err.code == "return.exceeds" and "0.500" in err.message
    assert ask(
        server,
        "receipts.reserve_return",
        {"receipt_id": sold.receipt_id, "return_id": "r2", "lines": {"1": 500, "2": 1000}},
    )["ok"]


def test_repeating_a_reservation_replaces_it_and_release_frees_it(server, sold):
    msg = {"receipt_id": sold.receipt_id, "return_id": "r1", "lines": {"1": 2000}}
    ask(server, "receipts.reserve_return", msg)
    ask(server, "receipts.reserve_return", msg)  # a till retrying after a timeout
    assert ask(server, "receipts.lookup", {"receipt_id": sold.receipt_id})["returned"]["1"] == 2000
    assert ask(server, "receipts.release_return", {"return_id": "r1"}) == {
        "ok": True,
        "released": True,
    }
    assert ask(server, "receipts.lookup", {"receipt_id": sold.receipt_id})["returned"]["1"] == 0


def test_bad_requests_and_lines_are_refused_with_their_rule(server, till, sold):
    rid = sold.receipt_id
    cases = [
        ({"receipt_id": rid, "return_id": "x", "lines": {}}, "return.request"),
        ({"receipt_id": rid, "return_id": "x", "lines": {"1": -5}}, "return.request"),
        ({"receipt_id": rid, "return_id": "x", "lines": {"9": 1000}}, "return.line_unknown"),
        ({"receipt_id": rid, "lines": {"1": 1000}}, "return.request"),
    ]
    for message, code in cases:
        assert refused(server, "receipts.reserve_return", message).code == code, message
    cancelled = till.receipt(state="cancelled")
    ret = till.receipt((line(1, "A", 10000, 1000),), kind="return", original=sold)
    for doc, code in ((cancelled, "return.cancelled"), (ret, "return.not_a_sale")):
        message = {"receipt_id": doc.receipt_id, "return_id": "y", "lines": {"1": 1000}}
        assert refused(server, "receipts.reserve_return", message).code == code


def test_two_tills_reserving_the_same_line_at_once_cannot_both_succeed(server, sold):
    """Till A holds its transaction open while till B asks: B waits for A's lock, then loses."""
    db = server.ctx.db
    results = {}

    def till_a():
        with db.write() as session:
            returns.reserve(
                session,
                {"receipt_id": sold.receipt_id, "return_id": "ra", "lines": {"1": 2000}},
                900,
            )
            results["a"] = "reserved, not committed"
            gevent.sleep(0.3)
        results["a"] = "ok"

    def till_b():
        expect(lambda: "a" in results, what="till A inside its transaction")
        try:
            ask(
                server,
                "receipts.reserve_return",
                {"receipt_id": sold.receipt_id, "return_id": "rb", "lines": {"1": 1000}},
                peer="till-18-1",
            )
            results["b"] = "ok"
        except UkmError as exc:
            results["b"] = exc.code

    gevent.joinall([gevent.spawn(till_a), gevent.spawn(till_b)], raise_error=True, timeout=20)
    assert results == {"a": "ok", "b": "return.exceeds"}


def test_an_expired_reservation_no_longer_counts(server_factory):
    node = server_factory(return_reservation_ttl=0.2)
    till = ScriptedTill(node)
    till.open_shift()
    sale = till.receipt((line(1, "A", 10000, 1000),))
    msg = {"receipt_id": sale.receipt_id, "return_id": "r1", "lines": {"1": 1000}}
    ask(node, "receipts.reserve_return", msg)
    assert refused(node, "receipts.reserve_return", {**msg, "return_id": "r2"}).code == (
        "return.exceeds"
    )
    gevent.sleep(0.3)
    assert ask(node, "receipts.reserve_return", {**msg, "return_id": "r2"})["ok"]


def test_the_return_receipt_confirms_its_reservation_for_good(server_factory):
    node = server_factory(return_reservation_ttl=0.2)
    seller, returner = ScriptedTill(node, number=1), ScriptedTill(node, number=2)
    seller.open_shift()
    sale = seller.receipt((line(1, "A", 10000, 2000), line(2, "B", 5000, 1000)))
    returner.open_shift()
    ret = returner.receipt((line(1, "A", 10000, 1000),), kind="return", original=sale, send=False)
    msg = {"receipt_id": sale.receipt_id, "return_id": ret.receipt_id, "lines": {"1": 1000}}
    ask(node, "receipts.reserve_return", msg)
    returner.send(ret)
    gevent.sleep(0.3)  # past the reservation's lifetime: confirmed lines stay
    seen = ask(node, "receipts.lookup", {"receipt_id": sale.receipt_id})
    assert seen["returned"] == {"1": 1000, "2": 0} and seen["reserved"] == {}
    assert seen["refunds"] == [
        {"type": "cash", "amount": 10000, "rrn": None, "card_mask": None, "reference": None}
    ]
    assert ask(node, "receipts.reserve_return", msg) == {"ok": True, "confirmed": True}
    assert ask(node, "receipts.release_return", {"return_id": ret.receipt_id})["released"] is False
    with node.ctx.db.read() as s:
        states = s.scalars(
            select(SaleReturnLine.state).where(SaleReturnLine.return_id == ret.receipt_id)
        ).all()
    assert states == ["confirmed"]


def test_an_offline_return_is_recorded_even_beyond_what_was_bought(server, till, sold, caplog):
    caplog.set_level(logging.WARNING, logger="ukm_actors.nodes.server.sales.returns")
    other = ScriptedTill(server, number=4)
    other.open_shift()
    # numbered by its own lines: matched to the original's by article
    other.receipt((line(1, "B", 5000, 1000),), kind="return", original=sold, offline_return=True)
    other.receipt((line(1, "B", 5000, 1000),), kind="return", original=sold, offline_return=True)
    seen = ask(server, "receipts.lookup", {"receipt_id": sold.receipt_id})
    assert seen["returned"] == {"1": 0, "2": 2000}
    assert any("only 1.000 was bought" in r.getMessage() for r in caplog.records)
