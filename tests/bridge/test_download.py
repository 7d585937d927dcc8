"""The till's side of the server: document list (long-poll), ranged downloads, acks."""

import json

import gevent

from tests.bridge.conftest import TILL_SECRET, start_server, stop_nodes
from tests.bridge.helpers import signed
from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import parse_document
from ukm_actors.bridge.peers import peer_key
from ukm_actors.db import Database

CH = "server>till-17-1"
KEY = peer_key(TILL_SECRET, "server")
DOCS = "/mailbox/v1/tills/till-17-1/docs"


def get(server, path, **kw):
    return signed("GET", server.ctx.url, path, node="till-17-1", key=KEY, **kw)


def put(db, n=1, body=b"x" * 5000, doc_type="test.row"):
    with db.write() as session:
        return [outbox.put(session, CH, doc_type, body) for _ in range(n)]


def test_a_document_is_served_whole_or_by_range(server):
    put(server.ctx.db, body=bytes(range(256)) * 100)
    whole = get(server, f"{DOCS}/1")
    assert whole.status == 200 and whole.headers["Accept-Ranges"] == "bytes"
    etag = whole.headers["ETag"]
    total = len(whole.data)
    assert int(whole.headers["Content-Length"]) == total
    assert parse_document(whole.data).body == bytes(range(256)) * 100

    part = get(server, f"{DOCS}/1", headers={"Range": "bytes=1000-", "If-Range": etag})
    assert part.status == 206 and part.data == whole.data[1000:]
    assert part.headers["Content-Range"] == f"bytes 1000-{total - 1}/{total}"
    assert part.headers["ETag"] == etag

    middle = get(server, f"{DOCS}/1", headers={"Range": "bytes=10-19"})
    assert middle.status == 206 and middle.data == whole.data[10:20]

    changed = get(server, f"{DOCS}/1", headers={"Range": "bytes=1000-", "If-Range": '"other"'})
    assert changed.status == 200 and changed.data == whole.data

    past = get(server, f"{DOCS}/1", headers={"Range": f"bytes={total}-"})
    assert past.status == 416 and past.headers["Content-Range"] == f"bytes */{total}"

    missing = get(server, f"{DOCS}/9")
    assert missing.status == 404
    assert json.loads(missing.data)["message"] == f"document 9 of {CH} is not (or no longer) here"


def test_a_big_body_is_streamed_in_chunks(server):
    body = b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"p" * 80) for i in range(30000))
    put(server.ctx.db, body=body)
    r = get(server, f"{DOCS}/1", headers={"Range": "bytes=2000000-"})
    assert r.status == 206 and len(r.data) > 0
    whole = get(server, f"{DOCS}/1")
    assert parse_document(whole.data).body == body
    assert whole.data[2000000:] == r.data


def test_the_list_names_each_document_and_the_ack_is_cumulative(server):
    db = server.ctx.db
    put(db, 3)
    with db.write() as session:
        outbox.supersede(session, CH, 3, ("test.row",))
    r = get(server, f"{DOCS}?after=0")
    listing = json.loads(r.data)
    assert [d["seq"] for d in listing["docs"]] == [1, 2, 3]
    assert [d["superseded"] for d in listing["docs"]] == [True, True, False]
    assert listing["docs"][0]["length"] == 5000 and len(listing["docs"][0]["sha256"]) == 64
    assert (listing["last"], listing["acked"], listing["base"]) == (3, 0, 0)
    assert [d["seq"] for d in json.loads(get(server, f"{DOCS}?after=2").data)["docs"]] == [3]

    ack = signed(
        "POST",
        server.ctx.url,
        "/mailbox/v1/tills/till-17-1/ack",
        node="till-17-1",
        key=KEY,
        body=b'{"seq": 2}',
    )
    assert json.loads(ack.data)["acked"] == 2
    ack = signed(
        "POST",
        server.ctx.url,
        "/mailbox/v1/tills/till-17-1/ack",
        node="till-17-1",
        key=KEY,
        body=b'{"seq": 1}',
    )
    assert json.loads(ack.data)["acked"] == 2, "acknowledgements never go backwards"
    ack = signed(
        "POST",
        server.ctx.url,
        "/mailbox/v1/tills/till-17-1/ack",
        node="till-17-1",
        key=KEY,
        body=b"nonsense",
    )
    assert ack.status == 400 and "acknowledgement is" in json.loads(ack.data)["message"]

    r = get(server, f"{DOCS}?after=3&wait=0.3")
    assert r.status == 200 and json.loads(r.data)["docs"] == []
    assert get(server, f"{DOCS}?after=x").status == 400


def test_a_long_poll_waits_and_is_woken_by_notify(tmp_path, server_db_url):
    """poll_recheck is long here, so only notify() can end the wait early."""
    server = start_server(tmp_path, server_db_url, bridge={"poll_wait": 30.0, "poll_recheck": 30.0})
    try:
        poll = gevent.spawn(get, server, f"{DOCS}?after=0&wait=30")
        gevent.sleep(0.3)
        assert not poll.ready()
        put(server.ctx.db)
        gevent.sleep(0.3)
        assert not poll.ready(), "without notify the poll keeps waiting"
        server.ctx.services.bridge.notify(CH)
        r = poll.get(timeout=5)
        assert [d["seq"] for d in json.loads(r.data)["docs"]] == [1]
    finally:
        stop_nodes(server)


def test_a_long_poll_finds_documents_written_by_another_process(server, server_db_url):
    """No notification reaches it: the periodic re-read of the database does."""
    poll = gevent.spawn(get, server, f"{DOCS}?after=0&wait=5")
    gevent.sleep(0.2)
    other = Database(server_db_url)
    try:
        put(other)
    finally:
        other.dispose()
    r = poll.get(timeout=5)
    assert [d["seq"] for d in json.loads(r.data)["docs"]] == [1]
