"""Signed bridge requests: every request names its node and carries an HMAC.

Headers of a signed request::

    X-Ukm-Node:      the sender's node id
    X-Ukm-Time:      unix time in seconds
    X-Ukm-Nonce:     32 random hex digits, never reused
    X-Ukm-Signature: hex HMAC-SHA256(k(sender→receiver),
                     METHOD \\n PATH[?QUERY] \\n TIME \\n NONCE \\n hex sha256(body))

(``k`` is ``peers.peer_key``; PATH is the decoded path as the server sees it.)
A receiver refuses a request whose time is more than ``[bridge] clock_skew``
seconds off its clock, or whose nonce it has already seen from that node in
that window (a replay). Where nonces live: in memory when the receiver is
the only process using its database (SQLite, and the database-less roles);
in the ``bridge_nonce`` table on PostgreSQL, where several server processes
of a cluster share the database and a replay may reach another process.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, create_engine, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url

from ukm_actors.bridge.errors import AuthError
from ukm_actors.bridge.models import Nonce
from ukm_actors.db import Database

log = logging.getLogger(__name__)

H_NODE = "X-Ukm-Node"
H_TIME = "X-Ukm-Time"
H_NONCE = "X-Ukm-Nonce"
H_SIG = "X-Ukm-Signature"
H_VERSION = "X-Ukm-Version"
H_URL = "X-Ukm-Url"
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def canonical(method: str, target: str, stamp: str, nonce: str, body_sha: str) -> bytes:
    """The text that is signed."""
    return "\n".join((method.upper(), target, stamp, nonce, body_sha)).encode()


def sign(
    key: bytes, node_id: str, method: str, target: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The auth headers for one request from ``node_id`` (``target`` = path[?query])."""
    stamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    body_sha = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA
    sig = hmac.new(key, canonical(method, target, stamp, nonce, body_sha), hashlib.sha256)
    return {H_NODE: node_id, H_TIME: stamp, H_NONCE: nonce, H_SIG: sig.hexdigest()}


@dataclass(frozen=True)
class Caller:
    """The authenticated sender of a request."""

    node_id: str
    kind: str
    store: str | None


@dataclass(frozen=True)
class KeyEntry:
    caller: Caller
    key: bytes
    enabled: bool


class KeySource(Protocol):
    def key_for(self, node_id: str) -> KeyEntry | None:
        """The key ``node_id`` signs requests to this node with (None: unknown peer)."""


class NonceStore(Protocol):
    def remember(self, node_id: str, nonce: str, now: float) -> bool:
        """Record a nonce; False when it was already seen (a replay)."""

    def purge(self, now: float) -> None:
        """Forget nonces older than the window."""

    def dispose(self) -> None:
        """Release what the store holds (connections)."""


class MemoryNonces:
    """Nonces of the last ``window`` seconds, in this process's memory."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: set[tuple[str, str]] = set()
        self._order: deque[tuple[float, tuple[str, str]]] = deque()

    def remember(self, node_id: str, nonce: str, now: float) -> bool:
        self.purge(now)
        key = (node_id, nonce)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._order.append((now, key))
        return True

    def purge(self, now: float) -> None:
        cutoff = now - self.window
        while self._order and self._order[0][0] < cutoff:
            _, key = self._order.popleft()
            self._seen.discard(key)

    def __len__(self) -> int:
        return len(self._seen)

    def dispose(self) -> None:
        self._seen.clear()
        self._order.clear()


class DbNonces:
    """Nonces in the ``bridge_nonce`` table, shared by every process of a cluster
    (PostgreSQL). One statement per request on a connection of its own small
    pool, in autocommit with ``synchronous_commit=off``: a request does not wait
    for a disk flush, and a nonce lost in a database crash only re-opens its
    own window."""

    def __init__(self, db: Database, window: float) -> None:
        self.window = window
        url = make_url(db.url)  # the engine's own URL has lost the options (search_path)
        options = str(url.query.get("options", ""))
        options = f"{options} -c synchronous_commit=off".strip()
        self.engine = create_engine(
            url.difference_update_query(["options"]),
            isolation_level="AUTOCOMMIT",
            pool_size=4,
            max_overflow=8,
            pool_pre_ping=True,
            connect_args={"options": options, "connect_timeout": 5},
        )
        self._remember = (
            pg_insert(Nonce)
            .values(node_id=bindparam("n"), nonce=bindparam("x"), seen_ms=bindparam("t"))
            .on_conflict_do_nothing()
            .returning(Nonce.node_id)
        )

    def remember(self, node_id: str, nonce: str, now: float) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(self._remember, {"n": node_id, "x": nonce, "t": int(now * 1000)})
            return row.first() is not None

    def purge(self, now: float) -> None:
        cutoff = int((now - self.window) * 1000)
        with self.engine.connect() as conn:
            conn.execute(delete(Nonce).where(Nonce.seen_ms < cutoff))

    def dispose(self) -> None:
        self.engine.dispose()


def nonce_store(db: Database | None, clock_skew: float) -> NonceStore:
    """The right nonce store for this node (see the module docstring)."""
    window = 2 * clock_skew + 5
    if db is not None and db.dialect == "postgresql":
        return DbNonces(db, window)
    return MemoryNonces(window)


class Verifier:
    """Checks signed requests to node ``me``."""

    def __init__(
        self,
        me: str,
        keys: KeySource,
        nonces: NonceStore,
        clock_skew: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.me = me
        self.keys = keys
        self.nonces = nonces
        self.clock_skew = clock_skew
        self.clock = clock

    def authenticate(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        read_body: Callable[[], bytes],
        remote: str = "?",
    ) -> tuple[Caller, bytes]:
        """The caller and the request body, or ``AuthError`` (logged with the peer and address).

        The body is read only once the headers name a known peer and a fresh
        time, so that unknown callers cannot make this node read 30 MB.
        """
        node = headers.get(H_NODE, "")
        try:
            entry, stamp, nonce, sig = self._check_headers(node, headers)
            body = read_body()
            body_sha = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA
            want = hmac.new(
                entry.key, canonical(method, target, stamp, nonce, body_sha), hashlib.sha256
            ).hexdigest()
            if not hmac.compare_digest(want, sig.lower()):
                raise AuthError(
                    f"bad signature from {node!r} on {method} {target}",
                    hint="the node's [bridge] secret does not match the one registered "
                    "on the cash server, or the request was changed on the way",
                )
            if not self.nonces.remember(node, nonce, self.clock()):
                raise AuthError(
                    f"replayed request from {node!r} (nonce {nonce[:8]}… already seen)",
                    hint="every request needs a fresh X-Ukm-Nonce",
                )
        except AuthError as exc:
            log.warning(
                "refused bridge request %s %s from %r at %s: %s",
                method,
                target,
                node or "?",
                remote,
                exc.message,
            )
            raise
        return entry.caller, body

    def _check_headers(
        self, node: str, headers: Mapping[str, str]
    ) -> tuple[KeyEntry, str, str, str]:
        stamp = headers.get(H_TIME, "")
        nonce = headers.get(H_NONCE, "")
        sig = headers.get(H_SIG, "")
        if not (node and stamp and nonce and sig):
            missing = [h for h in (H_NODE, H_TIME, H_NONCE, H_SIG) if not headers.get(h)]
            raise AuthError(
                f"unsigned bridge request (missing {', '.join(missing)})",
                hint="bridge requests must be signed with the node's secret",
            )
        if len(nonce) > 64 or len(sig) > 128:
            raise AuthError("malformed X-Ukm-Nonce or X-Ukm-Signature")
        try:
            sent = int(stamp)
        except ValueError:
            raise AuthError(f"bad X-Ukm-Time {stamp[:20]!r}: not unix seconds") from None
        drift = sent - self.clock()
        if abs(drift) > self.clock_skew:
            raise AuthError(
                f"request time of {node!r} is {drift:+.0f} s off this node's clock "
                f"(allowed ±{self.clock_skew:g} s)",
                hint="an old request replayed, or a clock is wrong: check NTP on both nodes",
            )
        entry = self.keys.key_for(node)
        if entry is None:
            raise AuthError(
                f"unknown peer {node!r}",
                hint="register the node on the cash server (its id and secret)",
            )
        if not entry.enabled:
            raise AuthError(f"peer {node!r} is disabled", hint="enable it on the cash server")
        return entry, stamp, nonce, sig
