"""Returns: at another store's till through the cash server, a double return refused,
and an offline return with a supervisor while the server cannot be reached."""

import time

import gevent
import pytest

from tests.bridge.faultproxy import FaultProxy
from tests.nodes.helpers import http, start_node
from tests.till.helpers import (
    BREAD,
    COFFEE,
    MILK,
    SUPERVISOR,
    TillClient,
    base_records,
    catalog_body,
    outbox_docs,
    put,
)
from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.errors import RemoteError
from ukm_actors.bridge.peers import register_peer
from ukm_actors.codecs import catalogdoc
from ukm_actors.hw.emulators import BankTerminalEmulator
from ukm_actors.supervision.testing import expect

FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0, "poll_recheck": 0.2}


def _records(store: str):
    records = base_records()
    records[0] = put("store", code=store, name=f"Магазин {store}", timezone="Europe/Moscow")
    return records


TILLS = (("till-17-1", "17"), ("till-17-2", "17"), ("till-18-1", "18"))


def _start_till(server, tmp_path, make_db_url, node_id, secret, bank, server_url=None, **till):
    _, store, number = node_id.split("-")
    node = start_node(
        "till",
        tmp_path,
        make_db_url(node_id),
        node={"id": node_id},
        bridge={"server_url": server_url or server.ctx.url, "secret": secret, **FAST},
        till={
            "store": store,
            "number": int(number),
            "devices": {"bank": {"url": bank.url, "check_interval": 0, "pay_timeout": 5}},
            **till,
        },
    )
    client = TillClient(node.ctx.url)
    try:
        expect(
            lambda: node.ctx.services.catalog.item("100") is not None,
            within=30,
            what=f"{node_id} has its catalog from the server",
        )
        client.login()
        client.post("/shift/open")
    except BaseException:
        node.stop()
        raise
    return node, client


def _register(server, wanted):
    with server.ctx.db.write() as s:
        secrets = {}
        for node_id, store in TILLS:
            if node_id not in wanted:
                continue
            secrets[node_id] = register_peer(s, node_id, "till", store=store)
            outbox.put(
                s,
                channel_name("server", node_id),
                catalogdoc.FULL,
                catalog_body(_records(store), store=store),
            )
    return secrets


@pytest.fixture
def chain(request, tmp_path, make_db_url):
    """A cash server, tills 17-1, (17-2,) 18-1 on it, one bank (one acquirer) for all."""
    wanted = getattr(request, "param", ("till-17-1", "till-18-1"))
    server = start_node("server", tmp_path, make_db_url("server"), bridge=dict(FAST))
    nodes = [server]
    bank = BankTerminalEmulator().start()
    try:
        tills = {}
        for node_id, secret in _register(server, wanted).items():
            node, client = _start_till(server, tmp_path, make_db_url, node_id, secret, bank)
            nodes.append(node)
            tills[node_id] = (node, client)
        yield server, tills, bank
    finally:
        bank.stop()
        http.clear()
        for node in reversed(nodes):
            node.stop()


def _sold_on_server(server, receipt_id):
    handler = server.ctx.asks.get("receipts.lookup")
    try:
        return handler({"receipt_id": receipt_id}, "till-18-1")
    except Exception:
        return None


def test_a_return_at_another_stores_till_through_the_server(chain):
    server, tills, bank = chain
    _, seller = tills["till-17-1"]
    seller.post("/receipt/lines", {"article": "100", "quantity": 2000})  # 179.80
    seller.scan(BREAD)  # 45.00 → 224.80
    seller.pay("card", 10000)
    sale = seller.pay("cash", 15000)["closed"]
    rrn = sale["payments"][0]["rrn"]
    expect(lambda: _sold_on_server(server, sale["receipt_id"]), within=30, what="receipt on server")

    node18, till18 = tills["till-18-1"]
    out = till18.post(
        "/returns",
        {"store": "17", "till": 1, "shift_num": 1, "number": sale["number"], "lines": {"1": 1000}},
    )
    assert out["offline_return"] is False
    closed = out["closed"]
    assert closed["kind"] == "return" and closed["state"] == "completed"
    assert closed["totals"]["total"] == 8990
    refund = bank.ledger()[-1]
    assert (refund.op, refund.amount, refund.refund_of) == ("refund", 8990, rrn)
    assert [(p["type"], p["amount"], p["rrn"], p["reference"]) for p in closed["payments"]] == [
        ("card", 8990, refund.rrn, rrn)
    ]
    assert closed["original"]["receipt_id"] == sale["receipt_id"]

    ret = [d for t, d in outbox_docs(node18) if t == "receipt"][-1]
    assert ret.kind == "return" and ret.receipt_id == out["return_id"]
    assert ret.original.store == "17" and [(x.position, x.quantity) for x in ret.lines] == [
        (1, 1000)
    ]
    x = till18.get("/shift/x-report")["x_report"]
    assert x["returns_count"] == 1 and x["refunds_by_payment"] == {"card": 8990}

    # The server sees the return once it arrives: only one milk is left to return.
    expect(
        lambda: _sold_on_server(server, sale["receipt_id"])["returned"]["1"] == 1000,
        within=30,
        what="the return confirmed on the server",
    )


@pytest.mark.parametrize("chain", [("till-17-1", "till-17-2", "till-18-1")], indirect=True)
def test_a_double_return_is_refused(chain):
    server, tills, bank = chain
    _, seller = tills["till-17-1"]
    seller.post("/receipt/lines", {"article": "100", "quantity": 2000})
    seller.scan(BREAD)
    sale = seller.pay("cash", 30000)["closed"]
    expect(lambda: _sold_on_server(server, sale["receipt_id"]), within=30, what="receipt on server")
    ref = {"receipt_id": sale["receipt_id"]}

    _, till18 = tills["till-18-1"]
    out = till18.post("/returns", {**ref, "lines": {"1": 2000}})
    assert out["closed"]["payments"] == [
        {
            "id": out["closed"]["payments"][0]["id"],
            "state": "approved",
            "type": "cash",
            "amount": 17980,
            "rrn": None,
            "card_mask": None,
            "auth_code": None,
            "reference": None,
            "message": None,
        }
    ]

    # Another till of the first store tries the same line again.
    node172, till172 = tills["till-17-2"]
    status, err = till172.fail("POST", "/returns", {**ref, "lines": {"1": 1000}})
    assert (status, err["code"]) == (409, "return.exceeds")
    assert "already been returned in full" in err["message"]
    assert till172.receipt() is None

    # Two tills at once: one has reserved the bread; the other is refused by the server.
    bridge = node172.ctx.services.bridge
    bridge.ask(
        server.ctx.url,
        "receipts.reserve_return",
        {"receipt_id": sale["receipt_id"], "return_id": "other-till", "lines": {"2": 1000}},
    )
    status, err = till18.fail("POST", "/returns", {**ref, "lines": {"2": 1000}})
    assert err["code"] == "return.exceeds"
    with pytest.raises(RemoteError) as exc:
        bridge.ask(
            server.ctx.url,
            "receipts.reserve_return",
            {"receipt_id": sale["receipt_id"], "return_id": "third", "lines": {"2": 1000}},
        )
    assert exc.value.code == "return.exceeds"
    bridge.ask(server.ctx.url, "receipts.release_return", {"return_id": "other-till"})
    assert till18.post("/returns", {**ref, "lines": {"2": 1000}})["closed"]["totals"]["total"] == (
        4500
    )


def test_a_cancelled_return_gives_its_reservation_back(chain):
    server, tills, bank = chain
    _, seller = tills["till-17-1"]
    seller.scan(MILK)
    receipt_id = seller.pay("card", 8990)["closed"]["receipt_id"]
    expect(lambda: _sold_on_server(server, receipt_id), within=30)

    _, till18 = tills["till-18-1"]
    from ukm_actors.hw.emulators import Decline

    bank.script(Decline("refunds are closed for today"))
    out = till18.post("/returns", {"receipt_id": receipt_id, "lines": {"1": 1000}})
    assert out["closed"] is None and "refund the rest in cash" in out["message"]
    assert out["receipt"]["totals"]["due"] == 8990
    assert _sold_on_server(server, receipt_id)["returned"]["1"] == 1000  # reserved
    till18.post("/receipt/cancel", {"supervisor": SUPERVISOR})
    assert _sold_on_server(server, receipt_id)["returned"]["1"] == 0


def test_an_offline_return_needs_a_supervisor_and_is_marked(start_till):
    node, till = start_till()  # no server configured: it cannot be reached
    till.login()
    till.post("/shift/open")
    till.scan(MILK)
    till.scan(BREAD)
    sale = till.pay("cash", 20000)["closed"]

    status, err = till.fail(
        "POST", "/returns", {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}}
    )
    assert (status, err["code"]) == (403, "rights.missing")
    assert "cash server cannot be reached" in err["message"]
    out = till.post(
        "/returns",
        {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}, "supervisor": SUPERVISOR},
    )
    assert out["offline_return"] is True
    assert out["closed"]["offline_return"] is True and out["closed"]["supervisor"] == "9"
    assert out["closed"]["totals"]["total"] == 8990
    # This till's own copy counts what it already took back.
    err = till.fail(
        "POST",
        "/returns",
        {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}, "supervisor": SUPERVISOR},
    )[1]
    assert err["code"] == "return.exceeds"
    # Without any original: the items are listed.
    err = till.fail(
        "POST", "/returns", {"receipt_id": "unknown", "lines": {"1": 1}, "supervisor": SUPERVISOR}
    )[1]
    assert err["code"] == "return.items_needed"
    out = till.post(
        "/returns",
        {
            "receipt_id": "unknown",
            "lines": {"1": 1000},
            "items": [{"article": "101", "quantity": 1000}],
            "supervisor": SUPERVISOR,
        },
    )
    assert out["closed"]["original"] is None and out["closed"]["totals"]["total"] == 4500
    ret = [d for t, d in outbox_docs(node) if t == "receipt"][-1]
    assert ret.kind == "return" and ret.offline_return and ret.supervisor_code == "9"


@pytest.fixture
def in_flight(request, tmp_path, make_db_url):
    """Till 17-1 reaches the server through a proxy that can hold its outbox in flight and
    waits 1 s before returning from its own copy; till 17-2 reaches it through a proxy that
    only watches (its lookups are counted) and waits up to 30 s (or the test's param) for a
    receipt the server does not have yet: a sale arrives well within that on a loaded machine."""
    server = start_node("server", tmp_path, make_db_url("server"), bridge=dict(FAST))
    host, port = server.ctx.url.removeprefix("http://").split(":")
    proxy = FaultProxy((host, int(port)))
    watch = FaultProxy((host, int(port)))
    bank = BankTerminalEmulator().start()
    nodes = [server]
    try:
        secrets = _register(server, ("till-17-1", "till-17-2"))
        seller = _start_till(
            server,
            tmp_path,
            make_db_url,
            "till-17-1",
            secrets["till-17-1"],
            bank,
            server_url=proxy.url,
            return_lookup_wait=1.0,
        )
        nodes.append(seller[0])
        other = _start_till(
            server,
            tmp_path,
            make_db_url,
            "till-17-2",
            secrets["till-17-2"],
            bank,
            server_url=watch.url,
            return_lookup_wait=getattr(request, "param", 30.0),
        )
        nodes.append(other[0])
        yield server, proxy, seller[1], other[1], watch
    finally:
        proxy.release()
        bank.stop()
        http.clear()
        for node in reversed(nodes):
            node.stop()
        proxy.stop()
        watch.stop()


def _lookups(watch):
    return sum(1 for r in watch.seen if r.path.endswith("/ask/receipts.lookup"))


def _sell(till):
    till.scan(MILK)
    till.scan(BREAD)
    return till.pay("cash", 20000)["closed"]


def test_the_other_till_waits_for_a_receipt_still_in_flight(in_flight):
    server, proxy, seller, other, watch = in_flight
    proxy.hold("/mailbox/v1/inbox")
    sale = _sell(seller)
    assert _sold_on_server(server, sale["receipt_id"]) is None, "the sale is in flight"
    asked = _lookups(watch)
    returning = gevent.spawn(
        other.post, "/returns", {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}}
    )
    expect(
        lambda: _lookups(watch) >= asked + 2,
        within=30,
        what="the other till asks again while the server has not got the sale",
    )
    assert not returning.ready(), "it waits, the receipt still in flight"
    proxy.release()
    out = returning.get(timeout=60)
    assert out["closed"]["kind"] == "return" and out["offline_return"] is False
    assert _sold_on_server(server, sale["receipt_id"]) is not None


@pytest.mark.parametrize("in_flight", [1.0], indirect=True)
def test_the_other_till_says_not_found_when_the_receipt_does_not_come_in_time(in_flight):
    server, proxy, seller, other, watch = in_flight
    proxy.hold("/mailbox/v1/inbox")
    sale = _sell(seller)
    asked = _lookups(watch)
    started = time.monotonic()
    status, err = other.fail(
        "POST", "/returns", {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}}
    )
    waited = time.monotonic() - started
    assert (status, err["code"]) == (404, "receipt.not_found") and "not on the server" in (
        err["message"]
    )
    assert _lookups(watch) > asked, "it asked the server"
    # a lower bound only (the till's own deadline, so load cannot break it): it waited out
    # return_lookup_wait instead of answering at the first "not found"
    assert waited >= 1.0, f"answered after {waited:.2f} s, before return_lookup_wait"
    assert _sold_on_server(server, sale["receipt_id"]) is None
    proxy.release()


def test_the_selling_till_returns_from_its_own_copy_before_the_server_has_the_sale(in_flight):
    server, proxy, seller, *_ = in_flight
    proxy.hold("/mailbox/v1/inbox")
    sale = _sell(seller)
    out = seller.post(
        "/returns",
        {"store": "17", "till": 1, "shift_num": 1, "number": sale["number"], "lines": {"2": 1000}},
    )
    assert out["closed"]["totals"]["total"] == 4500 and out["offline_return"] is False
    assert _sold_on_server(server, sale["receipt_id"]) is None, "returned before it arrived"
    status, err = seller.fail(
        "POST", "/returns", {"receipt_id": sale["receipt_id"], "lines": {"2": 1000}}
    )
    assert err["code"] == "return.exceeds", "its own copy counts its own returns"
    proxy.release()
    expect(
        lambda: (
            (_sold_on_server(server, sale["receipt_id"]) or {}).get("returned", {}).get("2") == 1000
        ),
        within=30,
        what="the server confirms the return after the sale",
    )


def test_ten_returns_right_after_their_sales_all_succeed_at_either_till(in_flight):
    """The race from issue 16: a return asked for at once after the sale."""
    _, _, seller, other, _ = in_flight
    for i in range(10):
        sale = _sell(seller)
        at = other if i % 2 == 0 else seller
        out = at.post("/returns", {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}})
        assert out["closed"]["kind"] == "return", (i, out)


def test_a_return_of_a_line_at_an_additional_price_names_that_price(start_till):
    """The original's document carries only the price type's code; the return line gets
    its name from this till's catalog, as the sale line had it."""
    node, till = start_till()
    till.login()
    till.post("/shift/open")
    assert till.scan(COFFEE, price_type="promo")["line"]["price_name"] == "Акция"
    sale = till.pay("cash", 30000)["closed"]
    out = till.post(
        "/returns",
        {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}, "supervisor": SUPERVISOR},
    )
    line = out["closed"]["lines"][0]
    assert (line["price_type"], line["price_name"]) == ("promo", "Акция")
