"""Several server processes on one PostgreSQL database: a notify on one wakes the others."""

import json

import gevent
import pytest

from tests.bridge.conftest import TILL_SECRET, start_server, stop_nodes
from tests.bridge.helpers import bridge_node, docs, signed
from tests.conftest import PG_URL
from ukm_actors.bridge import outbox
from ukm_actors.bridge.peers import peer_key
from ukm_actors.bridge.testing import rows
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.skipif(not PG_URL, reason="a cluster needs PostgreSQL")

CH = "server>till-17-1"
UP = "till-17-1>server"


def test_a_notify_on_one_process_wakes_a_long_poll_on_another(tmp_path, server_db_url):
    slow = {"poll_wait": 30.0, "poll_recheck": 30.0}
    a = start_server(tmp_path / "a", server_db_url, bridge=slow)
    b = bridge_node("server", tmp_path / "b", server_db_url, bridge=slow)
    try:
        poll = gevent.spawn(
            signed,
            "GET",
            b.ctx.url,
            "/mailbox/v1/tills/till-17-1/docs?wait=30",
            node="till-17-1",
            key=peer_key(TILL_SECRET, "server"),
        )
        gevent.sleep(0.3)
        assert not poll.ready()
        with a.ctx.db.write() as session:
            outbox.put(session, CH, "test.row", b"new prices")
        # b's listener may not be LISTENing yet on a loaded machine, and a notification is a
        # hint (a lost one costs a recheck, 30 s here): notify until it wakes b's long-poll,
        # within less than that recheck
        def woken() -> bool:
            a.ctx.services.bridge.notify(CH)
            poll.join(timeout=0.5)
            return poll.ready()

        expect(woken, within=20, what="a notify on process a wakes the long-poll on process b")
        r = poll.get(timeout=5)
        assert [d["seq"] for d in json.loads(r.data)["docs"]] == [1]
    finally:
        stop_nodes(b, a)


def test_the_same_documents_sent_to_two_processes_at_once_apply_once(tmp_path, server_db_url):
    a = start_server(tmp_path / "a", server_db_url)
    b = bridge_node("server", tmp_path / "b", server_db_url)
    key = peer_key(TILL_SECRET, "server")
    try:
        batches = [docs(UP, range(1, 121)), docs(UP, range(1, 81)), docs(UP, range(1, 201))]
        posts = [
            gevent.spawn(
                signed,
                "POST",
                node.ctx.url,
                "/mailbox/v1/inbox",
                node="till-17-1",
                key=key,
                body=body,
            )
            for body in batches
            for node in (a, b)
        ]
        gevent.joinall(posts, timeout=60, raise_error=True)
        assert all(p.value.status in (200, 409) for p in posts)
        final = signed(
            "POST",
            a.ctx.url,
            "/mailbox/v1/inbox",
            node="till-17-1",
            key=key,
            body=docs(UP, range(1, 201)),
        )
        assert json.loads(final.data)["acked"] == 200
        assert [r[1] for r in rows(a.ctx.db, UP)] == list(range(1, 201))
    finally:
        stop_nodes(b, a)


def test_a_request_replayed_to_another_process_is_refused(tmp_path, server_db_url):
    from tests.bridge.helpers import RAW
    from ukm_actors.bridge.auth import sign

    a = start_server(tmp_path / "a", server_db_url)
    b = bridge_node("server", tmp_path / "b", server_db_url)
    try:
        body = docs(UP, [1])
        headers = sign(
            peer_key(TILL_SECRET, "server"), "till-17-1", "POST", "/mailbox/v1/inbox", body
        )
        first = RAW.request("POST", a.ctx.url + "/mailbox/v1/inbox", body=body, headers=headers)
        again = RAW.request("POST", b.ctx.url + "/mailbox/v1/inbox", body=body, headers=headers)
        assert first.status == 200
        assert again.status == 401 and b"replayed request" in again.data
    finally:
        stop_nodes(b, a)
