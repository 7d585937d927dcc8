"""The inbox: each document applied once and in order; duplicates, gaps, bad batches."""

import json

import pytest

from tests.bridge.conftest import TILL_SECRET, stop_nodes
from tests.bridge.helpers import bridge_node, docs, register, signed
from tests.nodes.helpers import get_json
from ukm_actors.bridge import deadletters
from ukm_actors.bridge.inbox import Appliers
from ukm_actors.bridge.peers import peer_key
from ukm_actors.bridge.testing import rows

CH = "till-17-1>server"
KEY = peer_key(TILL_SECRET, "server")


def post(server, body, node="till-17-1", key=KEY):
    r = signed("POST", server.ctx.url, "/mailbox/v1/inbox", node=node, key=key, body=body)
    return r.status, json.loads(r.data)


def seqs(server):
    return [r[1] for r in rows(server.ctx.db, CH)]


def test_duplicates_are_acked_again_and_gaps_refused_with_the_seq_expected(server):
    assert post(server, docs(CH, [1, 2]))[1]["acked"] == 2
    status, answer = post(server, docs(CH, [1, 2]))
    assert status == 200
    assert (answer["acked"], answer["applied"], answer["duplicates"]) == (2, 0, 2)
    status, answer = post(server, docs(CH, [2, 3, 4]))
    assert (answer["acked"], answer["applied"], answer["duplicates"]) == (4, 2, 1)

    status, answer = post(server, docs(CH, [6, 7]))
    assert status == 409
    assert answer["code"] == "bridge.gap" and answer["expected"] == 5 and answer["acked"] == 4
    assert "expected 5" in answer["message"]
    status, answer = post(server, docs(CH, [5, 6, 8]))
    assert status == 409 and answer["acked"] == 6 and answer["applied"] == 2
    status, answer = post(server, docs(CH, range(1, 11)))
    assert (status, answer["acked"], answer["applied"]) == (200, 10, 4)
    assert seqs(server) == list(range(1, 11))


def test_an_oversized_batch_gets_413_before_it_is_read(tmp_path, server_db_url, server):
    small = bridge_node(
        "server",
        tmp_path / "small",
        server_db_url,
        bridge={"max_batch": 5000},
        node={"id": "server"},
    )
    try:
        status, answer = post(small, docs(CH, range(1, 200)))
        assert status == 413 and answer["code"] == "bridge.too_large"
        assert "over this node's limit of 5000 bytes" in answer["message"]
        assert "[bridge] max_batch" in answer["hint"]
    finally:
        stop_nodes(small)


def test_an_empty_malformed_or_mixed_batch_is_refused(server, server_db_url):
    status, answer = post(server, b"")
    assert status == 400 and answer["message"] == "empty document batch (0 bytes)"
    status, answer = post(server, b"hello")
    assert status == 400 and "not a UKM transport document" in answer["message"]
    status, answer = post(server, docs(CH, [1]) + docs("till-17-1>marketing", [1]))
    assert status == 400 and "one channel only" in answer["message"]
    status, answer = post(server, docs(CH, [2, 1]))
    assert status == 400 and "increasing seq order" in answer["message"]
    register(server_db_url, "till-17-2", "till", "17", "two")
    status, answer = post(server, docs("till-17-2>server", [1]))
    assert (
        status == 403 and "cannot send documents of channel till-17-2>server" in answer["message"]
    )
    status, answer = post(server, docs("till-17-1>marketing", [1]))
    assert status == 403 and "not for server" in answer["message"]
    assert seqs(server) == []


def test_an_unknown_type_blocks_the_channel_until_the_node_knows_it(server):
    status, answer = post(server, docs(CH, [1]) + docs(CH, [2], doc_type="future.kind"))
    assert status == 422 and answer["code"] == "bridge.unknown_type" and answer["acked"] == 1
    assert "future.kind" in answer["message"]
    status, answer = post(server, docs(CH, [2, 3]))
    assert (status, answer["acked"]) == (200, 3)


def test_a_document_refused_for_good_is_parked_and_the_channel_moves_on(server):
    batch = docs(CH, [1]) + docs(CH, [2], body=b"bad receipt") + docs(CH, [3])
    status, answer = post(server, batch)
    assert (status, answer["acked"], answer["parked"], answer["applied"]) == (200, 3, 1, 3)
    assert seqs(server) == [1, 3]
    _, st = get_json(server.ctx.url + "/status")
    dead = st["bridge"]["dead_letters"]
    assert dead["parked"] == 1 and dead["latest"][0]["seq"] == 2
    assert "bad by design" in dead["latest"][0]["error"]
    channel = next(c for c in st["bridge"]["channels"] if c["channel"] == CH)
    assert "parked" in channel["last_error"]

    fixed = Appliers()
    applied = []
    fixed.register("test.row", lambda session, doc: applied.append(doc.body))
    db = server.ctx.db
    with db.write() as session:
        letter = deadletters.list_letters(session)[0]
        deadletters.replay(session, letter.id, fixed)
    assert applied == [b"bad receipt"]
    with db.read() as session:
        assert deadletters.count_parked(session) == 0
    with db.write() as session, pytest.raises(deadletters.DeadLetterError, match="already"):
        deadletters.replay(session, letter.id, fixed)
