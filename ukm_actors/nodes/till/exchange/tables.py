"""The till's exchange state: which files of its folder it loaded or refused, and the sales
files it still has to write.

``till_exchange_file`` gets its row in the transaction that loads the file,
so a kill between that commit and the file's move to ``processed/`` is
recognised at restart (same name, size and time: moved, not loaded again).
A refused file's row (written after the rollback) holds the queue until a
full file of its type, or the same file again, is loaded.

``till_sales_file`` is the outbox of the sales folder: one row per receipt,
return, shift open and close, cash in and out, written in the transaction
of the operation itself; the writer drains it (``written_at`` set once the
file is in place).

``till_exchange_settings`` holds the cash server's last answer about this
till's folders (``till.exchange_settings``), so a till started while the
server is unreachable works with the settings it had.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.till.tables import TillBase


class ExchangeFile(TillBase):
    """One file of the till's exchange folder: ``status`` loaded | failed | skipped."""

    __tablename__ = "till_exchange_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    position: Mapped[int | None] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    store: Mapped[str] = mapped_column(String(100), default="")
    fullness: Mapped[str | None] = mapped_column(String(1))
    size: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    records: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(200))
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    texts: Mapped[str | None] = mapped_column(Text)
    """The error and warnings as translatable texts (JSON, ``i18n.wire_all``), so /status
    reads in its reader's language; ``None`` on rows written before (English ``error``)."""
    at: Mapped[str] = mapped_column(String(32))


NO_FILE = "-"
"""``till_sales_file.name`` of a row that has no file (a cancelled receipt)."""


class SalesFile(TillBase):
    """A document to write into the sales folder (the till's document, as sent to the
    server); ``name`` and ``written_at`` are set once the file is in place."""

    __tablename__ = "till_sales_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    vat: Mapped[str] = mapped_column(Text, default="{}")
    """A receipt's VAT rates when it closed: position → basis points (JSON)."""
    name: Mapped[str | None] = mapped_column(String(255))
    written_at: Mapped[str | None] = mapped_column(String(32), index=True)
    error: Mapped[str | None] = mapped_column(Text)


class SavedSettings(TillBase):
    """The cash server's last accepted ``till.exchange_settings`` answer (one row, id 1)."""

    __tablename__ = "till_exchange_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer: Mapped[str] = mapped_column(Text)
    """The answer as JSON."""
    at: Mapped[str] = mapped_column(String(32))
    """When it was received."""
