"""Applying ``catalog.full`` and ``catalog.delta`` documents to the till's tables.

Both run inside the bridge's apply transaction (the session passed in), so
a catalog is applied whole or not at all. A full catalog deletes every
catalog table and bulk-inserts the document's records, yielding to other
greenlets as it goes (a 200,000-item catalog must not freeze the sale). A
delta puts (insert or replace) and deletes single records. A record met
twice in one document: the later one wins. A document for another store,
or a record that cannot be stored, is refused with ``PermanentApplyError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, event, insert, inspect
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.codecs.catalogdoc import CatalogDocError, CatalogRecord, decode
from ukm_actors.nodes.till.catalog.bulkdelta import BulkDelta
from ukm_actors.nodes.till.catalog.records import (
    SPECS,
    CatalogRecordError,
    barcodes_of,
    key_of,
    row_of,
)
from ukm_actors.nodes.till.catalog.tables import (
    CATALOG_TABLES,
    CatAddPrice,
    CatBarcode,
    CatItem,
    CatMeta,
    CatPrice,
)
from ukm_actors.nodes.till.tables import TillBase
from ukm_actors.runtime import Cooperator

log = logging.getLogger(__name__)

BATCH = 2000


class CatalogApplier:
    """The appliers of one till: knows its store, and who to tell after a commit."""

    def __init__(
        self,
        store: str,
        on_commit: Callable[[], None] | None = None,
        only: frozenset[str] | None = None,
        applying: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.store = store
        self.on_commit = on_commit
        self.applying = applying
        """Marks an apply in progress (``TillCatalog.applying``)."""
        self.only = only
        """Record kinds applied (``None``: all); a till whose catalog comes from its folder
        applies only the server's ``settings`` records."""
        self.only_of: Callable[[Session], frozenset[str] | None] | None = None
        """When set, decides ``only`` at each document (the exchange settings in force)."""
        self._dropped = False

    def kinds(self, session: Session) -> frozenset[str] | None:
        """The record kinds applied now (``None``: all)."""
        return self.only_of(session) if self.only_of is not None else self.only

    def apply_full(self, session: Session, doc: Document) -> None:
        """Replace the till's whole catalog with ``doc``'s records."""
        with self.applying():
            self._full(session, doc)

    def _full(self, session: Session, doc: Document) -> None:
        _meta, records = self._open(doc)
        only = self.kinds(session)
        for table in CATALOG_TABLES:
            if only is None or table is SPECS["settings"][0]:
                session.execute(delete(table))
        bulk = BulkPut(session)
        try:
            for line, rec in self._kept(records, only):
                bulk.put(rec, line)
            bulk.flush()
        except (CatalogRecordError, CatalogDocError) as exc:
            raise PermanentApplyError(f"{doc.type} #{doc.seq}: {exc.message}") from exc
        self._finish(session, doc, full=True, items=bulk.items if only is None else None)
        log.info("catalog.full #%s applied: %s items", doc.seq, bulk.items)

    def apply_delta(self, session: Session, doc: Document) -> None:
        """Put and delete the single records of ``doc`` (in batches: ``bulkdelta``)."""
        with self.applying():
            self._delta(session, doc)

    def _delta(self, session: Session, doc: Document) -> None:
        _meta, records = self._open(doc)
        count = 0
        bulk = BulkDelta(session)
        only = self.kinds(session)
        try:
            for line, rec in self._kept(records, only):
                bulk.add(rec, line)
                count += 1
            bulk.flush()
        except (CatalogRecordError, CatalogDocError) as exc:
            raise PermanentApplyError(f"{doc.type} #{doc.seq}: {exc.message}") from exc
        self._finish(session, doc, full=False, items=None)
        log.info("catalog.delta #%s applied: %s records", doc.seq, count)

    def _kept(self, records: Any, only: frozenset[str] | None) -> Any:
        for line, rec in _numbered(records):
            if only is None or rec.kind in only:
                yield line, rec
            elif not self._dropped:
                self._dropped = True
                log.warning(
                    "catalog_source = folder: the server's %s records are not applied "
                    "(only %s); the catalog comes from the exchange folder",
                    rec.kind,
                    ", ".join(sorted(only)),
                )

    def _open(self, doc: Document) -> tuple[dict[str, Any], Any]:
        try:
            meta, records = decode(doc.body.splitlines())
        except CatalogDocError as exc:
            raise PermanentApplyError(f"{doc.type} #{doc.seq}: {exc.message}") from exc
        store = meta.get("store")
        if self.store and store not in (None, "", self.store):
            raise PermanentApplyError(
                f"{doc.type} #{doc.seq} is the catalog of store {store!r}; this till is in "
                f"store {self.store!r}",
                hint="check the till's [till] store setting and its registration on the server",
            )
        return meta, records

    def _finish(self, session: Session, doc: Document, *, full: bool, items: int | None) -> None:
        bump_meta(
            session, full_seq=doc.seq if full else None, items=items, on_commit=self.on_commit
        )


def bump_meta(
    session: Session,
    *,
    full_seq: int | None,
    items: int | None,
    on_commit: Callable[[], None] | None,
) -> None:
    """A new catalog revision (``full_seq``: a server full catalog's sequence number; ``items``:
    the count when known); ``on_commit`` is called once the transaction commits."""
    row = session.get(CatMeta, 1)
    if row is None:
        row = CatMeta(id=1, revision=0, full_seq=0, items=0, applied_at="")
        session.add(row)
    row.revision = (row.revision or 0) + 1
    row.applied_at = datetime.now(UTC).isoformat(timespec="seconds")
    if full_seq is not None:
        row.full_seq = full_seq
    row.items = items if items is not None else session.query(CatItem).count()
    session.flush()
    if on_commit is not None:
        event.listen(session, "after_commit", _once(on_commit), once=True)


def _once(fn: Callable[[], None]) -> Callable[[Session], None]:
    def call(_session: Session) -> None:
        fn()

    return call


def _numbered(records: Any) -> Any:
    tick = Cooperator().tick
    for line, rec in enumerate(records, start=2):
        tick()
        yield line, rec


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
