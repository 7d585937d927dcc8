"""Loading one exchange file into the till's catalog: one file, one transaction.

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

The file's row in ``till_exchange_file`` is written in the same
transaction. A refused file leaves the catalog exactly as it was.
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
from ukm_actors.codecs.ukm_schema import FULL, IMPORT_TYPES
from ukm_actors.db import Database
from ukm_actors.domain.rights import DEFAULT_ROLES, Right
from ukm_actors.domain.units import WeighRule
from ukm_actors.exchange.catalog import REPLACES, Converter
from ukm_actors.exchange.names import QueueName
from ukm_actors.nodes.till.catalog.apply import BulkPut, bump_meta
from ukm_actors.nodes.till.catalog.bulkdelta import BulkDelta
from ukm_actors.nodes.till.catalog.records import SPECS, CatalogRecordError
from ukm_actors.nodes.till.catalog.tables import CatAddPrice, CatItem, CatPrice
from ukm_actors.nodes.till.exchange.tables import ExchangeFile
from ukm_actors.runtime import Cooperator

log = logging.getLogger(__name__)

LOADED = "loaded"
FAILED = "failed"
SKIPPED = "skipped"


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
            at=now_text(),
        )
    )


def load_file(db: Database, folder: Path, name: QueueName, opts: LoadOptions) -> Outcome:
    """Load ``folder/name`` in one transaction (see the module docstring).

    An ``OSError`` (the file vanished or cannot be read) is raised as it is.
    """
    path = folder / name.filename
    st = os.lstat(path)
    size, mtime_ns = st.st_size, st.st_mtime_ns
    notes: list[str] = []
    try:
        with opts.applying(), db.write() as session:
            with open_import(path, max_bytes=opts.max_bytes, strict=False, regular_only=True) as f:
                outcome = _load_open(session, f, name, opts, notes)
            record(session, outcome, size, mtime_ns)
            if outcome.status == LOADED:
                bump_meta(session, full_seq=None, items=None, on_commit=opts.on_commit)
        return outcome
    except ImportFormatError as exc:
        return _failed(db, name, exc.reason, exc.line, exc.field, notes, size, mtime_ns, str(exc))
    except CatalogRecordError as exc:
        return _failed(db, name, exc.message, None, None, notes, size, mtime_ns, exc.message)


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
    session: Session, f: ImportFile, name: QueueName, opts: LoadOptions, notes: list[str]
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
            error=f"a {info.type} file for store {store}; this till is in store {opts.store}",
        )
    converter = Converter(opts.weighing, _roles(), opts.store)
    kinds = REPLACES.get(info.type, ())
    records = _converted(f.records(), converter)
    if info.fullness == FULL and kinds:
        n = _replace(session, kinds, records)
    else:
        n = _apply(session, records)
    notes.extend(f.notes.lines())
    if f.ignored:
        notes.append(
            "elements not read (unknown here): "
            + ", ".join(f"{k} ({v})" for k, v in sorted(f.ignored.items()))
        )
    if converter.unknown_roles:
        roles = ", ".join(str(r) for r in sorted(converter.unknown_roles))
        known = ", ".join(str(r) for r in sorted(DEFAULT_ROLES))
        notes.append(f"cashier roles {roles} are not known (known: {known}): no rights given")
    if converter.unread_measprec:
        notes.append(
            f"{converter.unread_measprec} item(s) with a measprec the rule "
            f"'{opts.weighing.measprec}' cannot read: the unit decides"
        )
    if not kinds:
        notes.append(f"{info.type} is read and not kept by a till")
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
