"""Tables of the bridge, in every database-backed role's database.

- ``bridge_blob``: document bodies, stored once by content hash (the full
  catalog of a store is one blob however many tills receive it);
- ``bridge_blob_variant``: a body compressed once (zstd), served to the
  receivers that accept it (``encoding.py``);
- ``bridge_outbox``: documents to send, numbered 1, 2, 3… per channel;
- ``bridge_channel``: per channel, the last seq assigned and acknowledged
  (sender side) or applied (receiver side), and the last contact;
- ``bridge_peer``: nodes registered with the cash server, their secrets
  (on other nodes: the keys of the peers allowed to call this node, as
  handed out by the cash server);
- ``bridge_dead_letter``: documents an applier refused for good, kept
  verbatim for an operator (shown in /status, can be replayed);
- ``bridge_nonce``: nonces of signed requests seen recently (PostgreSQL
  only: one process on SQLite keeps them in memory).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ukm_actors.db.models import new_metadata


class BridgeBase(DeclarativeBase):
    metadata = new_metadata()


class Blob(BridgeBase):
    __tablename__ = "bridge_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class BlobVariant(BridgeBase):
    """A stored body in another encoding, made once when the body was stored."""

    __tablename__ = "bridge_blob_variant"

    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("bridge_blob.sha256"), primary_key=True
    )
    """The body's (the decoded bytes') SHA-256."""
    encoding: Mapped[str] = mapped_column(String(20), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class OutboxEntry(BridgeBase):
    """One document waiting for (or already given) its receiver's acknowledgement."""

    __tablename__ = "bridge_outbox"

    channel: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created: Mapped[str] = mapped_column(String(40))
    length: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("bridge_blob.sha256"), index=True)
    acked: Mapped[bool] = mapped_column(Boolean, default=False)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    """A later document replaces this one (a newer full catalog): receivers skip it."""


class Channel(BridgeBase):
    """State of one channel, as seen by this node (sender or receiver)."""

    __tablename__ = "bridge_channel"

    channel: Mapped[str] = mapped_column(String(120), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "out" | "in"
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """out: the last seq assigned; in: the last seq applied."""
    last_acked: Mapped[int] = mapped_column(BigInteger, default=0)
    """out: the highest seq the receiver acknowledged (cumulative)."""
    last_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    """out: the highest seq handed to the receiver (pushed, or downloaded by it)."""
    last_contact: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class Peer(BridgeBase):
    """A node registered with the cash server (or, on other nodes, a cached key).

    On the cash server ``secret`` is the peer's own secret. On every other
    node it is the hex key the cash server handed out for requests from that
    peer to this node (``k(peer→me)``), never a secret.
    """

    __tablename__ = "bridge_peer"

    node_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # till | marketing | integration | pricechecker
    store: Mapped[str | None] = mapped_column(String(40), index=True)
    secret: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(300))
    """The URL the peer reported (``X-Ukm-Url``): how other nodes reach it."""


class DeadLetter(BridgeBase):
    """A received document its applier refused for good (``PermanentApplyError``).

    The channel moved on past it; the document is kept verbatim so that an
    operator can see it and replay it once the cause is fixed.
    """

    __tablename__ = "bridge_dead_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(120), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    doc_type: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created: Mapped[str] = mapped_column(String(40))
    length: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(10), default="parked")  # parked | replayed
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Nonce(BridgeBase):
    """A signed request's nonce, kept while its timestamp is inside the clock window."""

    __tablename__ = "bridge_nonce"

    node_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_ms: Mapped[int] = mapped_column(BigInteger, index=True)
