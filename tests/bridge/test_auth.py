"""Every bridge request is signed by a known, enabled peer; a till sees only its own channel."""

import json
import logging
import re
import time

from tests.bridge.conftest import TILL_SECRET
from tests.bridge.helpers import RAW, docs, register, signed
from tests.nodes.helpers import get_json
from ukm_actors.bridge.auth import H_NONCE, H_SIG, H_TIME, MemoryNonces, sign
from ukm_actors.bridge.peers import disable_peer, peer_key
from ukm_actors.bridge.testing import rows
from ukm_actors.db import Database
from ukm_actors.supervision.testing import expect

CH = "till-17-1>server"
KEY = peer_key(TILL_SECRET, "server")


def post_inbox(server, node="till-17-1", key=KEY, body=None, **kw):
    r = signed(
        "POST",
        server.ctx.url,
        "/mailbox/v1/inbox",
        node=node,
        key=key,
        body=docs(CH, [1]) if body is None else body,
        **kw,
    )
    return r.status, json.loads(r.data)


def test_every_kind_of_bad_request_gets_401_with_its_reason(server, caplog):
    r = RAW.request("POST", server.ctx.url + "/mailbox/v1/inbox", body=docs(CH, [1]))
    answer = json.loads(r.data)
    assert r.status == 401 and answer["code"] == "bridge.auth"
    assert "missing X-Ukm-Node, X-Ukm-Time, X-Ukm-Nonce, X-Ukm-Signature" in answer["message"]

    with caplog.at_level(logging.WARNING, logger="ukm_actors.bridge.auth"):
        status, answer = post_inbox(server, node="till-99-1", key=peer_key("x", "server"))
    assert status == 401 and answer["message"] == "unknown peer 'till-99-1'"
    assert "register the node" in answer["hint"]
    assert any("'till-99-1' at 127.0.0.1" in r.getMessage() for r in caplog.records)

    status, answer = post_inbox(server, key=peer_key("not the secret", "server"))
    assert status == 401 and answer["message"].startswith("bad signature from 'till-17-1'")
    assert "[bridge] secret does not match" in answer["hint"]

    status, answer = post_inbox(server, now=time.time() - 1000)
    assert status == 401 and "off this node's clock (allowed ±300 s)" in answer["message"]
    status, answer = post_inbox(server, now=time.time() + 1000)
    assert status == 401 and re.search(r"is \+\d{3,4} s off", answer["message"])

    for bad in ({H_TIME: "yesterday"}, {H_NONCE: "n" * 65}, {H_SIG: ""}):
        status, answer = post_inbox(server, headers=bad)
        assert status == 401 and answer["code"] == "bridge.auth"

    # the marketing server knows k(till→marketing): it cannot pose as the till to the server
    assert post_inbox(server, key=peer_key(TILL_SECRET, "marketing"))[0] == 401

    headers = sign(KEY, "till-17-1", "POST", "/mailbox/v1/inbox", docs(CH, [1]))
    r = RAW.request(
        "POST", server.ctx.url + "/mailbox/v1/inbox", body=docs(CH, [1, 2]), headers=headers
    )
    assert r.status == 401 and "bad signature" in json.loads(r.data)["message"]

    path = "/mailbox/v1/tills/till-17-1/docs?after=0"
    headers = sign(KEY, "till-17-1", "GET", path, b"")
    r = RAW.request("GET", server.ctx.url + path.replace("after=0", "after=5"), headers=headers)
    assert r.status == 401

    assert not rows(server.ctx.db), "nothing refused was applied"

    body = docs(CH, [1])
    headers = sign(KEY, "till-17-1", "POST", "/mailbox/v1/inbox", body)
    first = RAW.request("POST", server.ctx.url + "/mailbox/v1/inbox", body=body, headers=headers)
    again = RAW.request("POST", server.ctx.url + "/mailbox/v1/inbox", body=body, headers=headers)
    assert first.status == 200
    assert again.status == 401 and "replayed request" in json.loads(again.data)["message"]


def test_a_disabled_peer_is_refused(server, server_db_url):
    db = Database(server_db_url)
    with db.write() as s:
        disable_peer(s, "till-17-1")
    db.dispose()
    expect(lambda: post_inbox(server)[0] == 401, what="refused within the key cache's TTL")
    status, answer = post_inbox(server)
    assert status == 401 and answer["message"] == "peer 'till-17-1' is disabled"


def test_a_till_cannot_read_another_tills_channel(server, server_db_url):
    register(server_db_url, "till-17-2", "till", "17", "two")
    key2 = peer_key("two", "server")
    for path in ("/mailbox/v1/tills/till-17-1/docs", "/mailbox/v1/tills/till-17-1/docs/1"):
        r = signed("GET", server.ctx.url, path, node="till-17-2", key=key2)
        answer = json.loads(r.data)
        assert r.status == 403 and answer["code"] == "bridge.forbidden"
        assert answer["message"] == "till-17-2 may read only its own channel, not till-17-1's"
    r = signed(
        "POST",
        server.ctx.url,
        "/mailbox/v1/tills/till-17-1/ack",
        node="till-17-2",
        key=key2,
        body=b'{"seq": 5}',
    )
    assert r.status == 403
    r = signed(
        "GET", server.ctx.url, "/mailbox/v1/tills/till-17-2/docs", node="till-17-2", key=key2
    )
    assert r.status == 200 and json.loads(r.data)["docs"] == []


def test_health_status_and_hello_need_no_signature(server):
    assert get_json(server.ctx.url + "/health")[0] == 200
    assert get_json(server.ctx.url + "/status")[0] == 200
    code, hello = get_json(server.ctx.url + "/mailbox/v1/hello")
    assert code == 200 and hello["node"] == "server" and hello["role"] == "server"
    r = RAW.request("POST", server.ctx.url + "/mailbox/v1/ask/test.echo", body=b"{}")
    answer = json.loads(r.data)
    assert r.status == 401 and answer["ok"] is False and answer["error"]["code"] == "bridge.auth"


def test_memory_nonces_forget_after_their_window():
    nonces = MemoryNonces(window=10)
    assert nonces.remember("a", "n1", 100.0)
    assert not nonces.remember("a", "n1", 105.0)
    assert nonces.remember("b", "n1", 105.0)
    assert nonces.remember("a", "n1", 111.0)
    assert len(nonces) == 2
