"""Compressed transfer: zstd when both ends say so, resumable, bounded, stored once."""

import json
from urllib.parse import urlsplit

import bottle
import pytest
import zstandard
from gevent.pywsgi import WSGIServer
from sqlalchemy import func, select

from tests.bridge.conftest import TILL_SECRET
from tests.bridge.faultproxy import Fault, FaultProxy
from tests.bridge.helpers import RAW, docs, put_many, signed
from tests.nodes.helpers import get_json
from ukm_actors.bridge import encoding, outbox
from ukm_actors.bridge.auth import sign
from ukm_actors.bridge.documents import parse_document
from ukm_actors.bridge.models import BlobVariant
from ukm_actors.bridge.peers import peer_key
from ukm_actors.bridge.testing import rows
from ukm_actors.supervision.testing import expect

CH = "server>till-17-1"
UP = "till-17-1>server"
KEY = peer_key(TILL_SECRET, "server")
DOC = "/mailbox/v1/tills/till-17-1/docs/1"
LINES = 40_000
BODY = b"".join(
    b'{"op": "put", "kind": "item", "article": "%06d", "name": "Item %d"}\n' % (i, i % 977)
    for i in range(LINES)
)


class Raw:
    """An answer's status, headers and body as they travelled (urllib3 would decode zstd)."""

    def __init__(self, r):
        self.status, self.headers = r.status, r.headers
        self.data = r.read(decode_content=False)
        r.release_conn()


def get(server, path, **headers):
    h = sign(KEY, "till-17-1", "GET", path, b"")
    h.update({"Connection": "close", **headers})
    return Raw(RAW.request("GET", server.ctx.url + path, headers=h, preload_content=False))


def queue(server, body=BODY, doc_type="test.lines", channels=(CH,)):
    with server.ctx.db.write() as session:
        digest = outbox.store_blob(session, body)
        for ch in channels:
            outbox.put_stored(session, ch, doc_type, digest)
    for ch in channels:
        server.ctx.services.bridge.notify(ch)


def variants(db):
    with db.read() as session:
        return session.execute(select(func.count()).select_from(BlobVariant)).scalar_one()


@pytest.fixture
def proxy(server):
    parts = urlsplit(server.ctx.url)
    p = FaultProxy((parts.hostname, parts.port))
    yield p
    p.stop()


def pull_link(till):
    _, st = get_json(till.ctx.url + "/status")
    return next(c for c in st["bridge"]["links"] if c["name"] == "pull.server")


def test_a_client_that_asks_gets_zstd_an_older_one_the_plain_file(server):
    queue(server)
    plain = get(server, DOC)
    assert plain.status == 200 and "Content-Encoding" not in plain.headers
    packed = get(server, DOC, **{"Accept-Encoding": "gzip, zstd"})
    assert packed.status == 200 and packed.headers["Content-Encoding"] == "zstd"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert packed.headers["ETag"] != plain.headers["ETag"]
    raw = packed.data  # urllib3 would decode it by itself: the test reads what travelled
    assert len(raw) < len(plain.data) / 5
    assert encoding.decompress(raw, len(plain.data), "test") == plain.data
    assert parse_document(plain.data).body == BODY

    # ranges are of the compressed bytes; If-Range with the plain ETag gets the whole file
    tag, total = packed.headers["ETag"], len(raw)
    part = get(server, DOC, **{"Accept-Encoding": "zstd", "Range": "bytes=100-", "If-Range": tag})
    assert part.status == 206 and part.headers["Content-Range"] == f"bytes 100-{total - 1}/{total}"
    assert part.headers["Content-Encoding"] == "zstd"
    other = get(
        server,
        DOC,
        **{"Accept-Encoding": "zstd", "Range": "bytes=100-", "If-Range": plain.headers["ETag"]},
    )
    assert other.status == 200 and len(other.data) == total
    refused = get(server, DOC, **{"Accept-Encoding": "zstd;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_a_body_is_compressed_once_however_many_tills_get_it(server):
    channels = [f"server>till-17-{n}" for n in range(1, 11)]
    queue(server, channels=channels)
    assert variants(server.ctx.db) == 1
    queue(server, channels=channels)  # the same body again: still one
    assert variants(server.ctx.db) == 1
    with server.ctx.db.write() as session:
        outbox.put(session, CH, "test.row", b"a small receipt")
    assert variants(server.ctx.db) == 1, "small bodies travel as they are"


def test_a_till_downloads_compressed_and_resumes_a_cut_transfer(server, proxy, make_till):
    proxy.faults.append(Fault("/docs/1", "cut", 0.5))
    queue(server)
    till = make_till(proxy.url)
    expect(lambda: rows(till.ctx.db) == [(CH, 1, "test.lines", len(BODY), LINES)], within=20)
    first, second = [s for s in proxy.seen if s.path.endswith("/docs/1")]
    assert first.coding == second.coding == "zstd"
    assert first.headers["accept-encoding"] == "zstd" and first.range is None
    assert second.range == f"bytes={first.sent_bytes}-" and second.status == 206
    assert second.body_bytes == first.body_bytes - first.sent_bytes
    link = pull_link(till)
    assert link["resumed"] == 1 and link["wire_bytes"] == first.body_bytes
    assert link["wire_bytes"] < len(BODY) / 5
    t = link["transfer"]
    assert (t["seq"], t["coding"], t["resumes"], t["finished"]) == (1, "zstd", 1, True)
    assert t["done"] == t["total"] == first.body_bytes and t["offset"] == first.sent_bytes
    spool = till.ctx.config.resolve("spool") / "server__till-17-1"
    expect(lambda: list(spool.iterdir()) == [])
    served = server.ctx.services.bridge.transfers()["till-17-1"]  # the till monitoring's
    assert (served["seq"], served["resumes"], served["total"]) == (1, 1, first.body_bytes)
    assert served["offset"] == first.sent_bytes and served["finished"]


def test_a_corrupt_compressed_download_is_fetched_again_and_never_applied(server, proxy, make_till):
    proxy.faults.append(Fault("/docs/1", "flip"))
    queue(server)
    till = make_till(proxy.url)
    expect(lambda: len(rows(till.ctx.db)) == 1, within=20)
    first, second = [s for s in proxy.seen if s.path.endswith("/docs/1")]
    assert first.fault == "flip" and second.range is None
    assert rows(till.ctx.db) == [(CH, 1, "test.lines", len(BODY), LINES)]
    assert pull_link(till)["corrupt"] == 1


def test_receipts_go_up_compressed_once_the_server_says_it_reads_zstd(server, proxy, make_till):
    till = make_till(proxy.url, batch_docs=100)
    put_many(till, "server", 300, per_txn=100)
    expect(lambda: len(rows(server.ctx.db, UP)) == 300, within=20)
    posts = [s for s in proxy.seen if s.method == "POST" and s.path.endswith("/inbox")]
    assert posts[0].headers.get("content-encoding") is None, "the first batch is plain"
    assert all(p.headers.get("content-encoding") == "zstd" for p in posts[1:])
    assert [r[1] for r in rows(server.ctx.db, UP)] == list(range(1, 301))
    _, st = get_json(till.ctx.url + "/status")
    push = next(c for c in st["bridge"]["links"] if c["name"] == "push.server")
    assert push["wire_bytes"] < push["bytes"]


def post_inbox(server, body, coding):
    key = peer_key(TILL_SECRET, "server")
    headers = {"Content-Encoding": coding} if coding else {}
    return signed(
        "POST",
        server.ctx.url,
        "/mailbox/v1/inbox",
        node="till-17-1",
        key=key,
        body=body,
        headers=headers,
    )


def test_a_compressed_batch_is_applied_and_a_bomb_or_garbage_refused(server):
    batch = docs(UP, range(1, 51))
    r = post_inbox(server, zstandard.ZstdCompressor().compress(batch), "zstd")
    assert r.status == 200 and json.loads(r.data)["acked"] == 50
    assert r.headers["Accept-Encoding"] == "zstd"

    limit = server.ctx.config.bridge.max_batch
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (limit + 1))
    assert len(bomb) < 100_000
    r = post_inbox(server, bomb, "zstd")
    assert r.status == 413 and json.loads(r.data)["code"] == "bridge.too_large"

    r = post_inbox(server, b"not zstd at all", "zstd")
    assert r.status == 400 and "does not decode as zstd" in json.loads(r.data)["message"]
    r = post_inbox(server, batch, "br")
    assert r.status == 415 and r.headers["Accept-Encoding"] == "zstd"
    assert len(rows(server.ctx.db, UP)) == 50


def test_decoding_stops_at_its_bound(tmp_path):
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * 50_000_000)
    with pytest.raises(encoding.DecodedTooLarge):
        encoding.decompress(bomb, 1_000_000, "a bomb")
    src, dst = tmp_path / "1.part", tmp_path / "1.doc"
    src.write_bytes(bomb)
    with pytest.raises(encoding.DecodedTooLarge):
        encoding.decompress_file(src, dst, 1_000_000, "a bomb")
    assert dst.stat().st_size <= 1_000_000 + encoding.CHUNK
    # two frames (the header's, the body's) decode to one file
    two = encoding.compress(b"head\n") + encoding.compress_stored(b"body" * 5000)
    assert encoding.decompress(two, 30_000, "two frames") == b"head\n" + b"body" * 5000
    assert encoding.accepts("gzip, zstd;q=0.5") and not encoding.accepts("zstd;q=0")
    assert not encoding.accepts(None) and not encoding.accepts("gzip, br")


class OldServer:
    """An inbox of an older version: plain batches only, no Accept-Encoding in answers."""

    def __init__(self):
        self.codings = []
        app = bottle.Bottle()
        app.route("/mailbox/v1/inbox", "POST", self.inbox)
        self.server = WSGIServer(("127.0.0.1", 0), app, log=None)
        self.server.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def inbox(self):
        self.codings.append(bottle.request.get_header("Content-Encoding"))
        from ukm_actors.bridge.documents import split_documents

        got = split_documents(bottle.request.body.read())
        bottle.response.content_type = "application/json"
        return json.dumps({"acked": got[-1].seq, "expected": got[-1].seq + 1})


def test_a_sender_never_compresses_for_a_receiver_that_did_not_ask(make_till):
    old = OldServer()
    try:
        till = make_till(old.url, batch_docs=50)
        put_many(till, "server", 200, per_txn=50)
        expect(lambda: len(old.codings) >= 4, within=20)
        assert set(old.codings) == {None}
    finally:
        old.server.stop(timeout=1)
