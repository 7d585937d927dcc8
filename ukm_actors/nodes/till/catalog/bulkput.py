"""Writing catalog records straight into the live tables: ``BulkPut`` (a whole catalog
applied in one transaction) and ``put_record`` / ``delete_record`` (one record, the
reference ``bulkdelta`` is checked against)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, insert, inspect
from sqlalchemy.orm import Session

from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.nodes.till.catalog.records import (
    SPECS,
    CatalogRecordError,
    barcodes_of,
    key_of,
    row_of,
)
from ukm_actors.nodes.till.catalog.tables import CatAddPrice, CatBarcode, CatPrice
from ukm_actors.nodes.till.tables import TillBase

BATCH = 2000


class BulkPut:
    """Buffered inserts for a full catalog; a key seen twice is replaced in place."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[type[TillBase], list[dict[str, Any]]] = {}
        self.seen: dict[type[TillBase], set[tuple[Any, ...]]] = {}
        self.keys: dict[type[TillBase], tuple[str, ...]] = {}
        self.items = 0

    def put(self, rec: CatalogRecord, line: int) -> None:
        if rec.op == "del":
            return
        if rec.kind == "barcode":
            raise CatalogRecordError(
                f"catalog document line {line}: a barcode can only be deleted; "
                f"put barcodes with their item"
            )
        table = SPECS[rec.kind][0]
        row = row_of(rec, line)
        new = self._add(table, row)
        if rec.kind == "item":
            self.items += int(new)
            for barcode in barcodes_of(rec, line):
                self._add(CatBarcode, barcode)

    def _add(self, table: type[TillBase], row: dict[str, Any]) -> bool:
        names = self.keys.get(table)
        if names is None:
            names = self.keys[table] = tuple(c.name for c in inspect(table).primary_key)
        key = tuple(row[n] for n in names)
        seen = self.seen.setdefault(table, set())
        if key in seen:
            self._flush(table)
            self.session.merge(table(**row))
            return False
        seen.add(key)
        rows = self.rows.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self._flush(table)
        return True

    def _flush(self, table: type[TillBase]) -> None:
        rows = self.rows.get(table)
        if rows:
            core: Table = table.__table__  # type: ignore[assignment]
            self.session.execute(insert(core), rows)
            rows.clear()

    def flush(self) -> None:
        for table in list(self.rows):
            self._flush(table)
        self.session.flush()


def put_record(session: Session, rec: CatalogRecord, line: int) -> None:
    if rec.kind == "barcode":
        raise CatalogRecordError(
            f"catalog document line {line}: a barcode can only be deleted; put it with its item"
        )
    table = SPECS[rec.kind][0]
    session.merge(table(**row_of(rec, line)))
    if rec.kind == "item" and "barcodes" in rec.data:
        article = rec.data["article"]
        session.execute(delete(CatBarcode).where(CatBarcode.article == article))
        session.flush()
        for barcode in barcodes_of(rec, line):
            session.merge(CatBarcode(**barcode))


def delete_record(session: Session, rec: CatalogRecord, line: int) -> None:
    table = SPECS[rec.kind][0]
    key = key_of(rec, line)
    cond = [getattr(table, name) == value for name, value in key.items()]
    session.execute(delete(table).where(*cond))
    if rec.kind == "item":
        article = key["article"]
        for dependent in (CatBarcode, CatPrice, CatAddPrice):
            session.execute(delete(dependent).where(dependent.article == article))
