"""Loading one exchange file into the till's catalog: whole or not at all.

The file is read by the one UKM parser (``codecs.ukm_import.open_import``,
lenient about unknown elements as on the server), its records turned into
catalog records (``exchange.catalog.Converter``) and applied by the code
that applies the server's catalog documents (``nodes/till/catalog/apply``):

- a full file (``fullness="F"``) replaces every record of the kinds its type
  carries (``exchange.catalog.REPLACES``); a full ``updateItems`` also drops
  the prices of the items it no longer has, as the server does;
- an incremental file puts and deletes single records;
- a store-scoped file for another store is skipped (recorded, not loaded);
- ``regions`` and ``storeTypes`` are read (so a broken one is refused) and
  not kept.

A full file is built in the staging tables in short transactions (the
parsing too happens outside any transaction) and switched to in one, with
its row in ``till_exchange_file``: the sale goes on meanwhile
(``catalog/stage.py``). A big incremental file (``BIG_DELTA`` bytes or more)
goes the same way: the live tables it may change are copied aside, the file
is applied to the copy in short transactions, and the switch makes the live
tables what the copy became. Any other file is applied in one transaction
with its row. A refused file leaves the catalog exactly as it was; a till
killed before the switch committed loads the file again from its start.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.codecs.ukm_import import ImportFile, ImportFormatError, ImportRecord, open_import
from ukm_actors.codecs.ukm_names import compare_name
from ukm_actors.codecs.ukm_records import ImportInfo
from ukm_actors.codecs.ukm_schema import FULL, IMPORT_TYPES
from ukm_actors.db import Database
from ukm_actors.domain.rights import DEFAULT_ROLES, Right
from ukm_actors.domain.units import WeighRule
from ukm_actors.exchange.catalog import REPLACES, Converter
from ukm_actors.exchange.names import QueueName
from ukm_actors.i18n import _, wire_all
from ukm_actors.nodes.till.catalog import stage
from ukm_actors.nodes.till.catalog.apply import bump_meta
from ukm_actors.nodes.till.catalog.bulkdelta import BulkDelta
from ukm_actors.nodes.till.catalog.bulkput import BulkPut
from ukm_actors.nodes.till.catalog.records import SPECS, CatalogRecordError
from ukm_actors.nodes.till.catalog.stage import FOLDER
from ukm_actors.nodes.till.catalog.tables import CatAddPrice, CatItem, CatPrice
from ukm_actors.nodes.till.exchange.tables import ExchangeFile
from ukm_actors.runtime import Cooperator

log = logging.getLogger(__name__)

LOADED = "loaded"
FAILED = "failed"
SKIPPED = "skipped"

BIG_DELTA = 1_000_000
"""Bytes from which an incremental file is applied aside and switched to (about 15,000
price records or 5,000 items); a smaller one is applied in one transaction, which holds
the till's writer (SQLite) for a second or two."""


@dataclass(frozen=True)
class LoadOptions:
    store: str
    weighing: WeighRule
    max_bytes: int
    on_commit: Callable[[], None] | None = None
    applying: Callable[[], AbstractContextManager[object]] = nullcontext
    """Marks the load in progress (``TillCatalog.applying``)."""


@dataclass(frozen=True)
class Outcome:
    """What became of one file: ``status`` loaded | failed | skipped."""

    name: QueueName
    status: str
    type: str
    store: str = ""
    fullness: str | None = None
    records: int = 0
    error: str | None = None
    line: int | None = None
    field: str | None = None
    warnings: tuple[str, ...] = dc_field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.name.filename,
            "position": self.name.position,
            "status": self.status,
            "type": self.type,
            "fullness": self.fullness,
            "records": self.records,
            "error": self.error,
            "line": self.line,
            "field": self.field,
            "warnings": list(self.warnings[:20]),
        }


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _texts(outcome: Outcome) -> str | None:
    """The outcome's error and warnings, translatable (``ExchangeFile.texts``)."""
    if outcome.error is None and not outcome.warnings:
        return None
    body = {"error": outcome.error, "warnings": list(outcome.warnings[:50])}
    return json.dumps(wire_all(body), ensure_ascii=False)


def record(session: Session, outcome: Outcome, size: int | None, mtime_ns: int | None) -> None:
    """The file's row in ``till_exchange_file``."""
    session.add(
        ExchangeFile(
            name=outcome.name.filename,
            position=outcome.name.position,
            type=outcome.type,
            store=outcome.store,
            fullness=outcome.fullness,
            size=size,
            mtime_ns=mtime_ns,
            status=outcome.status,
            records=outcome.records,
            error=outcome.error,
            line=outcome.line,
            field=outcome.field,
            warnings=json.dumps(list(outcome.warnings[:50]), ensure_ascii=False),
            texts=_texts(outcome),
            at=now_text(),
        )
    )


def load_file(db: Database, folder: Path, name: QueueName, opts: LoadOptions) -> Outcome:
    """Load ``folder/name`` (see the module docstring): a full file, or a big incremental
    one, through the staging tables, switched to in one transaction; a small incremental
    one in one transaction.

    An ``OSError`` (the file vanished or cannot be read) is raised as it is.
    """
    path = folder / name.filename
    st = os.lstat(path)
    size, mtime_ns = st.st_size, st.st_mtime_ns
    notes: list[str] = []
    staged = False
    try:
        with opts.applying():
            with open_import(path, max_bytes=opts.max_bytes, strict=False, regular_only=True) as f:
                staged = _worth_staging(db, f.info, opts, size)
                if staged:
                    outcome = _load_open(_staged(db, name), f, name, opts, notes)
                    with db.write() as session:
                        _switch(session, outcome)
                        record(session, outcome, size, mtime_ns)
                        bump_meta(session, full_seq=None, items=None, on_commit=opts.on_commit)
                    return outcome
                with db.write() as session:
                    outcome = _load_open(_direct(session), f, name, opts, notes)
                    record(session, outcome, size, mtime_ns)
                    if outcome.status == LOADED:
                        bump_meta(session, full_seq=None, items=None, on_commit=opts.on_commit)
        return outcome
    except ImportFormatError as exc:
        _abandon(db, staged)
        return _failed(db, name, exc.reason, exc.line, exc.field, notes, size, mtime_ns, exc.text())
    except CatalogRecordError as exc:
        _abandon(db, staged)
        return _failed(db, name, exc.message, None, None, notes, size, mtime_ns, exc.message)


Writer = Callable[[tuple[str, ...], "Numbered", bool], int]
"""Writes a file's records: (the kinds a full file replaces, the records, full) → how many."""


def _worth_staging(db: Database, info: ImportInfo, opts: LoadOptions, size: int) -> bool:
    """A full file, or an incremental one of ``BIG_DELTA`` bytes or more, of kinds the
    till keeps, for this store, and no other catalog being built over the same kinds
    (then it is loaded in one transaction, as a small incremental file is)."""
    kinds = _staged_kinds(info.type, info.fullness == FULL)
    if not kinds or (info.fullness != FULL and size < BIG_DELTA):
        return False
    if IMPORT_TYPES[info.type].store_scoped and (info.store_id or "") != opts.store:
        return False
    with db.read() as session:
        return stage.overlaps(session, FOLDER, kinds) is None


def _direct(session: Session) -> Writer:
    def write(kinds: tuple[str, ...], records: Numbered, full: bool) -> int:
        return _replace(session, kinds, records) if full else _apply(session, records)

    return write


def _staged_kinds(type_: str, full: bool) -> tuple[str, ...]:
    """The catalog kinds a file of ``type_`` is built aside over: the kinds a full file
    replaces; for an incremental one also those its deletes reach (``stage.touched``)."""
    kinds = REPLACES.get(type_, ())
    return kinds if full or not kinds else stage.touched(kinds)


def _staged(db: Database, name: QueueName) -> Writer:
    def write(kinds: tuple[str, ...], records: Numbered, full: bool) -> int:
        if full:
            with db.write() as session:
                stage.begin(session, FOLDER, name.filename, kinds)
            puts = (r for r in records if r[1].op == "put")
            return stage.write_chunked(db, puts, full=True, source=FOLDER)
        kinds = stage.touched(kinds)
        with db.write() as session:
            stage.begin(session, FOLDER, name.filename, kinds)
        stage.mirror(db, kinds)  # the change is applied to a copy of the live tables
        return stage.write_chunked(db, records, full=False, source=FOLDER)

    return write


def _switch(session: Session, outcome: Outcome) -> None:
    """The staged file becomes the catalog (a file refused after all leaves it as it was)."""
    staging = stage.current(session, FOLDER)
    if outcome.status != LOADED or staging is None:
        stage.abandon(session, FOLDER)
        return
    if outcome.fullness == FULL and "item" in staging.kinds:
        stage.drop_prices_of_gone_items(session)
    stage.switch(session, staging.kinds)
    stage.forget(session, FOLDER)


def _abandon(db: Database, staged: bool) -> None:
    if staged:
        with db.write() as session:
            stage.abandon(session, FOLDER)


def _failed(
    db: Database,
    name: QueueName,
    reason: str,
    line: int | None,
    field_: str | None,
    notes: list[str],
    size: int,
    mtime_ns: int,
    text: str,
) -> Outcome:
    outcome = Outcome(
        name,
        FAILED,
        name.type,
        error=text or reason,
        line=line,
        field=field_,
        warnings=tuple(notes),
    )
    with db.write() as session:
        record(session, outcome, size, mtime_ns)
    return outcome


def _load_open(
    write: Writer, f: ImportFile, name: QueueName, opts: LoadOptions, notes: list[str]
) -> Outcome:
    info = f.info
    notes.extend(f.warnings)
    if name.inner is not None:
        notes.extend(compare_name(name.inner, info))
    spec = IMPORT_TYPES[info.type]
    store = info.store_id or ""
    if spec.store_scoped and store != opts.store:
        return Outcome(
            name,
            SKIPPED,
            info.type,
            store,
            info.fullness,
            error=_(
                "a {type} file for store {store}; this till is in store {own}",
                type=info.type,
                store=store,
                own=opts.store,
            ),
        )
    converter = Converter(opts.weighing, _roles(), opts.store)
    kinds = REPLACES.get(info.type, ())
    records = _converted(f.records(), converter)
    n = write(kinds, records, info.fullness == FULL and bool(kinds))
    notes.extend(f.notes.lines())
    if f.ignored:
        notes.append(
            _(
                "elements not read (unknown here): {elements}",
                elements=", ".join(f"{k} ({v})" for k, v in sorted(f.ignored.items())),
            )
        )
    if converter.unknown_roles:
        roles = ", ".join(str(r) for r in sorted(converter.unknown_roles))
        known = ", ".join(str(r) for r in sorted(DEFAULT_ROLES))
        notes.append(
            _(
                "cashier roles {roles} are not known (known: {known}): no rights given",
                roles=roles,
                known=known,
            )
        )
    if converter.unread_measprec:
        notes.append(
            _(
                "{n} item(s) with a measprec the rule {rule} cannot read: the unit decides",
                n=converter.unread_measprec,
                rule=repr(opts.weighing.measprec),
            )
        )
    if not kinds:
        notes.append(_("{type} is read and not kept by a till", type=info.type))
    return Outcome(name, LOADED, info.type, store, info.fullness, n, warnings=tuple(notes))


def _roles() -> dict[int, frozenset[Right]]:
    return {role: rights for role, (_name, rights) in DEFAULT_ROLES.items()}


Numbered = Iterator[tuple[int, CatalogRecord]]


def _converted(records: Iterator[tuple[int, ImportRecord]], converter: Converter) -> Numbered:
    tick = Cooperator().tick
    for line, r in records:
        tick()
        for rec in converter.convert(r):
            yield line, rec


def _apply(session: Session, records: Numbered) -> int:
    n = 0
    bulk = BulkDelta(session)
    for line, rec in records:
        bulk.add(rec, line)
        n += 1
    bulk.flush()
    return n


def _replace(session: Session, kinds: tuple[str, ...], records: Numbered) -> int:
    """A full file: every record of ``kinds`` goes, then the file's records are inserted."""
    before: set[str] = set()
    if "item" in kinds:
        before = set(session.execute(select(CatItem.article)).scalars())
    for kind in kinds:
        session.execute(delete(SPECS[kind][0]))
    bulk = BulkPut(session)
    n = 0
    for line, rec in records:
        if rec.op == "put":  # deleted records mean "absent" in a full file
            bulk.put(rec, line)
            n += 1
    bulk.flush()
    if "item" in kinds:
        after = set(session.execute(select(CatItem.article)).scalars())
        gone = sorted(before - after)
        for i in range(0, len(gone), 500):
            part = gone[i : i + 500]
            for table in (CatPrice, CatAddPrice):
                session.execute(delete(table).where(table.article.in_(part)))
    return n
