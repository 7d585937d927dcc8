"""The peer registry and the keys derived from the secrets."""

import pytest

from tests.bridge.helpers import migrate
from ukm_actors.bridge.keys import keys_for
from ukm_actors.bridge.peers import (
    PeerError,
    callers_of,
    disable_peer,
    enable_peer,
    list_peers,
    own_secret,
    peer_info,
    peer_key,
    register_peer,
)


@pytest.fixture
def db(database, db_url):
    migrate(db_url, "server")
    return database


def test_register_is_idempotent_and_keeps_the_secret(db):
    with db.write() as s:
        first = register_peer(s, "till-17-1", "till", store="17")
        again = register_peer(s, "till-17-1", "till", store="17")
        given = register_peer(s, "till-17-2", "till", store="17", secret="s3cret")
    assert first == again and len(first) > 30 and given == "s3cret"
    with db.read() as s:
        info = peer_info(s, "till-17-1")
        assert info is not None and (info.kind, info.store, info.enabled) == ("till", "17", True)
        assert peer_info(s, "till-99-9") is None
        assert [p.node_id for p in list_peers(s, kind="till")] == ["till-17-1", "till-17-2"]


def test_disable_and_enable(db):
    with db.write() as s:
        register_peer(s, "till-17-1", "till", store="17")
        disable_peer(s, "till-17-1")
    with db.read() as s:
        assert peer_info(s, "till-17-1").enabled is False
    with db.write() as s:
        enable_peer(s, "till-17-1")
    with db.read() as s:
        assert peer_info(s, "till-17-1").enabled is True
    with db.write() as s, pytest.raises(PeerError, match="no peer 'ghost'"):
        disable_peer(s, "ghost")


@pytest.mark.parametrize(
    ("node_id", "kind", "store", "message"),
    [
        ("till 1", "till", "17", "bad node id"),
        ("a>b", "till", "17", "bad node id"),
        ("till-17-1", "robot", "17", "unknown peer kind 'robot'"),
        ("till-17-1", "till", None, "must belong to a store"),
    ],
)
def test_bad_registrations_are_refused(db, node_id, kind, store, message):
    with db.write() as s, pytest.raises(PeerError, match=message):
        register_peer(s, node_id, kind, store=store)


def test_keys_differ_per_receiver():
    assert peer_key("s", "server") != peer_key("s", "marketing")
    assert peer_key("s", "server") == peer_key("s", "server")


def test_who_may_call_whom(db):
    with db.write() as s:
        for till, store in (("till-17-1", "17"), ("till-17-2", "17"), ("till-18-1", "18")):
            register_peer(s, till, "till", store=store, secret=till)
        register_peer(s, "marketing", "marketing", secret="m")
        register_peer(s, "pricechecker-17", "pricechecker", store="17", secret="pc17")
        register_peer(s, "pricechecker-18", "pricechecker", store="18", secret="pc18")
        server_secret = own_secret(s, "server")
        assert own_secret(s, "server") == server_secret
    with db.read() as s:
        till = peer_info(s, "till-17-1")
        assert [p.node_id for p, _ in callers_of(s, till)] == ["pricechecker-17"]
        marketing = peer_info(s, "marketing")
        assert [p.node_id for p, _ in callers_of(s, marketing)] == [
            "till-17-1",
            "till-17-2",
            "till-18-1",
        ]
        assert callers_of(s, peer_info(s, "pricechecker-17")) == []
        keys = {k["node_id"]: k["key"] for k in keys_for(s, "server", server_secret, "till-17-1")}
    assert keys == {
        "server": peer_key(server_secret, "till-17-1").hex(),
        "pricechecker-17": peer_key("pc17", "till-17-1").hex(),
    }
    with db.read() as s:
        assert peer_info(s, "server") is None  # the server's own secret is not a peer
