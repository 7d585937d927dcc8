"""Fixtures: a cash server made of the bridge only, with one registered till; tills."""

from __future__ import annotations

import pytest

from tests.bridge.helpers import bridge_node, migrate, register, till_sections

TILL_SECRET = "till-17-1-secret"


@pytest.fixture
def server_db_url(make_db_url):
    url = make_db_url("server")
    migrate(url, "server")
    register(url, "till-17-1", "till", "17", TILL_SECRET)
    return url


@pytest.fixture
def server(tmp_path, server_db_url):
    node = bridge_node("server", tmp_path, server_db_url)
    yield node
    node.stop()


@pytest.fixture
def make_till(tmp_path, make_db_url):
    started = []

    def make(server_url, secret=TILL_SECRET, number=1, store="17", **bridge):
        url = make_db_url(f"till-{store}-{number}")
        node = bridge_node(
            "till", tmp_path, url, **till_sections(server_url, secret, store, number, **bridge)
        )
        started.append(node)
        return node

    yield make
    for node in reversed(started):
        node.stop()
