"""Fixtures of the security tests: a real cash server with a peer of every kind
registered, and signed clients that play those peers (or attackers holding
their secrets).

Every test here runs on SQLite and, with ``UKM_TEST_PG_URL``, on PostgreSQL.
One file per edge (``test_bridge_*.py``, ``test_logins.py`` …); each test names
the attack it reproduces in its docstring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.bridge.helpers import RAW, signed
from tests.nodes.helpers import start_node
from tests.till.conftest import start_till, till  # noqa: F401 - a till with its catalog
from ukm_actors.bridge.client import close_pools
from ukm_actors.bridge.peers import peer_key, register_peer

PEERS: dict[str, tuple[str, str | None]] = {
    "till-17-1": ("till", "17"),
    "till-17-2": ("till", "17"),
    "till-18-1": ("till", "18"),
    "pricechecker-17": ("pricechecker", "17"),
    "integration-17": ("integration", "17"),
    "marketing": ("marketing", None),
}
"""node id → (kind, store) of the peers the ``server`` fixture registers."""


@dataclass
class SignedPeer:
    """Requests signed as ``node_id`` with its registered secret, to one node."""

    node_id: str
    secret: str
    url: str
    receiver: str = "server"

    @property
    def key(self) -> bytes:
        return peer_key(self.secret, self.receiver)

    def request(self, method: str, path: str, body: bytes = b"", **kw: Any) -> tuple[int, Any]:
        r = signed(method, self.url, path, node=self.node_id, key=self.key, body=body, **kw)
        try:
            answer = json.loads(r.data) if r.data else None
        except ValueError:
            answer = r.data
        return r.status, answer

    def ask(self, name: str, message: dict[str, Any]) -> tuple[int, Any]:
        """``POST /mailbox/v1/ask/<name>``: (status, the whole answer)."""
        return self.request("POST", f"/mailbox/v1/ask/{name}", json.dumps(message).encode())

    def post_documents(self, batch: bytes) -> tuple[int, Any]:
        """``POST /mailbox/v1/inbox`` with a batch (``Document.render()`` joined)."""
        return self.request("POST", "/mailbox/v1/inbox", batch)


@pytest.fixture
def server(tmp_path, db_url):
    """A whole cash server (every feature), stopped after the test."""
    node = start_node("server", tmp_path, db_url, server={"export_scan": 0.2})
    yield node
    close_pools(RAW)
    node.stop()


@pytest.fixture
def peers(server) -> dict[str, SignedPeer]:
    """The peers of ``PEERS`` registered on ``server``, as signed clients to it."""
    out = {}
    with server.ctx.db.write() as session:
        for node_id, (kind, store) in PEERS.items():
            secret = register_peer(session, node_id, kind, store=store, secret=f"{node_id}-secret")
            out[node_id] = SignedPeer(node_id, secret, server.ctx.url)
    server.ctx.services.bridge.peers_changed()
    return out
