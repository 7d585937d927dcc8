"""Where a node finds the key of a peer that calls it.

- On the cash server (``ServerKeys``): from the peer registry, which has
  every node's secret (read on each request, so disabling a peer takes
  effect at once).
- On every other node (``CachedKeys``): the cash server hands out the keys
  of the peers allowed to call this node (``GET /mailbox/v1/peers/keys``).
  They are kept in memory and, on nodes with a database, in ``bridge_peer``
  (so a till restarted while the server is down still knows its price
  checker). They are re-read every ``[bridge] keys_refresh`` seconds and
  when an unknown peer calls (at most once every ``MISS_INTERVAL`` s). A
  peer disabled on the server can therefore still reach the other nodes
  until their next refresh.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import gevent.lock
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from ukm_actors.bridge.auth import Caller, KeyEntry
from ukm_actors.bridge.errors import BridgeError, RemoteError
from ukm_actors.bridge.models import Peer
from ukm_actors.bridge.peers import SELF_KIND, callers_of, peer_info, peer_key
from ukm_actors.db import Database

log = logging.getLogger(__name__)

MISS_INTERVAL = 10.0
SERVER_ID = "server"


_PEER = select(Peer.kind, Peer.store, Peer.secret, Peer.enabled).where(
    Peer.node_id == bindparam("n"), Peer.kind != SELF_KIND
)


class ServerKeys:
    """Keys of requests to the cash server ``me``, from the registry.

    A looked-up key is reused for ``TTL`` seconds (one registry read per
    peer and second instead of one per request), so disabling a peer or
    changing its secret takes effect within that time.
    """

    TTL = 1.0

    def __init__(self, db: Database, me: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.me = me
        self.clock = clock
        self._cache: dict[str, tuple[float, KeyEntry]] = {}

    def key_for(self, node_id: str) -> KeyEntry | None:
        now = self.clock()
        hit = self._cache.get(node_id)
        if hit is not None and now - hit[0] < self.TTL:
            return hit[1]
        with self.db.engine.connect() as conn:
            row = conn.execute(_PEER, {"n": node_id}).first()
        if row is None:
            return None  # not cached: a peer registered a moment ago is known at once
        kind, store, secret, enabled = row
        entry = KeyEntry(Caller(node_id, kind, store), peer_key(secret, self.me), bool(enabled))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[node_id] = (now, entry)
        return entry


def keys_for(
    session: Session, server_id: str, server_secret: str, requester: str
) -> list[dict[str, Any]]:
    """What ``GET /mailbox/v1/peers/keys`` answers ``requester``: the keys of the
    peers that may call it (the cash server first)."""
    out: list[dict[str, Any]] = [
        {
            "node_id": server_id,
            "kind": "server",
            "store": None,
            "key": peer_key(server_secret, requester).hex(),
        }
    ]
    receiver = peer_info(session, requester)
    if receiver is None:
        return out
    for info, secret in callers_of(session, receiver):
        out.append(
            {
                "node_id": info.node_id,
                "kind": info.kind,
                "store": info.store,
                "key": peer_key(secret, requester).hex(),
            }
        )
    return out


class CachedKeys:
    """Keys handed out by the cash server, cached (see the module docstring)."""

    def __init__(
        self,
        db: Database | None,
        fetch: Callable[[], list[dict[str, Any]]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.fetch = fetch
        self.clock = clock
        self._keys: dict[str, KeyEntry] = {}
        self._lock = gevent.lock.Semaphore()
        self._last_try = -1e9
        self.refreshed_at: datetime | None = None
        self.last_error: str | None = None
        self._loaded = False

    def load(self) -> None:
        """Read the keys kept in the database (once)."""
        if self._loaded or self.db is None:
            self._loaded = True
            return
        with self.db.read() as session:
            rows = session.execute(
                select(Peer.node_id, Peer.kind, Peer.store, Peer.secret, Peer.enabled)
            ).all()
        for node, kind, store, secret, enabled in rows:
            try:
                key = bytes.fromhex(secret)
            except ValueError:
                continue
            self._keys[node] = KeyEntry(Caller(node, kind, store), key, bool(enabled))
        self._loaded = True

    def key_for(self, node_id: str) -> KeyEntry | None:
        if not self._loaded:
            self.load()
        entry = self._keys.get(node_id)
        if entry is not None:
            return entry
        with self._lock:  # a refresh in flight may bring it: wait for it
            entry = self._keys.get(node_id)
            if entry is None and self.clock() - self._last_try >= MISS_INTERVAL:
                try:
                    self._refresh()
                except BridgeError as exc:
                    log.warning("cannot refresh peer keys for unknown caller %r: %s", node_id, exc)
                entry = self._keys.get(node_id)
        return entry

    def refresh(self) -> int:
        """Fetch the keys from the cash server now; returns how many there are.

        On failure the keys known so far stay in use and the error is raised.
        """
        with self._lock:
            return self._refresh()

    def _refresh(self) -> int:
        self._last_try = self.clock()
        try:
            items = self.fetch()
        except BridgeError as exc:
            self.last_error = str(exc)
            raise
        fresh: dict[str, KeyEntry] = {}
        for item in items:
            try:
                node = str(item["node_id"])
                fresh[node] = KeyEntry(
                    Caller(node, str(item["kind"]), item.get("store")),
                    bytes.fromhex(str(item["key"])),
                    True,
                )
            except (KeyError, ValueError, TypeError) as exc:
                self.last_error = f"bad key entry from the server: {exc}"
                raise RemoteError("bridge.keys", self.last_error) from None
        if self.db is not None:
            self._persist(fresh)
        self._keys = fresh
        self._loaded = True
        self.refreshed_at = datetime.now(UTC)
        self.last_error = None
        return len(fresh)

    def _persist(self, fresh: dict[str, KeyEntry]) -> None:
        assert self.db is not None
        with self.db.write() as session:
            session.execute(delete(Peer).where(Peer.node_id.not_in(list(fresh) or [""])))
            for node, entry in fresh.items():
                row = session.get(Peer, node)
                if row is None:
                    row = Peer(node_id=node, created_at=datetime.now(UTC))
                    session.add(row)
                row.kind = entry.caller.kind
                row.store = entry.caller.store
                row.secret = entry.key.hex()
                row.enabled = True

    def status(self) -> dict[str, Any]:
        return {
            "peers": sorted(self._keys),
            "refreshed_at": self.refreshed_at.isoformat(timespec="seconds")
            if self.refreshed_at
            else None,
            "last_error": self.last_error,
        }


def parse_keys(data: bytes) -> list[dict[str, Any]]:
    try:
        body = json.loads(data)
        keys = body["keys"]
        if not isinstance(keys, list):
            raise TypeError("keys is not a list")
        return keys
    except (ValueError, KeyError, TypeError) as exc:
        raise RemoteError("bridge.keys", f"bad answer to peers/keys: {exc}") from None
