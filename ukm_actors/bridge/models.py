"""Tables of the bridge, in every database-backed role's database.

- ``bridge_blob``: document bodies, stored once by content hash (the full
  catalog of a store is one blob however many tills receive it);
- ``bridge_outbox``: documents to send, numbered 1, 2, 3… per channel;
- ``bridge_channel``: per channel, the last seq assigned and acknowledged
  (sender side) or applied (receiver side), and the last contact;
- ``bridge_peer``: nodes registered with the cash server, their secrets.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ukm_actors.db.models import new_metadata


class BridgeBase(DeclarativeBase):
    metadata = new_metadata()


class Blob(BridgeBase):
    __tablename__ = "bridge_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
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
    last_contact: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class Peer(BridgeBase):
    """A node registered with the cash server (or, on other nodes, a cached key)."""

    __tablename__ = "bridge_peer"

    node_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # till | marketing | integration | pricechecker
    store: Mapped[str | None] = mapped_column(String(40), index=True)
    secret: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[str | None] = mapped_column(String(40))
