"""Fixtures: a cash server made of the bridge only, with one registered till; tills."""

from __future__ import annotations

import pytest

from tests.bridge.helpers import RAW, bridge_node, till_sections
from tests.nodes.helpers import http as nodes_http
from ukm_actors.bridge.client import close_pools
from ukm_actors.bridge.peers import register_peer

TILL_SECRET = "till-17-1-secret"


@pytest.fixture
def server_db_url(make_db_url):
    """The server's database (empty: the server's node migrates it when it starts)."""
    return make_db_url("server")


def start_server(tmp_path, db_url, **sections):
    """A server node with till-17-1 registered (the node's start migrates the database)."""
    node = bridge_node("server", tmp_path, db_url, **sections)
    with node.ctx.db.write() as session:
        register_peer(session, "till-17-1", "till", store="17", secret=TILL_SECRET)
    node.ctx.services.bridge.peers_changed()
    return node


def drop_test_connections():
    """Close the tests' kept-alive connections, so that stopping a node does not
    wait for their idle handlers."""
    close_pools(nodes_http)
    close_pools(RAW)


def stop_nodes(*nodes):
    """Stop nodes started inside a test (the tests' idle connections closed first)."""
    drop_test_connections()
    for node in nodes:
        node.stop()


@pytest.fixture
def server(tmp_path, server_db_url):
    node = start_server(tmp_path, server_db_url)
    yield node
    drop_test_connections()
    node.stop()


@pytest.fixture
def make_till(tmp_path):
    started = []

    def make(server_url, secret=TILL_SECRET, number=1, store="17", place="", **bridge):
        """A till; ``place`` gives it its own folder and database (a reinstalled till).

        A till's database is always its own SQLite file (DESIGN.md), also when the
        suite runs on PostgreSQL: the servers' side is what runs on both.
        """
        url = f"sqlite:///{tmp_path / place / f'till-{store}-{number}.db'}"
        node = bridge_node(
            "till",
            tmp_path / place if place else tmp_path,
            url,
            **till_sections(server_url, secret, store, number, **bridge),
        )
        started.append(node)
        return node

    yield make
    drop_test_connections()
    for node in reversed(started):
        node.stop()
