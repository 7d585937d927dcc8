"""Tills and the server over real HTTP: offline days, restarts, queues, monitoring."""

import json

from sqlalchemy import func, select

from tests.bridge.conftest import start_server, stop_nodes
from tests.bridge.helpers import bridge_node, free_port, put_many, register
from tests.nodes.helpers import get_json
from ukm_actors.bridge import monitoring, outbox
from ukm_actors.bridge.models import Blob, OutboxEntry
from ukm_actors.bridge.testing import rows
from ukm_actors.supervision.testing import child, crash, expect

UP = "till-17-1>server"
DOWN = "server>till-17-1"


def seqs(node, channel):
    return [r[1] for r in rows(node.ctx.db, channel)]


def test_a_till_offline_for_1000_receipts_delivers_them_all_once_in_order(
    tmp_path, server_db_url, make_till
):
    port = free_port()
    till = make_till(f"http://127.0.0.1:{port}", batch_docs=200)
    put_many(till, "server", 1000, per_txn=250)
    expect(lambda: _pending(till)["last_error"], what="the till notices the server is down")
    view = _pending(till)
    assert view["pending_docs"] == 1000 and view["last_acked"] == 0
    assert "connection refused" in view["last_error"]
    server = start_server(tmp_path, server_db_url, http={"port": port})
    try:
        expect(lambda: len(seqs(server, UP)) == 1000, within=30, what="all 1000 applied")
        assert seqs(server, UP) == list(range(1, 1001))
        expect(lambda: _pending(till)["pending_docs"] == 0)
        expect(lambda: _pending(till)["last_error"] is None, within=30)
    finally:
        stop_nodes(till, server)


def _pending(till):
    with till.ctx.db.read() as session:
        return monitoring.channel(session, UP)


def test_a_crashed_sender_and_fetcher_restart_where_they_were(server, make_till):
    till = make_till(server.ctx.url, batch_docs=20)
    put_many(till, "server", 200, per_txn=50)
    put_many(server, "till-17-1", 100, per_txn=50)
    links = till.ctx.names.get("bridge_links")
    crash(child(links, "push.server"))
    crash(child(links, "pull.server"))
    put_many(till, "server", 100)
    expect(lambda: len(seqs(server, UP)) == 300, within=20)
    expect(lambda: len(seqs(till, DOWN)) == 100, within=20)
    assert seqs(server, UP) == list(range(1, 301))
    assert seqs(till, DOWN) == list(range(1, 101))
    tree = get_json(till.ctx.url + "/status")[1]["tree"]
    assert "restarts" in json.dumps(tree)


def test_superseded_documents_are_skipped_not_applied(server, make_till):
    db = server.ctx.db
    with db.write() as session:
        for _ in range(3):
            outbox.put(session, DOWN, "test.row", b"full catalog")
        outbox.supersede(session, DOWN, 3, ("test.row",))
    till = make_till(server.ctx.url)
    expect(lambda: seqs(till, DOWN) == [3])
    expect(lambda: _server_view(server)["last_acked"] == 3)


def _server_view(server):
    with server.ctx.db.read() as session:
        return monitoring.channel(session, DOWN)


def test_a_registered_till_gets_its_queue_and_old_documents_are_pruned(
    tmp_path, server_db_url, make_till
):
    server = start_server(tmp_path, server_db_url, bridge={"retention": 0.01})
    try:
        expect(lambda: server.ctx.names.find("queue.till-17-1"))
        register(server_db_url, "till-17-2", "till", "17", "two")
        server.ctx.services.bridge.peers_changed()
        expect(lambda: server.ctx.names.find("queue.till-17-2"), what="a queue for the new till")
        till = make_till(server.ctx.url)
        put_many(server, "till-17-1", 5, body=b"same body")
        expect(lambda: _server_view(server)["last_acked"] == 5)
        queue = server.ctx.names.get("queue.till-17-1")
        expect(lambda: queue.proxy().prune().get() >= 0 and _outbox_rows(server) == 0)
        stats = queue.proxy().stats().get(timeout=5)
        assert (stats["last_seq"], stats["last_acked"], stats["pending_docs"]) == (5, 5, 0)
        server.ctx.names.get("bridge_maintenance").proxy().clean().get(timeout=5)
        with server.ctx.db.read() as session:
            assert session.execute(select(func.count()).select_from(Blob)).scalar() == 0
        put_many(server, "till-17-1", 1)
        expect(lambda: seqs(till, DOWN) == [1, 2, 3, 4, 5, 6], what="numbering goes on")
        stop_nodes(till)
    finally:
        stop_nodes(server)


def _outbox_rows(server):
    with server.ctx.db.read() as session:
        return session.execute(select(func.count()).select_from(OutboxEntry)).scalar()


def test_status_shows_channels_peers_and_links(server, make_till):
    till = make_till(server.ctx.url)
    put_many(till, "server", 3)
    expect(lambda: len(seqs(server, UP)) == 3)
    _, st = get_json(server.ctx.url + "/status")
    bridge = st["bridge"]
    (peer,) = bridge["peers"]
    assert peer["node_id"] == "till-17-1" and peer["url"] == till.ctx.url
    assert peer["version"] and peer["last_seen"]
    inbound = next(c for c in bridge["channels"] if c["channel"] == UP)
    assert inbound["direction"] == "in" and inbound["last_applied"] == 3
    _, st = get_json(till.ctx.url + "/status")
    names = [link["name"] for link in st["bridge"]["links"]]
    assert names == ["pull.server", "push.server"]
    out = next(c for c in st["bridge"]["channels"] if c["channel"] == UP)
    assert (out["last_seq"], out["last_sent"], out["last_acked"], out["pending_docs"]) == (
        3,
        3,
        3,
        0,
    )


def test_the_marketing_server_gets_the_server_feed_and_serves_the_tills(
    tmp_path, server, server_db_url, make_till, make_db_url
):
    register(server_db_url, "marketing", "marketing", None, "m-secret")
    marketing = bridge_node(
        "marketing",
        tmp_path,
        make_db_url("marketing"),
        node={"id": "marketing"},
        bridge={"server_url": server.ctx.url, "secret": "m-secret"},
    )
    try:
        put_many(server, "marketing", 5)
        expect(
            lambda: len(rows(marketing.ctx.db, "server>marketing")) == 5,
            within=20,
            what="the feed reached marketing once it reported its URL",
        )
        put_many(marketing, "till-17-1", 3)
        till = make_till(server.ctx.url)
        bridge = till.ctx.services.bridge
        bridge.add_pull("marketing", marketing.ctx.url)
        bridge.add_push("marketing", marketing.ctx.url)
        put_many(till, "marketing", 2)
        expect(lambda: seqs(till, "marketing>till-17-1") == [1, 2, 3], within=20)
        expect(lambda: seqs(marketing, "till-17-1>marketing") == [1, 2], within=20)
        stop_nodes(till)
    finally:
        stop_nodes(marketing)


def test_a_reinstalled_till_is_told_what_was_pruned_until_its_channel_is_reset(
    tmp_path, server_db_url, make_till
):
    server = start_server(tmp_path, server_db_url, bridge={"retention": 0.01})
    try:
        first = make_till(server.ctx.url)
        put_many(server, "till-17-1", 3)
        expect(lambda: _server_view(server)["last_acked"] == 3)
        first.stop()
        queue = expect(lambda: server.ctx.names.find("queue.till-17-1"))
        expect(lambda: queue.proxy().prune().get() >= 0 and _outbox_rows(server) == 0)
        fresh = make_till(server.ctx.url, place="again")
        expect(lambda: "already deleted documents 1..3" in (_pull_error(fresh) or ""))
        with server.ctx.db.write() as session:
            outbox.reset_channel(session, DOWN)
        put_many(server, "till-17-1", 1)
        expect(lambda: seqs(fresh, DOWN) == [1], within=30)
        stop_nodes(fresh)
    finally:
        stop_nodes(server)


def _pull_error(till):
    _, st = get_json(till.ctx.url + "/status")
    return next(c for c in st["bridge"]["links"] if c["name"] == "pull.server")["last_error"]
