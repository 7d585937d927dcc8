"""Loading one import file: one file, one transaction, documents for the tills included.

:func:`load_file` opens the file (safe XML: no DTD, no entities, no
network), checks that a store-scoped file is for a store this server
knows, writes its records in ONE ``db.write()`` transaction together with
the catalog documents for the tills, and records the outcome in
``catalog_load``. A bad file leaves the directories exactly as they were:
the transaction is rolled back and only the failure is recorded. Both the
import folder and ``ukm import`` come through here.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_import import (
    DEFAULT_MAX_BYTES,
    ImportFile,
    ImportFormatError,
    ImportName,
    compare_name,
    open_import,
    parse_import_name,
)
from ukm_actors.codecs.ukm_schema import FULL, IMPORT_TYPES
from ukm_actors.db import Database
from ukm_actors.db.locks import try_transaction_lock
from ukm_actors.domain.units import DEFAULT_WEIGHED_UNITS, WeighRule
from ukm_actors.i18n import _
from ukm_actors.nodes.server.catalog.change import Change, begin_change, finish_change
from ukm_actors.nodes.server.catalog.history import (
    already_loaded,
    order_problem,
    record_failure,
    record_skipped,
)
from ukm_actors.nodes.server.catalog.load_chain import (
    load_classif,
    load_named,
    load_stores,
    load_taxes,
)
from ukm_actors.nodes.server.catalog.load_items import ItemLoader
from ukm_actors.nodes.server.catalog.load_store import (
    PriceLoader,
    load_cashiers,
    load_restrictions,
    load_sellers,
)
from ukm_actors.nodes.server.catalog.parsechild import ChildImport
from ukm_actors.nodes.server.catalog.progress import Progress
from ukm_actors.nodes.server.catalog.publisher import MAX_RECORDS, publish
from ukm_actors.nodes.server.catalog.tables import Store
from ukm_actors.nodes.server.catalog.tables_changes import FAILED, IGNORED, LOADED
from ukm_actors.runtime import Cooperator

log = logging.getLogger("ukm_actors.nodes.server.catalog")

IMPORT_LOCK = "ukm.catalog.import"
"""PostgreSQL advisory lock (per schema, ``db.locks``) held by the transaction that loads a
file."""

SLICE_S = 0.02
"""The loader yields to the HTTP server after this much work (a yield costs ~1 ms)."""

BIG_TYPES = frozenset({"updateItems", "storePrices"})
"""Types whose keys are checked for duplicates by the database (temporary key tables and
primary keys) instead of the reader's in-memory index, so memory stays flat."""

WAITING = "waiting"
BUSY = "busy"
ALREADY = "already"
OBSOLETE = "obsolete"


@dataclass(frozen=True)
class LoadResult:
    """What became of one file.

    ``status``: ``loaded``; ``failed`` (``error`` says file, line, field and
    reason); ``waiting`` (a store-scoped file for a store this server does
    not know: left in place); ``already`` (loaded before, e.g. by another
    server of the cluster; only the move is left); ``busy`` (another server
    is loading right now); ``obsolete`` (older than a file of its type
    already loaded, ``error`` says which: not loaded, recorded as
    ``skipped``); ``ignored`` (the folder's file is a symbolic link or not a
    regular file: never opened).
    """

    file: str
    status: str
    type: str | None = None
    store: str | None = None
    fullness: str | None = None
    number: int | None = None
    records: int = 0
    changes: int = 0
    version: int | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    line: int | None = None
    field: str | None = None
    channels: frozenset[str] = dc_field(default_factory=frozenset)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "type": self.type,
            "store": self.store,
            "records": self.records,
            "changes": self.changes,
            "warnings": list(self.warnings[:20]),
            "error": self.error,
        }


@dataclass
class LoadOptions:
    """How to load: where the file came from, limits, hooks."""

    kind: str = "folder"
    node: str = ""
    max_bytes: int = DEFAULT_MAX_BYTES
    max_records: int = MAX_RECORDS
    progress: Progress | None = None
    child_bytes: int = 0
    """Files of at least this many bytes are read by a helper process (0: never)."""
    heartbeat: Callable[[], None] | None = None
    """Called every few thousand records (to renew a cluster lease)."""
    force: bool = False
    """Load even a file older than what is loaded (``ukm import --force``)."""
    weighing: WeighRule = dc_field(default_factory=lambda: WeighRule.of(DEFAULT_WEIGHED_UNITS))
    """How an item's unit and ``<measprec>`` decide whether it is weighed."""


def _stat(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


Reader = ImportFile | ChildImport


def _open(path: Path, size: int, opts: LoadOptions, *, check_duplicates: bool) -> Reader:
    regular_only = opts.kind == "folder"
    if opts.child_bytes and size >= opts.child_bytes:
        return ChildImport(
            path,
            max_bytes=opts.max_bytes,
            check_duplicates=check_duplicates,
            regular_only=regular_only,
        )
    return open_import(
        path,
        max_bytes=opts.max_bytes,
        strict=False,
        check_duplicates=check_duplicates,
        regular_only=regular_only,
    )


def _dispatch(change: Change, f: Reader, step: Callable[[], None], opts: LoadOptions) -> int:
    info = f.info
    name = info.file
    store = info.store_id or ""
    full = info.fullness == FULL
    records = f.records()
    t = info.type
    if t == "updateItems":
        return ItemLoader(change, name, info.fullness, opts.weighing).load(records, step)
    if t == "taxes":
        return load_taxes(change, name, records, step)
    if t == "classif":
        return load_classif(change, name, records, step)
    if t == "stores":
        return load_stores(change, name, records, step)
    if t == "regions":
        return load_named(change, "catalog_region", info.fullness, records, step)
    if t == "storeTypes":
        return load_named(change, "catalog_store_type", info.fullness, records, step)
    if t == "storeCashiers":
        return load_cashiers(change, name, store, full, records, step)
    if t == "storeSellers":
        return load_sellers(change, store, full, records, step)
    if t == "storePrices":
        return PriceLoader(change, name, store, info.fullness).load(records, step)
    if t == "storeRestrictions":
        return load_restrictions(change, name, store, records, step)
    raise ImportFormatError(
        name, None, None, _("files of type {type} are not loaded by this server", type=t)
    )


def store_known(session: Session, code: str) -> bool:
    store = session.get(Store, code)
    return store is not None and store.active


def _stepper(opts: LoadOptions, f: Reader) -> Callable[[], None]:
    tick = Cooperator(SLICE_S).tick
    progress = opts.progress
    if progress is not None:
        progress.start(f.file, f.position)
    record = progress.record if progress is not None else None
    heartbeat = opts.heartbeat
    count = 0

    def step() -> None:
        nonlocal count
        tick()
        if record is not None:
            record()
        count += 1
        if heartbeat is not None and not count & 4095:
            heartbeat()

    return step


def load_file(
    db: Database, path: str | os.PathLike[str], opts: LoadOptions | None = None
) -> LoadResult:
    """Load the import file at ``path`` in one transaction; see :class:`LoadResult`.

    An ``OSError`` (the file vanished or cannot be read) is raised as it is:
    nothing about the file's content is known, so the caller retries later.
    """
    opts = opts or LoadOptions()
    path = Path(path)
    name = path.name
    if opts.kind == "folder" and not stat.S_ISREG(os.lstat(path).st_mode):
        return LoadResult(name, IGNORED, error="not a regular file: never opened")
    size, mtime_ns = _stat(path)
    parsed = parse_import_name(name)
    readers: list[Reader] = []
    try:
        with db.write() as session:
            if db.dialect == "postgresql" and not try_transaction_lock(session, IMPORT_LOCK):
                return LoadResult(name, BUSY)
            if opts.kind == "folder" and already_loaded(session, name, size, mtime_ns):
                return LoadResult(name, ALREADY)
            big = parsed is not None and parsed.type in BIG_TYPES
            f = _open(path, size, opts, check_duplicates=not big)
            if big != (f.info.type in BIG_TYPES):
                f.close()
                f = _open(path, size, opts, check_duplicates=True)
            readers.append(f)
            with f:
                result = _load_open(session, f, _FileFacts(name, parsed, size, mtime_ns), opts)
    except ImportFormatError as exc:
        result = _failed(db, name, parsed, size, mtime_ns, exc, opts, readers)
    except IntegrityError as exc:
        # a key twice in the file met a primary key: find the two lines
        found = find_duplicate(path, opts.max_bytes)
        if found is None:
            raise
        log.debug("duplicate key in %s: %s", name, exc)
        result = _failed(db, name, parsed, size, mtime_ns, found, opts, readers)
    if result.status == OBSOLETE:
        record_skipped(
            db,
            kind=opts.kind,
            node=opts.node,
            type_name=result.type,
            store=result.store,
            number=result.number,
            fullness=result.fullness,
            file=name,
            size=size,
            mtime_ns=mtime_ns,
            reason=result.error or "",
        )
        log.info("import %s not loaded: %s", name, result.error)
    if opts.progress is not None:
        opts.progress.finish(result.to_json())
    return result


@dataclass(frozen=True)
class _FileFacts:
    name: str
    parsed: ImportName | None
    size: int
    mtime_ns: int


def _load_open(session: Session, f: Reader, facts: _FileFacts, opts: LoadOptions) -> LoadResult:
    """Everything after opening: store known, order, the records, the tills' documents."""
    info = f.info
    name = facts.name
    number = facts.parsed.number if facts.parsed is not None else None
    warnings = list(f.warnings)
    if facts.parsed is not None:
        warnings.extend(compare_name(facts.parsed, info))
    store = info.store_id or ""
    if IMPORT_TYPES[info.type].store_scoped and not store_known(session, store):
        return LoadResult(
            name,
            WAITING,
            info.type,
            store,
            info.fullness,
            number,
            warnings=(
                _(
                    "{file}: store {store} is not known on this server; "
                    "the file waits until a stores file (or the admin API) adds it",
                    file=name,
                    store=store,
                ),
            ),
        )
    problem = None if opts.force else order_problem(session, name, number, info.type, store)
    if problem is not None:
        return LoadResult(
            name, OBSOLETE, info.type, store or None, info.fullness, number, error=problem
        )
    change = begin_change(
        session,
        opts.kind,
        info.type,
        store=store,
        node=opts.node,
        number=number,
        fullness=info.fullness,
        file=name,
        size=facts.size,
        mtime_ns=facts.mtime_ns,
    )
    change.warnings.extend(warnings)
    change.tick = Cooperator(SLICE_S).tick
    n = _dispatch(change, f, _stepper(opts, f), opts)
    if f.ignored:
        change.warn(
            _(
                "elements not read (unknown here): {elements}",
                elements=", ".join(f"{k} ({v})" for k, v in sorted(f.ignored.items())),
            )
        )
    change.notes.update(f.notes.entries)
    channels = publish(change, opts.max_records)
    finish_change(change, LOADED, n)
    return LoadResult(
        name,
        LOADED,
        info.type,
        store or None,
        info.fullness,
        number,
        n,
        change.changes,
        change.version,
        tuple(change.report()),
        channels=frozenset(channels),
    )


def find_duplicate(path: Path, max_bytes: int) -> ImportFormatError | None:
    """Read ``path`` again with the reader's duplicate check: the error naming both lines."""
    try:
        with open_import(path, max_bytes=max_bytes, strict=False, check_duplicates=True) as f:
            for _ in f.records():
                pass
    except ImportFormatError as exc:
        return exc
    return None


def _failed(
    db: Database,
    name: str,
    parsed: ImportName | None,
    size: int,
    mtime_ns: int,
    exc: ImportFormatError,
    opts: LoadOptions,
    readers: list[Reader],
) -> LoadResult:
    notes = readers[-1].notes.lines() if readers else []
    f = record_failure(
        db, name, parsed, size, mtime_ns, exc, kind=opts.kind, node=opts.node, warnings=notes
    )
    return LoadResult(
        name,
        FAILED,
        f.type,
        f.store,
        f.fullness,
        f.number,
        warnings=tuple(notes),
        error=exc.text(),
        line=exc.line,
        field=exc.field,
    )
