"""Downloads resume after a cut connection and are fetched again when corrupt."""

from urllib.parse import urlsplit

import pytest

from tests.bridge.conftest import TILL_SECRET
from tests.bridge.faultproxy import Fault, FaultProxy
from tests.bridge.helpers import signed
from tests.nodes.helpers import get_json
from ukm_actors.bridge import outbox
from ukm_actors.bridge.peers import peer_key
from ukm_actors.bridge.testing import rows
from ukm_actors.supervision.testing import expect

CH = "server>till-17-1"
LINES = 40_000
BODY = b"".join(
    b'{"op": "put", "kind": "item", "article": "%06d", "name": "Item"}\n' % i for i in range(LINES)
)


@pytest.fixture
def proxy(server):
    parts = urlsplit(server.ctx.url)
    p = FaultProxy((parts.hostname, parts.port))
    yield p
    p.stop()


def queue_catalog(server):
    with server.ctx.db.write() as session:
        outbox.put(session, CH, "test.lines", BODY)
    server.ctx.services.bridge.notify(CH)


def downloads(proxy):
    return [s for s in proxy.seen if s.path.endswith("/docs/1")]


def pull_live(till):
    _, st = get_json(till.ctx.url + "/status")
    return next(c for c in st["bridge"]["links"] if c["name"] == "pull.server")


def test_a_download_cut_at_60_percent_continues_from_there(server, proxy, make_till):
    proxy.faults.append(Fault("/docs/1", "cut", 0.6))
    queue_catalog(server)
    till = make_till(proxy.url)
    expect(lambda: rows(till.ctx.db) == [(CH, 1, "test.lines", len(BODY), LINES)], within=20)
    first, second = downloads(proxy)
    assert first.fault == "cut" and first.range is None
    assert 0.55 * first.body_bytes < first.sent_bytes <= 0.6 * first.body_bytes
    assert second.range == f"bytes={first.sent_bytes}-" and second.status == 206
    assert second.body_bytes == first.body_bytes - first.sent_bytes
    assert pull_live(till)["resumed"] == 1
    expect(lambda: server_acked(server) == 1)


def server_acked(server):
    with server.ctx.db.read() as session:
        return outbox.ack(session, CH, 0)


def test_a_corrupt_download_is_fetched_again_and_never_applied(server, proxy, make_till):
    proxy.faults.append(Fault("/docs/1", "flip"))
    queue_catalog(server)
    till = make_till(proxy.url)
    expect(lambda: len(rows(till.ctx.db)) == 1, within=20)
    first, second = downloads(proxy)
    assert first.fault == "flip" and (first.status, second.status) == (200, 200)
    assert second.range is None, "a corrupt file is fetched again from the start"
    assert rows(till.ctx.db) == [(CH, 1, "test.lines", len(BODY), LINES)]
    assert pull_live(till)["corrupt"] == 1
    spool = till.ctx.config.resolve("spool") / "server__till-17-1"
    assert list(spool.iterdir()) == []


def test_a_partial_download_left_by_a_restart_is_resumed(server, proxy, make_till, tmp_path):
    queue_catalog(server)
    r = signed(
        "GET",
        server.ctx.url,
        "/mailbox/v1/tills/till-17-1/docs/1",
        node="till-17-1",
        key=peer_key(TILL_SECRET, "server"),
    )
    keep = len(r.data) // 3
    spool = tmp_path / "till-17-1" / "spool" / "server__till-17-1"
    spool.mkdir(parents=True)
    (spool / "1.part").write_bytes(r.data[:keep])
    (spool / "1.etag").write_text(r.headers["ETag"])
    till = make_till(proxy.url)
    expect(lambda: len(rows(till.ctx.db)) == 1, within=20)
    (only,) = downloads(proxy)
    assert only.range == f"bytes={keep}-" and only.status == 206
    assert only.body_bytes == len(r.data) - keep
