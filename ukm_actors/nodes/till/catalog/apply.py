"""Applying ``catalog.full`` and ``catalog.delta`` documents to the till's tables.

Appliers run inside the bridge's apply transaction (the session passed in), so
a document is applied whole or not at all. A whole catalog is a
``catalog.full`` and the parts that follow it (``"parts"`` in its meta: the
server cuts a big catalog into documents of at most 20,000 records); it is
built in the staging tables and switched to when its last part is applied
(``stage``), so the till sells from its old catalog until then. The bridge
calls ``prepare`` before the transaction: a whole catalog's documents are
written into the staging tables there, in short transactions, and the apply
only switches (or notes the part). A document that was not prepared (a small
one, or an apply without the bridge) is staged in the apply's transaction;
a one-document catalog that was not prepared replaces the live tables there
directly. A delta puts (insert or replace) and deletes single records. A
record met twice in one document: the later one wins. A document for
another store, or a record that cannot be stored, is refused with
``PermanentApplyError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.codecs.catalogdoc import FULL, CatalogDocError, decode
from ukm_actors.db import Database
from ukm_actors.db.hooks import after_commit
from ukm_actors.nodes.till.catalog import stage
from ukm_actors.nodes.till.catalog.bulkdelta import BulkDelta, check
from ukm_actors.nodes.till.catalog.bulkput import BulkPut
from ukm_actors.nodes.till.catalog.records import SPECS, CatalogRecordError
from ukm_actors.nodes.till.catalog.stage import SERVER, Staging
from ukm_actors.nodes.till.catalog.tables import CatItem, CatMeta
from ukm_actors.runtime import Cooperator

log = logging.getLogger(__name__)

BAD = (CatalogRecordError, CatalogDocError)


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

    def _staged_kinds(self, only: frozenset[str] | None) -> tuple[str, ...]:
        return tuple(k for k in SPECS if only is None or k in only)

    # -- before the transaction ---------------------------------------------------------

    def prepare(self, db: Database, doc: Document) -> None:
        """Write ``doc`` into the staging tables ahead of its apply, in transactions of
        ``stage.CHUNK`` records: the ``catalog.full`` of a whole catalog of more than one
        chunk, and the parts after it. Anything else is left to the apply."""
        with self.applying():
            with db.read() as session:
                only = self.kinds(session)
                staging = stage.current(session, SERVER)
                kinds = self._staged_kinds(only)
                busy = stage.overlaps(session, SERVER, kinds)
            meta, _records = self._open(doc)
            if doc.type == FULL:
                if staging is not None and not _prepared(staging, doc):
                    with db.write() as session:
                        stage.abandon(session, SERVER)  # an older catalog never finished
                if _prepared(staging, doc) or busy is not None or not _big(meta):
                    return
                self._check(doc, only)
                with db.write() as session:
                    stage.begin(
                        session, SERVER, doc.channel, kinds, doc.seq, doc.seq + _parts(meta) - 1
                    )
            elif staging is None or not staging.covers(doc.channel, doc.seq):
                return
            elif not staging.begun():
                return  # its catalog.full never got in: the apply gives it up
            elif staging.staged_seq >= doc.seq:
                return
            else:
                self._check(doc, only)
            _meta, records = self._open(doc)
            n = stage.write_chunked(db, self._kept(records, only), full=doc.type == FULL)
            with db.write() as session:
                stage.mark_staged(session, SERVER, doc.seq, n)
            log.info("%s #%s staged: %s records", doc.type, doc.seq, n)

    def _check(self, doc: Document, only: frozenset[str] | None) -> None:
        """Raise ``PermanentApplyError`` if a record of ``doc`` cannot be stored (before any
        of it is written aside: a refused part must leave nothing behind)."""
        _meta, records = self._open(doc)
        try:
            for line, rec in self._kept(records, only):
                check(rec, line)
        except BAD as exc:
            raise PermanentApplyError(f"{doc.type} #{doc.seq}: {exc.message}") from exc

    # -- in the transaction ----------------------------------------------------------------

    def apply_full(self, session: Session, doc: Document) -> None:
        """Replace the till's whole catalog with ``doc``'s records (and its parts')."""
        with self.applying():
            self._full(session, doc)

    def _full(self, session: Session, doc: Document) -> None:
        meta, records = self._open(doc)
        only = self.kinds(session)
        staging = stage.current(session, SERVER)
        if not _prepared(staging, doc):
            if staging is not None:
                stage.abandon(session, SERVER)  # an older catalog never finished
            kinds = self._staged_kinds(only)
            if _parts(meta) == 1 or stage.overlaps(session, SERVER, kinds) is not None:
                self._replace(session, doc, records, only)
                return
            staging = stage.begin(
                session, SERVER, doc.channel, kinds, doc.seq, doc.seq + _parts(meta) - 1
            )
            self._stage(session, doc, records, only)
        assert staging is not None
        self._part_done(session, doc, staging)

    def _replace(
        self, session: Session, doc: Document, records: Any, only: frozenset[str] | None
    ) -> None:
        """A one-document catalog, straight into the live tables (one transaction)."""
        for kind in self._staged_kinds(only):
            session.execute(delete(SPECS[kind][0]))
        bulk = BulkPut(session)
        try:
            for line, rec in self._kept(records, only):
                bulk.put(rec, line)
            bulk.flush()
        except BAD as exc:
            raise PermanentApplyError(f"{doc.type} #{doc.seq}: {exc.message}") from exc
        self._finish(session, doc, full=True, items=bulk.items if only is None else None)
        log.info("catalog.full #%s applied: %s items", doc.seq, bulk.items)

    def _stage(
        self, session: Session, doc: Document, records: Any, only: frozenset[str] | None
    ) -> None:
        try:
            n = stage.write(session, self._kept(records, only), full=doc.type == FULL)
        except BAD as exc:
            raise PermanentApplyError(f"{doc.type} #{doc.seq}: {exc.message}") from exc
        stage.mark_staged(session, SERVER, doc.seq, n)

    def _part_done(self, session: Session, doc: Document, staging: Staging) -> None:
        """Part ``doc`` of ``staging`` is in the staging tables: the last one switches."""
        if doc.seq < staging.last_seq:
            bump_meta(session, full_seq=None, items=None, on_commit=None)
            log.info(
                "%s #%s staged: part %s of %s of the catalog from #%s",
                doc.type,
                doc.seq,
                doc.seq - staging.first_seq + 1,
                staging.last_seq - staging.first_seq + 1,
                staging.first_seq,
            )
            return
        self._switch(session, staging)

    def _switch(self, session: Session, staging: Staging) -> None:
        stage.switch(session, staging.kinds)
        stage.forget(session, SERVER)
        bump_meta(session, full_seq=staging.first_seq, items=None, on_commit=self.on_commit)
        items = session.get(CatMeta, 1)
        log.info(
            "catalog.full #%s applied: %s items (switched to after its %s parts)",
            staging.first_seq,
            items.items if items is not None else "?",
            staging.last_seq - staging.first_seq + 1,
        )

    def apply_delta(self, session: Session, doc: Document) -> None:
        """Put and delete the single records of ``doc`` (in batches: ``bulkdelta``); a part
        of a whole catalog goes to its staging tables."""
        with self.applying():
            staging = stage.current(session, SERVER)
            if staging is not None and staging.ref == doc.channel and not staging.begun():
                log.warning(
                    "the catalog from #%s never got its first part in (refused): %s #%s is "
                    "applied to the catalog in force",
                    staging.first_seq,
                    doc.type,
                    doc.seq,
                )
                stage.abandon(session, SERVER)
                staging = None
            if staging is not None and staging.covers(doc.channel, doc.seq):
                if staging.staged_seq < doc.seq:
                    _meta, records = self._open(doc)
                    self._stage(session, doc, records, self.kinds(session))
                self._part_done(session, doc, staging)
                return
            if staging is not None and staging.ref == doc.channel and doc.seq > staging.last_seq:
                log.warning(
                    "%s #%s came before the last part of the catalog from #%s: switching to "
                    "what arrived of it",
                    doc.type,
                    doc.seq,
                    staging.first_seq,
                )
                self._switch(session, staging)
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
        except BAD as exc:
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


def _parts(meta: dict[str, Any]) -> int:
    """How many documents the whole catalog a ``catalog.full`` begins has (itself included)."""
    parts = meta.get("parts")
    return parts if isinstance(parts, int) and not isinstance(parts, bool) and parts > 1 else 1


def _big(meta: dict[str, Any]) -> bool:
    """A ``catalog.full`` worth writing aside in chunks: several parts, or many records."""
    records = meta.get("records")
    small = isinstance(records, int) and records <= stage.CHUNK
    return _parts(meta) > 1 or not small


def _prepared(staging: Staging | None, doc: Document) -> bool:
    """``staging`` is the catalog ``doc`` begins, and ``doc`` is in it."""
    return (
        staging is not None
        and staging.ref == doc.channel
        and staging.first_seq == doc.seq
        and staging.staged_seq >= doc.seq
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
        after_commit(session, on_commit)


def _numbered(records: Any) -> Any:
    tick = Cooperator().tick
    for line, rec in enumerate(records, start=2):
        tick()
        yield line, rec
