"""Applying catalog changes in batches: what putting and deleting the records one by one
(``apply.put_record`` / ``apply.delete_record``) does, in a few statements per thousand
records instead of several per record.

A 30,000-item ``catalog.delta`` took minutes record by record on a busy till, the
sale waiting for the database all that time; in batches it takes seconds.

Consecutive records of one kind and operation are buffered (a key met again: the
later record wins, as it would one by one) and written together, keeping the order
of the document:

- puts as ``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL); an item that
  carries its barcodes has them replaced: its old ones deleted, the new ones
  upserted, so a barcode moves to the item that names it last, and a barcode an
  earlier record of the batch moved to an item named again without it is deleted;
- deletes as ``DELETE … WHERE key IN (…)``, an item's barcodes and prices with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, delete, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.nodes.till.catalog.records import CatalogRecordError, barcodes_of, key_of, row_of
from ukm_actors.nodes.till.catalog.tables import LIVE_OF

BATCH = 2000
"""Records buffered before they are written."""
IN_CHUNK = 400
"""Keys in one ``IN (…)`` (SQLite's older builds allow 999 parameters a statement)."""


def check(rec: CatalogRecord, line: int) -> None:
    """Raise ``CatalogRecordError`` if ``rec`` is a record ``BulkDelta.add`` refuses."""
    if rec.op == "del":
        key_of(rec, line)
        return
    if rec.kind == "barcode":
        raise CatalogRecordError(
            f"catalog document line {line}: a barcode can only be deleted; put it with its item"
        )
    row_of(rec, line)
    if rec.kind == "item":
        barcodes_of(rec, line)


class BulkDelta:
    """Buffered puts and deletes of a catalog change; ``flush()`` at the end.

    ``tables``: record kind → the table it goes to (the live catalog, or the
    staging tables of a catalog being built)."""

    def __init__(self, session: Session, tables: Mapping[str, Table] = LIVE_OF) -> None:
        self.session = session
        self.tables = tables
        self.kind = ""
        self.op = ""
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        """Key → the row to put, or the key to delete."""
        self.barcodes: dict[str, dict[str, Any]] = {}
        """Barcode → its row, for the buffered items that carry their barcodes."""
        self.replaced: set[str] = set()
        """Articles whose barcodes are replaced."""
        self.dropped: set[str] = set()
        """Barcodes a buffered item had and a later record of that item no longer has."""

    def add(self, rec: CatalogRecord, line: int) -> None:
        if rec.op != "del" and rec.kind == "barcode":
            raise CatalogRecordError(
                f"catalog document line {line}: a barcode can only be deleted; put it with its item"
            )
        if (rec.kind, rec.op) != (self.kind, self.op) or len(self.rows) >= BATCH:
            self.flush()
            self.kind, self.op = rec.kind, rec.op
        if rec.op == "del":
            key = key_of(rec, line)
            self.rows[tuple(key.values())] = key
            return
        row = row_of(rec, line)
        self.rows[tuple(row[name] for name in _key_names(self.table))] = row
        if rec.kind == "item" and "barcodes" in rec.data:
            self._barcodes(row["article"], barcodes_of(rec, line))

    @property
    def table(self) -> Table:
        return self.tables[self.kind]

    def _barcodes(self, article: str, rows: list[dict[str, Any]]) -> None:
        if article in self.replaced:  # named again: what it had here goes
            gone = [code for code, r in self.barcodes.items() if r["article"] == article]
            for code in gone:
                del self.barcodes[code]
            self.dropped.update(gone)
        self.replaced.add(article)
        for r in rows:
            self.barcodes[r["barcode"]] = r
            self.dropped.discard(r["barcode"])

    def flush(self) -> None:
        if self.rows:
            if self.op == "del":
                self._delete()
            else:
                self._put()
        self.rows.clear()
        self.barcodes.clear()
        self.replaced.clear()
        self.dropped.clear()

    def _put(self) -> None:
        _upsert(self.session, self.table, list(self.rows.values()))
        if self.replaced:
            barcode = self.tables["barcode"]
            _delete_in(self.session, barcode, ("article",), [(a,) for a in self.replaced])
            _delete_in(self.session, barcode, ("barcode",), [(b,) for b in self.dropped])
            if self.barcodes:
                _upsert(self.session, barcode, list(self.barcodes.values()))

    def _delete(self) -> None:
        table = self.table
        names = tuple(next(iter(self.rows.values())))
        _delete_in(self.session, table, names, list(self.rows))
        if self.kind == "item":
            articles = [(key[0],) for key in self.rows]
            for dependent in ("barcode", "price", "addprice"):
                _delete_in(self.session, self.tables[dependent], ("article",), articles)


def _key_names(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key)


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, replacing the columns they give of rows already there."""
    pg = session.get_bind().dialect.name == "postgresql"
    ins = pg_insert(table) if pg else sqlite_insert(table)
    keys = _key_names(table)
    columns = [c for c in rows[0] if c not in keys]
    if columns:
        stmt = ins.on_conflict_do_update(
            index_elements=list(keys), set_={c: ins.excluded[c] for c in columns}
        )
    else:
        stmt = ins.on_conflict_do_nothing(index_elements=list(keys))
    for i in range(0, len(rows), BATCH):
        session.execute(stmt, rows[i : i + BATCH])


def _delete_in(
    session: Session, table: Table, names: Sequence[str], keys: list[tuple[Any, ...]]
) -> None:
    columns = [table.c[n] for n in names]
    for i in range(0, len(keys), IN_CHUNK):
        part = keys[i : i + IN_CHUNK]
        if len(columns) == 1:
            cond = columns[0].in_([k[0] for k in part])
        else:
            cond = tuple_(*columns).in_(part)
        session.execute(delete(table).where(cond))
