"""Clients of a cluster: a preferred server by hash, the next one on failure, back later.

The unit tests of ``ServerSet`` run everywhere; the ones with two server
processes sharing one database need PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.bridge.conftest import TILL_SECRET, start_server, stop_nodes
from tests.bridge.faultproxy import Fault, FaultProxy
from tests.bridge.helpers import bridge_node, put_many
from tests.conftest import PG_URL
from tests.nodes.helpers import get_json
from ukm_actors.bridge import outbox
from ukm_actors.bridge.servers import ServerSet, preferred_index
from ukm_actors.bridge.testing import rows
from ukm_actors.supervision.testing import expect

UP = "till-17-1>server"
DOWN = "server>till-17-1"
LINES = 40_000
BODY = b"".join(b'{"op": "put", "article": "%06d", "name": "Item"}\n' % i for i in range(LINES))


# -- the set itself -------------------------------------------------------------------------


def test_the_preferred_server_is_stable_and_spreads_tills_evenly():
    urls = ["http://a:1", "http://b:1", "http://c:1"]
    tills = [f"till-{s}-{n}" for s in range(1, 41) for n in range(1, 6)]
    first = Counter(ServerSet(urls, t).preferred for t in tills)
    assert set(first) == set(urls)
    assert all(40 <= n <= 95 for n in first.values()), first  # 200 tills: about 67 each
    assert [preferred_index("till-17-1", 3)] * 3 == [
        preferred_index("till-17-1", 3) for _ in range(3)
    ]
    one = ServerSet(urls, "till-17-1")
    assert sorted(one.urls) == sorted(urls)
    assert one.urls[0] == urls[preferred_index("till-17-1", 3)]


def test_a_failure_moves_every_user_on_and_the_preferred_server_is_tried_again():
    now = [0.0]
    s = ServerSet(["http://a:1/", "http://b:1", "http://c:1"], "till-1-1", clock=lambda: now[0])
    s.failback = 60.0
    first, second, third = s.urls
    assert s.current() == first
    assert s.failed(first, "connection refused") is True
    assert s.current() == second
    assert s.failed(first, "the same failure seen by another user") is True
    assert s.current() == second, "a stale failure report does not move the set again"
    now[0] = 59.0
    assert s.current() == second
    now[0] = 61.0
    assert s.current() == first, "back to the preferred server after failback"
    s.failed(first, "still down")
    assert s.current() == second
    s.failed(second, "down too")
    assert s.current() == third
    st = s.status()
    assert [x["preferred"] for x in st["servers"]] == [True, False, False]
    assert st["servers"][2]["current"] and st["switches"] == 3
    assert st["servers"][0]["reason"] == "still down"


def test_the_preferred_server_is_checked_before_the_node_goes_back_to_it():
    now = [0.0]
    verdict: list[str | None] = ["/health answered HTTP 503"]
    s = ServerSet(
        ["http://a:1", "http://b:1"],
        "till-1-1",
        clock=lambda: now[0],
        check=lambda url: verdict[0],
        spawn=lambda run: run(),  # the check at once, in this greenlet
    )
    first, second = s.urls
    s.failed(first, "timed out")
    now[0] = 61.0
    assert s.current() == second, "a preferred server that fails its check is not used"
    assert s.checks == 1 and s.switches == 1
    assert s.status()["servers"][0]["reason"] == "health check: /health answered HTTP 503"
    now[0] = 120.0
    assert s.current() == second and s.checks == 1, "failback counts from the failed check"
    verdict[0] = None
    now[0] = 122.0
    assert s.current() == first, "back once it is fit"
    assert s.status()["checks"] == 2 and s.switches == 1


def test_one_address_is_a_cluster_of_one():
    s = ServerSet(["http://a:1"], "till-1-1")
    assert s.failed("http://a:1", "down") is False
    assert s.current() == "http://a:1" and "http://a:1/" in s


# -- two servers on one database ---------------------------------------------------------------

needs_pg = pytest.mark.skipif(not PG_URL, reason="servers sharing a database need PostgreSQL")


def ordered(preferred: str, other: str, node: str = "till-17-1") -> list[str]:
    """``[preferred, other]`` arranged so that ``node`` prefers ``preferred``."""
    return [preferred, other] if preferred_index(node, 2) == 0 else [other, preferred]


def till_node(tmp_path, urls, **bridge):
    return bridge_node(
        "till",
        tmp_path,
        f"sqlite:///{tmp_path / 'till-17-1.db'}",
        node={"id": "till-17-1"},
        till={"store": "17", "number": 1},
        bridge={"server_urls": urls, "secret": TILL_SECRET, "failback": 2.0, **bridge},
    )


def applied_on(server, channel=UP):
    return [r[1] for r in rows(server.ctx.db, channel)]


@needs_pg
def test_pushes_asks_and_pulls_move_to_the_next_server_and_apply_once(tmp_path, server_db_url):
    a = start_server(tmp_path / "a", server_db_url, server={"cluster_node": "a"})
    b = bridge_node("server", tmp_path / "b", server_db_url, server={"cluster_node": "b"})
    till = till_node(tmp_path, ordered(a.ctx.url, b.ctx.url))
    bridge = till.ctx.services.bridge
    try:
        assert bridge.server_url == a.ctx.url
        put_many(till, "server", 50)
        expect(lambda: applied_on(a) == list(range(1, 51)), within=20)
        assert bridge.ask(bridge.server_url, "test.echo", {"x": 1})["peer"] == "till-17-1"
        _, sa = get_json(a.ctx.url + "/status")
        _, sb = get_json(b.ctx.url + "/status")
        assert (sa["cluster"]["me"], sb["cluster"]["me"]) == ("a", "b")
        assert sa["cluster"]["shared_database"]
        assert sa["cluster"]["till_queues"] == sb["cluster"]["till_queues"]
        assert sum(sa["cluster"]["till_queues"].values()) == 1, "one server prunes the queue"

        a.stop()
        put_many(till, "server", 50)
        expect(lambda: applied_on(b) == list(range(1, 101)), within=20)
        assert bridge.server_url == b.ctx.url
        assert bridge.ask(a.ctx.url, "test.echo", {"x": 2})["message"] == {"x": 2}

        with b.ctx.db.write() as session:
            outbox.put(session, DOWN, "test.row", b"prices")
        b.ctx.services.bridge.notify(DOWN)
        expect(lambda: applied_on(till, DOWN) == [1], within=20)
        _, st = get_json(till.ctx.url + "/status")
        servers = st["bridge"]["servers"]["servers"]
        assert [s["current"] for s in servers] == [False, True]
        assert "reason" in servers[0]
    finally:
        stop_nodes(till, b, a)


@needs_pg
def test_the_till_returns_to_its_preferred_server(tmp_path, server_db_url):
    a = start_server(tmp_path / "a", server_db_url)
    b = bridge_node("server", tmp_path / "b", server_db_url)
    till = till_node(tmp_path, ordered(a.ctx.url, b.ctx.url))
    bridge = till.ctx.services.bridge
    try:
        bridge.servers.failed(a.ctx.url, "pretend it failed")
        assert bridge.server_url == b.ctx.url
        expect(lambda: bridge.server_url == a.ctx.url, within=30)
        put_many(till, "server", 5)
        expect(lambda: applied_on(a) == [1, 2, 3, 4, 5], within=20)
        last = json.loads(json.dumps(bridge.status()["links"]))
        assert {x["url"] for x in last if x["peer"] == "server"} == {a.ctx.url}
    finally:
        stop_nodes(till, b, a)


@needs_pg
def test_a_download_cut_on_one_server_resumes_from_the_other(tmp_path, server_db_url):
    a = start_server(tmp_path / "a", server_db_url)
    b = bridge_node("server", tmp_path / "b", server_db_url)
    parts = urlsplit(a.ctx.url)
    proxy = FaultProxy((parts.hostname, parts.port))
    proxy.faults.append(Fault("/docs/1", "cut", 0.6))
    with a.ctx.db.write() as session:
        outbox.put(session, DOWN, "test.lines", BODY)
    till = till_node(tmp_path, ordered(proxy.url, b.ctx.url), failback=600.0)
    try:
        expect(lambda: rows(till.ctx.db) == [(DOWN, 1, "test.lines", len(BODY), LINES)], within=30)
        cut = [s for s in proxy.seen if s.path.endswith("/docs/1")]
        assert len(cut) == 1 and cut[0].fault == "cut"
        _, st = get_json(till.ctx.url + "/status")
        pull = next(x for x in st["bridge"]["links"] if x["name"] == "pull.server")
        assert pull["resumed"] == 1, "the second server continued the first one's download"
        assert pull["url"] == b.ctx.url
    finally:
        proxy.stop()
        stop_nodes(till, b, a)
