"""Issue #11.2: a document that can never apply is parked, the channel moves on, the
next receipt still arrives and monitoring shows an alert. Before, a cancelled receipt
with a line of 10^18 thousandths made the server answer 500 on every retry and the
till's channel was stuck for good."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from tests.bridge.conftest import start_server
from tests.bridge.helpers import docs, signed
from tests.nodes.helpers import get_json
from tests.security.test_bridge_authorisation import batch
from tests.server.tills import ScriptedTill, line
from ukm_actors.bridge import deadletters
from ukm_actors.bridge.peers import peer_key
from ukm_actors.bridge.testing import rows
from ukm_actors.nodes.server.sales.tables import SaleReceipt


def test_a_poison_receipt_parks_and_the_next_receipt_still_arrives(server, peers):
    till = ScriptedTill(server, store="17", number=1)
    opened = till.open_shift(send=False)
    poison = till.receipt((line(1, quantity=10**18),), state="cancelled", send=False)
    good = till.receipt(send=False)
    peer = peers["till-17-1"]
    status, answer = peer.post_documents(batch("till-17-1", opened, poison, good))
    assert status == 200, answer
    assert (answer["acked"], answer["applied"], answer["parked"]) == (3, 3, 1)
    with server.ctx.db.read() as s:
        got = s.execute(select(SaleReceipt.receipt_id)).scalars().all()
        (letter,) = deadletters.list_letters(s)
    assert got == [good.receipt_id]
    assert letter.seq == 2 and letter.doc_type == "receipt"
    assert "out of range" in letter.error

    # the till sends the same batch again (a lost answer): duplicates, no 500
    status, answer = peer.post_documents(batch("till-17-1", opened, poison, good))
    assert status == 200 and answer["duplicates"] == 3
    # and the next receipt after it arrives
    later = till.receipt(send=False)
    status, answer = peer.post_documents(batch("till-17-1", later, seq=4))
    assert (status, answer["applied"], answer["parked"]) == (200, 1, 0)

    alerts = server.ctx.services.monitoring.check()["alerts"]
    assert [a["kind"] for a in alerts if a["kind"] == "bridge.parked"] == ["bridge.parked"]
    status, body = get_json(server.ctx.url + "/status")
    assert body["bridge"]["dead_letters"]["parked"] == 1


def test_every_integer_of_a_till_document_is_bounded(server, peers):
    """Totals, numbers, amounts over 10^15 are refused by the decoder and parked, so no
    sum over a shift can overflow a column."""
    till = ScriptedTill(server, store="17", number=1)
    opened = till.open_shift(send=False)
    bad = [
        replace(till.receipt(send=False), total=2**63),
        replace(till.receipt(send=False), kkm_receipt_number=-(10**16)),
        replace(till.cash("in", 100, send=False), amount=10**30),
    ]
    good = till.receipt(send=False)
    status, answer = peers["till-17-1"].post_documents(batch("till-17-1", opened, *bad, good))
    assert (status, answer["parked"], answer["acked"]) == (200, 3, 5), answer


def test_a_number_the_database_cannot_hold_parks_the_document(tmp_path, make_db_url):
    """The generic net under every applier: SQLite's OverflowError and PostgreSQL's
    DataError (out of range for its column) are permanent; the channel moves on."""
    node = start_server(tmp_path, make_db_url("server"))
    try:
        key = peer_key("till-17-1-secret", "server")
        ch = "till-17-1>server"
        body = docs(ch, [1]) + docs(ch, [2], body=b"huge") + docs(ch, [3])
        r = signed("POST", node.ctx.url, "/mailbox/v1/inbox", node="till-17-1", key=key, body=body)
        assert r.status == 200, r.data
        assert [(c, s) for c, s, *_ in rows(node.ctx.db)] == [(ch, 1), (ch, 3)]
        with node.ctx.db.read() as s:
            (letter,) = deadletters.list_letters(s)
        assert letter.seq == 2 and (
            "OverflowError" in letter.error or "the database refused it" in letter.error
        )
    finally:
        node.stop()
