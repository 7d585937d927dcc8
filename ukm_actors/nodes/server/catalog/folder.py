"""The import folder: which files to load, in which order, and where they go afterwards.

A look at the folder (:class:`~ukm_actors.exchange.watch.FolderWatch`)
gives the exchange files whose size and modification time have stayed the
same for ``settle`` seconds (a file still being copied is never read), and
the entries that will never be read (symbolic links, folders, other names:
logged once and recorded as ``ignored``, so ``GET /api/v1/imports`` lists
them). The ready files are planned with ``plan_imports`` (per type and
store: the newest full file, then every newer incremental one) and loaded
one by one:

- loaded → ``processed/``; obsolete (numbered at or below a file of its type
  already loaded) → ``processed/``, recorded as ``skipped``;
- failed → ``failed/``, with ``<name>.error.txt`` beside it (file, line,
  field, what to do). The rest of that type (and store) waits until a full
  file numbered above the failed one arrives, or the failed file itself
  arrives again under the same name (a copy that was cut short, now
  complete); other types go on. The failure is kept in the database, so
  this holds across restarts and for every server of a cluster;
- a store-scoped file for a store this server does not know stays where it
  is (warned once) until the store appears;
- while a file of a type that loads earlier (``LOAD_ORDER``: items before
  prices …) is still arriving, the later types wait for it.

Only one server of a cluster scans at a time: the scan holds the lease
``catalog.import`` (renewed while a long file loads on PostgreSQL) and the
load itself an advisory transaction lock.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_import import (
    IMPORT_TYPES,
    LOAD_ORDER,
    ImportBatch,
    ImportName,
    parse_import_name,
    plan_imports,
)
from ukm_actors.codecs.ukm_schema import FULL
from ukm_actors.db import Database
from ukm_actors.db.leases import release, try_acquire
from ukm_actors.exchange.folder import PROCESSED, Refusal, move_aside, refuse
from ukm_actors.exchange.watch import FolderWatch, Ignored
from ukm_actors.i18n import DEFAULT_LANGUAGE, _
from ukm_actors.nodes.server.catalog.history import (
    already_loaded,
    newest_loaded,
    record_ignored,
    record_skipped,
)
from ukm_actors.nodes.server.catalog.loader import (
    ALREADY,
    BUSY,
    OBSOLETE,
    WAITING,
    LoadOptions,
    LoadResult,
    load_file,
)
from ukm_actors.nodes.server.catalog.tables_changes import (
    FAILED,
    IGNORED,
    LOADED,
    CatalogLoad,
)

log = logging.getLogger("ukm_actors.nodes.server.catalog")

LEASE = "catalog.import"


@dataclass(frozen=True)
class BatchState:
    """What the database remembers of one type (and store): the highest number loaded
    (full or incremental), and the newest failure after it (``blocked_by``, the file
    ``blocked_file``: later files wait for a newer full file or that file again)."""

    last_loaded: int | None
    blocked_by: int | None
    blocked_file: str | None = None


def batch_state(session: Session, type_name: str, store: str) -> BatchState:
    """The :class:`BatchState` of ``type_name`` (and ``store``, "" for chain-wide types)."""
    last = newest_loaded(session, type_name, store)
    if IMPORT_TYPES[type_name].incremental_only:
        return BatchState(last, None)
    q = (
        select(CatalogLoad.number, CatalogLoad.file)
        .where(
            CatalogLoad.type == type_name,
            CatalogLoad.store == store,
            CatalogLoad.status == FAILED,
            CatalogLoad.kind == "folder",
            CatalogLoad.number.is_not(None),
        )
        .order_by(CatalogLoad.number.desc(), CatalogLoad.id.desc())
        .limit(1)
    )
    if last is not None:
        q = q.where(CatalogLoad.number > last)
    row = session.execute(q).first()
    if row is None:
        return BatchState(last, None)
    return BatchState(last, row[0], row[1])


def refusal(result: LoadResult, type_name: str | None) -> Refusal:
    """What the ``.error.txt`` beside a refused import file says."""
    what = type_name or _("this type")
    number = result.number if result.number is not None else _("this one")
    return Refusal(
        result.file,
        result.error or "",
        result.line,
        result.field,
        _(
            "send a new full file of {what} (fullness F, numbered above {number}), or this "
            "file again under the same name if it was cut short. Until then the {what} files "
            "in the import folder wait; the other types go on loading.",
            what=what,
            number=number,
        ),
        result.warnings,
    )


def error_text(result: LoadResult, type_name: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """The ``.error.txt`` beside a refused file: where, what, what was assumed, what to do."""
    return refusal(result, type_name).text(language)


class ImportFolder:
    """Scans one import folder and loads what is ready (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        *,
        settle: float = 2.0,
        options: LoadOptions | None = None,
        holder: str = "",
        lease_ttl: float = 60.0,
        notify: Callable[[Iterable[str]], None] | None = None,
        clock: Callable[[], float] | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.db = db
        self.folder = folder
        self.language = language
        """The language of the ``.error.txt`` left beside a refused file (``[node] language``)."""
        self.options = options or LoadOptions()
        self.holder = holder or self.options.node or "loader"
        self.lease_ttl = lease_ttl
        self.notify = notify
        self.watch: FolderWatch[ImportName] = FolderWatch(
            folder, settle, clock, parse=parse_import_name
        )
        self._unsettled: frozenset[str] = frozenset()
        self._ignored: tuple[Ignored, ...] = ()
        self._warned: set[tuple[str, int]] = set()
        self._reported: set[tuple[str, int, int]] = set()
        self._renewed = 0.0
        if db.dialect == "postgresql":
            self.options.heartbeat = self._heartbeat

    @property
    def settle(self) -> float:
        return self.watch.stable

    # -- the lease ---------------------------------------------------------------

    def _take_lease(self) -> bool:
        with self.db.write() as session:
            ok = try_acquire(session, LEASE, self.holder, self.lease_ttl)
        self._renewed = time.monotonic()
        return ok

    def _heartbeat(self) -> None:
        """Renew the lease from a side connection while one long file loads (PostgreSQL)."""
        if time.monotonic() - self._renewed < self.lease_ttl / 3:
            return
        with self.db.engine.begin() as conn, Session(bind=conn) as session:
            try_acquire(session, LEASE, self.holder, self.lease_ttl)
            session.flush()
        self._renewed = time.monotonic()

    def release(self) -> None:
        """Give the lease up (on stop), so another server may scan at once."""
        with self.db.write() as session:
            release(session, LEASE, self.holder)

    # -- scanning ---------------------------------------------------------------------

    def ready_names(self) -> list[ImportName]:
        """Import files whose size and time have not changed for ``settle`` seconds."""
        look = self.watch.look()
        self._unsettled = look.unsettled
        self._ignored = tuple(i for i in look.ignored if self._new_ignored(i))
        return list(look.ready)

    def _new_ignored(self, entry: Ignored) -> bool:
        return (entry.name, entry.size, entry.mtime_ns) not in self._reported

    def _move(self, name: str, sub: str) -> Path | None:
        return move_aside(self.folder, name, sub)

    def _warn_once(self, name: str, message: str) -> None:
        try:
            key = (name, os.stat(self.folder / name).st_mtime_ns)
        except OSError:
            return
        if key not in self._warned:
            self._warned.add(key)
            log.warning("%s", message)

    def _report_ignored(self) -> None:
        """Log and record each ignored entry once (per name, size and time)."""
        for entry in self._ignored:
            key = (entry.name, entry.size, entry.mtime_ns)
            if key in self._reported:
                continue
            self._reported.add(key)
            log.warning("import folder: %s ignored: %s", entry.name, entry.reason)
            record_ignored(
                self.db,
                node=self.options.node,
                file=entry.name,
                parsed=entry.parsed,
                size=entry.size,
                mtime_ns=entry.mtime_ns,
                reason=entry.reason,
            )

    def scan(self) -> list[LoadResult]:
        """Load everything that is ready; returns what happened to each file loaded or refused."""
        ready = self.ready_names()
        if not ready and not self._ignored:
            return []
        if not self._take_lease():
            log.debug("another server holds the import lease; not scanning")
            return []
        self._report_ignored()
        plan = plan_imports(ready)
        for name in plan.skipped:
            self._skip(
                name, "an import file of the same type with a higher number is loaded instead"
            )
        results: list[LoadResult] = []
        for batch in plan.batches:
            if not self._run_batch(batch, results):
                break
        return results

    def _loaded_before(self, name: ImportName) -> bool:
        """True for a file loaded whole before a crash left it in the folder."""
        try:
            st = os.lstat(self.folder / name.filename)
        except OSError:
            return False
        with self.db.read() as session:
            return already_loaded(session, name.filename, st.st_size, st.st_mtime_ns)

    def _skip(self, name: ImportName, reason: str) -> None:
        if self._move(name.filename, PROCESSED) is not None:
            log.info("import %s skipped: %s", name.filename, reason)
            spec = IMPORT_TYPES[name.type]
            record_skipped(
                self.db,
                kind="folder",
                node=self.options.node,
                type_name=name.type,
                store=(name.store_id or "") if spec.store_scoped else "",
                number=name.number,
                fullness=name.fullness,
                file=name.filename,
                size=None,
                mtime_ns=None,
                reason=reason,
            )

    def _waits(self, files: list[ImportName], state: BatchState) -> bool:
        """True when a failure holds ``files`` back (see the module docstring)."""
        if state.blocked_by is None:
            return False
        first = files[0]
        if first.fullness == FULL and first.number > state.blocked_by:
            return False
        return first.filename != state.blocked_file

    def _run_batch(self, batch: ImportBatch, results: list[LoadResult]) -> bool:
        """Load one batch; False when the whole scan must stop (another server is loading)."""
        store = batch.store_id or ""
        with self.db.read() as session:
            state = batch_state(session, batch.type, store)
        files = list(batch.files)
        if state.last_loaded is not None:
            for name in [f for f in files if f.number <= state.last_loaded]:
                if self._loaded_before(name):
                    self._move(name.filename, PROCESSED)
                else:
                    self._skip(name, f"{batch.type} file {state.last_loaded} is already loaded")
            files = [f for f in files if f.number > state.last_loaded]
        if not files:
            return True
        order = LOAD_ORDER.index(batch.type)
        if any(LOAD_ORDER.index(t) < order for t in self._unsettled):
            log.debug("%s waits for files of earlier types still arriving", batch.type)
            return True
        if self._waits(files, state):
            for name in files:
                self._warn_once(
                    name.filename,
                    f"{name.filename} waits: {batch.type} file {state.blocked_by} failed; "
                    f"send a new full {batch.type} file numbered above {state.blocked_by}",
                )
            return True
        for name in files:
            result = load_file(self.db, self.folder / name.filename, self.options)
            if result.status == BUSY:
                return False
            if not self._settle(batch, name, result, results):
                return True
        return True

    def _settle(
        self, batch: ImportBatch, name: ImportName, result: LoadResult, results: list[LoadResult]
    ) -> bool:
        """Move/record what became of one file; False when the rest of the batch must wait."""
        if result.status == WAITING:
            for w in result.warnings:
                self._warn_once(name.filename, w)
            return False
        if result.status in (OBSOLETE, IGNORED):
            sub = PROCESSED if result.status == OBSOLETE else None
            if sub is not None and self._move(name.filename, sub) is not None:
                log.info("import %s skipped: %s", name.filename, result.error)
            return True
        if result.status in (LOADED, ALREADY):
            self._move(name.filename, PROCESSED)
            if result.status == LOADED:
                results.append(result)
                self._log_loaded(result)
                if self.notify is not None and result.channels:
                    self.notify(result.channels)
            return True
        results.append(result)
        for w in result.warnings[:20]:
            log.warning("import %s (refused): %s", result.file, w)
        refuse(self.folder, name.filename, refusal(result, batch.type), self.language)
        return False

    def _log_loaded(self, result: LoadResult) -> None:
        log.info(
            "import %s loaded: %d records, %d changes%s",
            result.file,
            result.records,
            result.changes,
            f", {len(result.channels)} till(s) notified" if result.channels else "",
        )
        for w in result.warnings[:20]:
            log.warning("import %s: %s", result.file, w)
