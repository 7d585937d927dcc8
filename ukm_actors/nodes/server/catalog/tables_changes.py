"""The history of catalog changes: one ``catalog_load`` row per change, and tombstones.

A change is an import file or an admin action. Its id is the ``version``
stamped on every directory row it wrote, so "what changed" is a query, not
a list kept in memory. Rows it deleted leave a ``catalog_tombstone`` with
the same version. Failed import files are recorded too (after the
rollback), which is how a failed type stays stopped across restarts and
across the servers of a cluster.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.catalog.tables import CODE, STORE_CODE
from ukm_actors.nodes.server.tables import ServerBase

LOADED = "loaded"
FAILED = "failed"
SKIPPED = "skipped"
IGNORED = "ignored"
"""An entry of the import folder that is never read (a link, an unknown name, a type
this server does not read): listed so that nothing there is silent."""
DONE = "done"


class CatalogLoad(ServerBase):
    """One change of the catalog: an import file (loaded, failed or skipped) or an admin action."""

    __tablename__ = "catalog_load"
    __table_args__ = (Index("ix_catalog_load_batch", "type", "store", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    """``folder`` (import folder), ``cli`` (``ukm import``), ``admin`` (admin API), ``system``."""
    type: Mapped[str] = mapped_column(String(40))
    """Import type (``updateItems`` ...) or the admin action (``cashier.create`` ...)."""
    store: Mapped[str] = mapped_column(String(STORE_CODE), default="")
    number: Mapped[int | None] = mapped_column(BigInteger)
    fullness: Mapped[str | None] = mapped_column(String(1))
    file: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    changes: Mapped[int] = mapped_column(BigInteger, default=0)
    warnings: Mapped[str] = mapped_column(Text, default="")
    """One warning a line."""
    error: Mapped[str | None] = mapped_column(Text)
    error_line: Mapped[int | None] = mapped_column(Integer)
    error_field: Mapped[str | None] = mapped_column(String(200))
    texts: Mapped[str | None] = mapped_column(Text)
    """The error (with its line, field, reason and hint) and the warnings as translatable
    texts, JSON (``history.texts_json``), so each reader sees them in their language;
    ``None`` on rows written before (their English ``error`` and ``warnings`` are shown)."""
    node: Mapped[str] = mapped_column(String(200), default="")
    by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Tombstone(ServerBase):
    """A row deleted by change ``version``: ``kind`` as in catalog documents, its key."""

    __tablename__ = "catalog_tombstone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    store: Mapped[str] = mapped_column(String(STORE_CODE), default="")
    key: Mapped[str] = mapped_column(String(200))
    key2: Mapped[str | None] = mapped_column(String(CODE))
