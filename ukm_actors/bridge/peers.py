"""The cash server's registry of nodes allowed to use the bridge, and their keys.

Every node has a secret, issued when it is registered here. A request from
node ``a`` to node ``b`` is signed with ``k(a→b) = HMAC-SHA256(secret_a,
"ukm-peer:" + b)``. The cash server knows every secret, so it can check any
request to itself and hand each other node the keys of exactly the peers
allowed to call it (``callers_of``): the marketing server gets the tills'
keys for itself, a till gets its store's price-checker module's key for the
till. A key is useless towards any other receiver, so a leaked marketing
server cannot impersonate a till to the cash server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import DocumentError, channel_name
from ukm_actors.bridge.models import Peer
from ukm_actors.errors import UkmError

KINDS: tuple[str, ...] = ("till", "marketing", "integration", "pricechecker")
SELF_KIND = "self"
"""The row that keeps the cash server's own secret when the configuration gives none."""

CALLERS: dict[str, tuple[str, ...]] = {
    "marketing": ("till",),
    "till": ("pricechecker", "integration"),
}
"""Receiver kind → kinds of peers that may call it (besides the cash server).
A till accepts only its own store's modules."""


class PeerError(UkmError):
    """A registry request that cannot be done (bad id or kind, unknown peer)."""

    code = "bridge.peer"


@dataclass(frozen=True)
class PeerInfo:
    """What the registry knows about one node (never its secret)."""

    node_id: str
    kind: str
    store: str | None
    enabled: bool
    url: str | None
    last_seen: datetime | None
    version: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "node_id": self.node_id,
            "kind": self.kind,
            "store": self.store,
            "enabled": self.enabled,
            "url": self.url,
            "last_seen": self.last_seen.isoformat(timespec="seconds") if self.last_seen else None,
            "version": self.version,
        }


def peer_key(secret: str, receiver: str) -> bytes:
    """``k(sender→receiver)``: the key a sender with ``secret`` signs its requests
    to ``receiver`` with."""
    return hmac.new(secret.encode(), b"ukm-peer:" + receiver.encode(), hashlib.sha256).digest()


def _info(row: Peer) -> PeerInfo:
    return PeerInfo(
        node_id=row.node_id,
        kind=row.kind,
        store=row.store,
        enabled=row.enabled,
        url=row.url,
        last_seen=row.last_seen,
        version=row.version,
    )


def _check_id(node_id: str) -> None:
    try:
        channel_name(node_id, "x")
    except DocumentError:
        raise PeerError(
            f"bad node id {node_id!r}", hint="node ids have no spaces and no '>'"
        ) from None


def register_peer(
    session: Session, node_id: str, kind: str, store: str | None = None, secret: str | None = None
) -> str:
    """Register (or update and enable) ``node_id``; returns its secret.

    Idempotent: registering a known node again keeps its secret unless a new
    one is given. A new node without ``secret`` gets a generated one.
    """
    _check_id(node_id)
    if kind not in KINDS:
        raise PeerError(f"unknown peer kind {kind!r}", hint=f"kinds: {', '.join(KINDS)}")
    if kind in ("till", "integration", "pricechecker") and not store:
        raise PeerError(f"a {kind} ({node_id}) must belong to a store")
    row = session.get(Peer, node_id)
    if row is None:
        row = Peer(
            node_id=node_id,
            kind=kind,
            store=store,
            secret=secret or _secrets.token_urlsafe(32),
            enabled=True,
            created_at=datetime.now(UTC),
        )
        session.add(row)
    else:
        if row.kind == SELF_KIND:
            raise PeerError(f"{node_id!r} is this server's own id")
        row.kind, row.store, row.enabled = kind, store, True
        if secret:
            row.secret = secret
    session.flush()
    return row.secret


def new_secret(session: Session, node_id: str) -> str:
    """Give ``node_id`` a new generated secret (the old one stops working); returns it.
    Its kind, store and whether it is enabled stay as they are."""
    row = session.get(Peer, node_id)
    if row is None or row.kind == SELF_KIND:
        raise PeerError(
            f"no peer {node_id!r} is registered",
            hint="GET /status on the cash server lists them (bridge.peers)",
        )
    row.secret = _secrets.token_urlsafe(32)
    session.flush()
    return row.secret


def disable_peer(session: Session, node_id: str) -> None:
    """Refuse every further request from ``node_id`` (its data is kept)."""
    row = session.get(Peer, node_id)
    if row is None or row.kind == SELF_KIND:
        raise PeerError(f"no peer {node_id!r} is registered")
    row.enabled = False


def enable_peer(session: Session, node_id: str) -> None:
    """Accept requests from ``node_id`` again."""
    row = session.get(Peer, node_id)
    if row is None or row.kind == SELF_KIND:
        raise PeerError(f"no peer {node_id!r} is registered")
    row.enabled = True


def peer_info(session: Session, node_id: str) -> PeerInfo | None:
    """What the registry knows about ``node_id`` (None if it is not registered)."""
    row = session.get(Peer, node_id)
    return None if row is None or row.kind == SELF_KIND else _info(row)


def list_peers(
    session: Session, kind: str | None = None, store: str | None = None
) -> list[PeerInfo]:
    """Registered peers (optionally of one kind and/or store), by node id."""
    q = select(Peer).where(Peer.kind != SELF_KIND).order_by(Peer.node_id)
    if kind is not None:
        q = q.where(Peer.kind == kind)
    if store is not None:
        q = q.where(Peer.store == store)
    return [_info(r) for r in session.execute(q).scalars()]


def peer_secret(session: Session, node_id: str) -> tuple[PeerInfo, str] | None:
    """A registered peer and its secret (for checking its signatures)."""
    row = session.get(Peer, node_id)
    if row is None or row.kind == SELF_KIND:
        return None
    return _info(row), row.secret


def own_secret(session: Session, node_id: str) -> str:
    """The cash server's own signing secret when its configuration has none:
    generated once and kept in the registry."""
    row = session.get(Peer, node_id)
    if row is None:
        row = Peer(
            node_id=node_id,
            kind=SELF_KIND,
            secret=_secrets.token_urlsafe(32),
            enabled=True,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
    elif row.kind != SELF_KIND:
        raise PeerError(f"the server's id {node_id!r} is registered as a {row.kind}")
    return row.secret


def callers_of(session: Session, receiver: PeerInfo) -> list[tuple[PeerInfo, str]]:
    """The enabled peers allowed to call ``receiver``, with their secrets."""
    kinds = CALLERS.get(receiver.kind, ())
    if not kinds:
        return []
    q = select(Peer).where(Peer.kind.in_(kinds), Peer.enabled.is_(True))
    if receiver.kind == "till":
        q = q.where(Peer.store == receiver.store)
    return [(_info(r), r.secret) for r in session.execute(q.order_by(Peer.node_id)).scalars()]


def record_contact(
    session: Session,
    node_id: str,
    when: datetime,
    version: str | None = None,
    url: str | None = None,
) -> None:
    """Remember when ``node_id`` was last heard from, and what it reported."""
    row = session.get(Peer, node_id)
    if row is None:
        return
    row.last_seen = when
    if version:
        row.version = version[:40]
    if url:
        row.url = url[:300]
