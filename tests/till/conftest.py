"""Fixtures: a till node with its catalog applied, its API client, an emulated fiscal register."""

from __future__ import annotations

import pytest

from tests.nodes.helpers import http, start_node
from tests.till.helpers import STORE, TillClient, apply_catalog, base_records, catalog_body
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator
from ukm_actors.supervision.testing import expect


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


@pytest.fixture
def register(tmp_path):
    """An emulated fiscal register (its state in tmp_path)."""
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as emulator:
        yield emulator


@pytest.fixture
def fiscal_till(start_till, register):
    """Starts a till with ``register`` as its fiscal device, logged in: (node, client)."""

    def start(timeout=2.0, **devices):
        node, till = start_till(
            devices={
                "fiscal": {"url": register.url, "timeout": timeout, "poll": 0.01},
                **devices,
            }
        )
        expect(lambda: node.ctx.services.devices.ref("fiscal"), what="register up")
        till.login()
        return node, till

    return start
