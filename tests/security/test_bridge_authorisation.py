"""Issue #11.1: a valid signature was enough. Each attack from the issue, reproduced
against a real cash server with a peer of every kind, refused with 403
``bridge.forbidden``, logged and audited, and nothing changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.nodes.helpers import start_node
from tests.security.conftest import PEERS, SignedPeer
from tests.server.tills import ScriptedTill
from ukm_actors.bridge.documents import Document, channel_name
from ukm_actors.bridge.peers import register_peer
from ukm_actors.codecs.tilldocs import doc_type, encode
from ukm_actors.nodes.server.admin.tables import AuditEntry
from ukm_actors.nodes.server.sales.tables import SaleReceipt, SaleReturnLine


def batch(sender: str, *docs, seq: int = 1) -> bytes:
    """Till documents in one POST body, on channel ``sender>server``."""
    channel = channel_name(sender, "server")
    return b"".join(
        Document.make(doc_type(d), encode(d), channel=channel, seq=seq + i).render()
        for i, d in enumerate(docs)
    )


def count(server, what) -> int:
    with server.ctx.db.read() as s:
        return int(s.execute(select(func.count()).select_from(what)).scalar_one())


def refusals(server) -> list[tuple[str, str]]:
    with server.ctx.db.read() as s:
        rows = s.execute(
            select(AuditEntry.who, AuditEntry.target).where(AuditEntry.action == "bridge.forbidden")
        )
        return [tuple(r) for r in rows]


def sale(server, peer: SignedPeer, store: str, number: int) -> str:
    """A completed sale sent by ``peer`` as till ``number`` of ``store``; its receipt id."""
    till = ScriptedTill(server, store=store, number=number)
    opened, receipt = till.open_shift(send=False), till.receipt(send=False)
    status, answer = peer.post_documents(batch(peer.node_id, opened, receipt))
    assert status == 200 and answer["applied"] == 2, answer
    return receipt.receipt_id


def test_a_price_checker_module_cannot_post_receipts(server, peers, caplog):
    """pricechecker-17 posted a receipt of its own store; the server applied and exported it."""
    till = ScriptedTill(server, store="17", number=1)
    body = batch("pricechecker-17", till.open_shift(send=False), till.receipt(send=False))
    status, answer = peers["pricechecker-17"].post_documents(body)
    assert status == 403 and answer["code"] == "bridge.forbidden"
    assert answer["message"] == (
        "pricechecker-17 (pricechecker) may not send document 'shift.open': only till may"
    )
    assert count(server, SaleReceipt) == 0
    assert refusals(server) == [("pricechecker-17", "document shift.open")]
    assert any(
        "refused document 'shift.open' from pricechecker-17 (pricechecker) at 127.0.0.1"
        in r.getMessage()
        for r in caplog.records
    )


def test_the_integration_module_cannot_post_receipts_of_a_store_that_does_not_exist(server, peers):
    """integration-17 posted a receipt of store 99: it was applied and exported as
    ``receipt_[99]_…xml``."""
    till = ScriptedTill(server, store="99", number=1)
    body = batch("integration-17", till.open_shift(send=False), till.receipt(send=False))
    status, answer = peers["integration-17"].post_documents(body)
    assert status == 403 and "only till may" in answer["message"]
    assert count(server, SaleReceipt) == 0
    export = server.ctx.config.resolve(server.ctx.config.server.export_dir)
    assert not list(export.glob("receipt_*99*"))


@pytest.mark.parametrize(
    ("store", "number", "why"),
    [
        ("17", 2, "till-17-1 (till) may send only its own 'shift.open', not one of till-17-2"),
        ("18", 1, "till-17-1 (till) may send only its own 'shift.open', not one of till-18-1"),
    ],
)
def test_a_till_sends_only_its_own_documents(server, peers, store, number, why):
    """A till posting in another till's (or another store's) name."""
    till = ScriptedTill(server, store=store, number=number)
    body = batch("till-17-1", till.open_shift(send=False), till.receipt(send=False))
    status, answer = peers["till-17-1"].post_documents(body)
    assert (status, answer["message"]) == (403, why)
    assert count(server, SaleReceipt) == 0
    sale(server, peers["till-17-1"], "17", 1)
    assert count(server, SaleReceipt) == 1


@pytest.mark.parametrize(
    ("node", "ask"),
    [
        ("pricechecker-17", "receipts.lookup"),
        ("pricechecker-17", "receipts.reserve_return"),
        ("integration-17", "receipts.lookup"),
        ("marketing", "receipts.release_return"),
        ("marketing", "receipts.reserve_return"),
    ],
)
def test_only_tills_ask_about_receipts(server, peers, node, ask):
    """The price checker could look up and reserve returns; marketing could release them."""
    rid = sale(server, peers["till-17-1"], "17", 1)
    status, answer = peers["till-17-2"].ask(
        "receipts.reserve_return", {"receipt_id": rid, "return_id": "R-1", "lines": {"1": 1000}}
    )
    assert status == 200 and answer["ok"], answer
    message = {"receipt_id": rid, "return_id": "R-1", "lines": {"1": 1000}}
    status, answer = peers[node].ask(ask, message)
    assert status == 403 and answer["error"]["code"] == "bridge.forbidden"
    assert "only till may" in answer["error"]["message"]
    with server.ctx.db.read() as s:
        held = s.execute(select(SaleReturnLine.return_id, SaleReturnLine.quantity)).all()
    assert [tuple(r) for r in held] == [("R-1", 1000)], "the reservation is untouched"
    assert refusals(server) == [(node, f"ask {ask}")]


def test_return_scope_store_keeps_a_till_to_its_own_stores_receipts(tmp_path, db_url):
    """With ``[server] return_scope = "store"`` a till of store 18 cannot see store 17's
    receipts (by id, by number, or through a reservation's id)."""
    server = start_node("server", tmp_path, db_url, server={"return_scope": "store"})
    try:
        peers = {}
        with server.ctx.db.write() as s:
            for node_id, (kind, store) in PEERS.items():
                secret = register_peer(s, node_id, kind, store=store, secret=f"{node_id}-x")
                peers[node_id] = SignedPeer(node_id, secret, server.ctx.url)
        rid = sale(server, peers["till-17-1"], "17", 1)
        by_number = {"store": "17", "till": 1, "shift_num": 1, "number": 1}
        for message in ({"receipt_id": rid}, by_number):
            status, answer = peers["till-18-1"].ask("receipts.lookup", message)
            assert status == 403
            assert answer["error"]["message"] == (
                "till-18-1 (till) may not see 'receipts.lookup' of store 17"
            )
            status, answer = peers["till-17-2"].ask("receipts.lookup", message)
            assert status == 200 and answer["reply"]["receipt"]["receipt_id"] == rid
        reserve = {"receipt_id": rid, "return_id": "R-2", "lines": {"1": 1000}}
        assert peers["till-17-2"].ask("receipts.reserve_return", reserve)[0] == 200
        status, _ = peers["till-18-1"].ask("receipts.release_return", {"return_id": "R-2"})
        assert status == 403
        status, answer = peers["till-17-2"].ask("receipts.release_return", {"return_id": "R-2"})
        assert status == 200 and answer["reply"]["released"] is True
    finally:
        server.stop()


def test_a_return_at_another_store_is_allowed_by_default(server, peers):
    """``return_scope = "chain"`` (the default): a till returns another store's receipt."""
    rid = sale(server, peers["till-17-1"], "17", 1)
    status, answer = peers["till-18-1"].ask("receipts.lookup", {"receipt_id": rid})
    assert status == 200 and answer["reply"]["receipt"]["store"] == "17"


@pytest.mark.parametrize(
    ("node", "ask", "message"),
    [
        ("integration-17", "integration.settings", {"store": "18"}),
        ("pricechecker-17", "store.tills", {"store": "18"}),
        ("pricechecker-17", "integration.settings", {"store": "17"}),
        ("till-17-1", "auth.verify", {"token": "x"}),
        ("till-17-1", "store.tills", {"store": "17"}),
        ("marketing", "till.status", {}),
    ],
)
def test_store_modules_and_others_ask_only_what_is_theirs(server, peers, node, ask, message):
    status, answer = peers[node].ask(ask, message)
    assert status == 403 and answer["error"]["code"] == "bridge.forbidden", answer


def test_the_table_is_checked_before_the_handler_runs(server, peers):
    """A refused ask changes nothing, also when its handler would write."""
    status, _ = peers["marketing"].ask("till.status", {"version": "evil"})
    assert status == 403
    with server.ctx.db.read() as s:
        from ukm_actors.nodes.server.monitoring.tables import TillReport

        assert s.execute(select(func.count()).select_from(TillReport)).scalar_one() == 0


def test_refusals_show_in_the_admin_audit_log(server, peers):
    from ukm_actors.nodes.server.admin import auth

    peers["pricechecker-17"].ask("receipts.lookup", {"receipt_id": "x"})
    with server.ctx.db.write() as s:
        auth.create_employee(s, "boss", "correct horse", "admin", "Boss")
        token, _, _ = auth.login(s, "boss", "correct horse", hours=1)
    from tests.nodes.helpers import get_json

    status, page = get_json(
        server.ctx.url + "/api/v1/audit", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200
    entry = next(e for e in page["entries"] if e["action"] == "bridge.forbidden")
    assert entry["who"] == "pricechecker-17" and entry["target"] == "ask receipts.lookup"
    assert entry["after"]["kind"] == "pricechecker" and entry["after"]["from"] == "127.0.0.1"
    assert "only till may" in entry["after"]["reason"]
    json.dumps(entry)


@pytest.mark.timeout(90)
def test_a_till_parks_a_catalog_the_marketing_server_sent(tmp_path, make_db_url, server, peers):
    """A (compromised) marketing server queues ``catalog.full`` for a till: the till
    downloads it, the table refuses it (only the cash server sends catalogs), it is
    parked in the till's dead letters and never applied, and the channel moves on."""
    from ukm_actors.bridge import deadletters, outbox
    from ukm_actors.supervision.testing import expect

    fast = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 1.0, "poll_recheck": 0.2}
    marketing = start_node(
        "marketing", tmp_path, make_db_url("marketing"), node={"id": "marketing"},
        bridge={**fast, "server_url": server.ctx.url, "secret": peers["marketing"].secret},
    )  # fmt: skip
    till = None
    try:
        channel = channel_name("marketing", "till-17-1")
        with marketing.ctx.db.write() as s:
            outbox.put(s, channel, "catalog.full", b'{"evil": true}\n')
        till = start_node(
            "till", tmp_path, make_db_url("till-17-1"), node={"id": "till-17-1"},
            till={"store": "17", "number": 1, "marketing_url": marketing.ctx.url},
            bridge={**fast, "server_url": server.ctx.url, "secret": peers["till-17-1"].secret},
        )  # fmt: skip

        def parked():
            with till.ctx.db.read() as s:
                return deadletters.list_letters(s)

        expect(lambda: parked(), within=30, what="the till parked the marketing catalog")
        (letter,) = parked()
        assert (letter.channel, letter.doc_type) == (channel, "catalog.full")
        assert "marketing (marketing) may not send document 'catalog.full'" in letter.error
        assert till.ctx.services.catalog.item("100") is None
    finally:
        if till is not None:
            till.stop()
        marketing.stop()
