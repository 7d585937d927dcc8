"""Fixtures: a till node with its catalog applied, and its API client."""

from __future__ import annotations

import pytest

from tests.nodes.helpers import http, start_node
from tests.till.helpers import STORE, TillClient, apply_catalog, base_records, catalog_body


@pytest.fixture
def start_till(tmp_path, make_db_url):
    """Factory: ``start_till(devices={...})`` → (node, client), catalog applied; stopped after."""
    nodes = []

    def start(devices=None, records=None, number=1, name=None, language="ru", **till):
        node_id = name or f"till-{STORE}-{number}"
        node = start_node(
            "till",
            tmp_path,
            make_db_url(node_id),
            node={"id": node_id, "language": language},
            till={"store": STORE, "number": number, "devices": devices or {}, **till},
        )
        nodes.append(node)
        apply_catalog(node, catalog_body(records or base_records()), seq=1)
        return node, TillClient(node.ctx.url)

    yield start
    http.clear()  # kept-alive connections would hold each HTTP server's stop for 0.5 s
    for node in reversed(nodes):
        node.stop()


@pytest.fixture
def till(start_till):
    """A till without devices, catalog applied, cashier 1 logged in."""
    node, client = start_till()
    client.login()
    return client


@pytest.fixture
def till_node(start_till):
    node, client = start_till()
    client.login()
    return node, client
