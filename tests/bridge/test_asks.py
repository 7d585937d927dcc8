"""Asks: a reply, or a clear PeerUnreachable / AskTimeout / RemoteError; keys from the server."""

import pytest

from tests.bridge.conftest import stop_nodes
from tests.bridge.helpers import bridge_node, free_port, register
from ukm_actors.bridge.client import RemoteRef
from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError


def test_an_ask_gets_its_reply_or_a_clear_error(server, make_till):
    till = make_till(server.ctx.url)
    bridge = till.ctx.services.bridge
    reply = bridge.ask(bridge.server_url, "test.echo", {"q": "кефир", "n": 1})
    assert reply == {"message": {"q": "кефир", "n": 1}, "peer": "till-17-1"}
    ref = RemoteRef(bridge.server_url, "test.echo", bridge)
    assert ref.ask({"x": 2}, timeout=2)["message"] == {"x": 2}

    with pytest.raises(RemoteError) as err:
        bridge.ask(bridge.server_url, "test.refuse", {})
    assert (err.value.code, err.value.message, err.value.hint) == (
        "test.refused",
        "refused till-17-1's test ask",
        "by design",
    )
    with pytest.raises(RemoteError) as err:
        bridge.ask(bridge.server_url, "no.such.ask", {})
    assert err.value.code == "bridge.unknown_ask"
    assert "does not answer 'no.such.ask'" in str(err.value)

    with pytest.raises(AskTimeout, match=r"did not answer ask 'test.sleep' within 0.3 s"):
        bridge.ask(bridge.server_url, "test.sleep", {"s": 0.6}, timeout=0.3)
    assert bridge.ask(bridge.server_url, "test.echo", {})["peer"] == "till-17-1"

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PeerUnreachable, match="connection refused"):
        bridge.ask(url, "test.echo", {}, peer="server")
    with pytest.raises(PeerUnreachable):
        bridge.ask(url, "test.echo", {})  # even finding out who is there fails clearly

    r = bridge.client.request(
        "POST", bridge.server_url, "/mailbox/v1/ask/test.echo", peer="server", body=b""
    )
    assert r.status == 400 and b"empty body" in r.data
    r = bridge.client.request(
        "POST", bridge.server_url, "/mailbox/v1/ask/test.echo", peer="server", body=b"[1, 2]"
    )
    assert r.status == 400 and b"must be a JSON object" in r.data


def test_a_wrong_secret_on_the_caller_is_a_remote_auth_error(server, make_till):
    bridge = make_till(server.ctx.url, secret="wrong").ctx.services.bridge
    with pytest.raises(RemoteError) as err:
        bridge.ask(bridge.server_url, "test.echo", {})
    assert err.value.code == "bridge.auth" and err.value.status == 401


def test_the_price_checker_asks_a_till_with_a_key_from_the_server(
    tmp_path, server, server_db_url, make_till
):
    register(server_db_url, "pricechecker-17", "pricechecker", "17", "pc-secret")
    register(server_db_url, "pricechecker-18", "pricechecker", "18", "pc18-secret")
    till = make_till(server.ctx.url)
    pc = bridge_node(
        "pricechecker",
        tmp_path,
        None,
        node={"id": "pricechecker-17"},
        pricechecker={"store": "17"},
        bridge={"server_url": server.ctx.url, "secret": "pc-secret"},
    )
    other = bridge_node(
        "pricechecker",
        tmp_path,
        None,
        node={"id": "pricechecker-18"},
        pricechecker={"store": "18"},
        bridge={"server_url": server.ctx.url, "secret": "pc18-secret"},
    )
    try:
        reply = pc.ctx.services.bridge.ask(till.ctx.url, "test.echo", {"barcode": "46"})
        assert reply["peer"] == "pricechecker-17"
        with pytest.raises(RemoteError) as err:
            other.ctx.services.bridge.ask(till.ctx.url, "test.echo", {})
        assert err.value.code == "bridge.auth" and "unknown peer 'pricechecker-18'" in str(
            err.value
        )
    finally:
        stop_nodes(other, pc)


def test_the_marketing_server_knows_the_tills_from_the_server(
    tmp_path, server, server_db_url, make_till, make_db_url
):
    register(server_db_url, "marketing", "marketing", None, "m-secret")
    marketing = bridge_node(
        "marketing",
        tmp_path,
        None,
        node={"id": "marketing"},
        bridge={"server_url": server.ctx.url, "secret": "m-secret"},
        db={"url": make_db_url("marketing")},
    )
    try:
        till = make_till(server.ctx.url)
        bridge = till.ctx.services.bridge
        reply = bridge.ask(marketing.ctx.url, "test.echo", {"card": "777"}, peer="marketing")
        assert reply["peer"] == "till-17-1"
        stop_nodes(till)
    finally:
        stop_nodes(marketing)
