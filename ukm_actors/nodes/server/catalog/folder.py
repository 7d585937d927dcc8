"""The import folder: which files to load, in which order, and where they go afterwards.

One scan takes the files whose size and modification time have stayed
the same since the previous scan and are at least ``settle`` seconds old
(a file still being copied is never read), plans them with
``plan_imports`` (per type and store: the newest full file, then every
newer incremental one) and loads them one by one:

- loaded → ``processed/``; superseded (an older number) → ``processed/``;
- failed → ``failed/``, with ``<name>.error.txt`` beside it (file, line,
  field, what to do). The rest of that type (and store) waits until a full
  file numbered above the failed one arrives; other types go on. The
  failure is kept in the database, so this holds across restarts and for
  every server of a cluster;
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

from sqlalchemy import func, select
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
from ukm_actors.nodes.server.catalog.change import now
from ukm_actors.nodes.server.catalog.loader import (
    ALREADY,
    BUSY,
    WAITING,
    LoadOptions,
    LoadResult,
    load_file,
)
from ukm_actors.nodes.server.catalog.tables_changes import FAILED, LOADED, SKIPPED, CatalogLoad

log = logging.getLogger("ukm_actors.nodes.server.catalog")

LEASE = "catalog.import"
PROCESSED = "processed"
FAILED_DIR = "failed"


@dataclass(frozen=True)
class BatchState:
    """What the database remembers of one type (and store): the newest full file loaded,
    and the newest failure after it (``blocked_by``: files wait for a newer full file)."""

    last_full: int | None
    blocked_by: int | None


def batch_state(session: Session, type_name: str, store: str) -> BatchState:
    """The :class:`BatchState` of ``type_name`` (and ``store``, "" for chain-wide types)."""
    last_full = session.execute(
        select(func.max(CatalogLoad.number)).where(
            CatalogLoad.type == type_name,
            CatalogLoad.store == store,
            CatalogLoad.status == LOADED,
            CatalogLoad.fullness == FULL,
        )
    ).scalar()
    if IMPORT_TYPES[type_name].incremental_only:
        return BatchState(last_full, None)
    q = select(func.max(CatalogLoad.number)).where(
        CatalogLoad.type == type_name,
        CatalogLoad.store == store,
        CatalogLoad.status == FAILED,
        CatalogLoad.kind == "folder",
    )
    if last_full is not None:
        q = q.where(CatalogLoad.number > last_full)
    return BatchState(last_full, session.execute(q).scalar())


def unique_target(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/name.1`` … when that is taken."""
    target = folder / name
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{name}.{n}"
    return target


def error_text(result: LoadResult, type_name: str | None) -> str:
    """The ``.error.txt`` beside a refused file: where, what, and what to do."""
    what = type_name or "this type"
    lines = [
        f"file:    {result.file}",
        f"line:    {result.line if result.line is not None else '-'}",
        f"field:   {result.field or '-'}",
        f"error:   {result.error}",
        "",
        "Nothing from this file was loaded; the directories are as they were before it.",
        f"What to do: send a new full file of {what} (fullness F, numbered above "
        f"{result.number if result.number is not None else 'this one'}). Until then the "
        f"{what} files in the import folder wait; the other types go on loading.",
        "",
    ]
    return "\n".join(lines)


class ImportFolder:
    """Scans one import folder and loads what is ready (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        *,
        settle: float = 1.0,
        options: LoadOptions | None = None,
        holder: str = "",
        lease_ttl: float = 60.0,
        notify: Callable[[Iterable[str]], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.folder = folder
        self.settle = settle
        self.options = options or LoadOptions()
        self.holder = holder or self.options.node or "loader"
        self.lease_ttl = lease_ttl
        self.notify = notify
        self.clock = clock
        self._sizes: dict[str, tuple[int, int]] = {}
        self._unsettled: set[str] = set()
        self._warned: set[tuple[str, int]] = set()
        self._renewed = 0.0
        if db.dialect == "postgresql":
            self.options.heartbeat = self._heartbeat

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
        """Import files that have not changed since the last look and are ``settle`` s old."""
        now_s = self.clock()
        sizes: dict[str, tuple[int, int]] = {}
        ready: list[ImportName] = []
        unsettled: set[str] = set()
        with os.scandir(self.folder) as it:
            for entry in it:
                if not entry.is_file():
                    continue
                name = parse_import_name(entry.name)
                if name is None:
                    continue
                st = entry.stat()
                key = (st.st_size, st.st_mtime_ns)
                sizes[entry.name] = key
                if self._sizes.get(entry.name) == key and now_s - st.st_mtime >= self.settle:
                    ready.append(name)
                elif name.known:
                    unsettled.add(name.type)
        self._sizes = sizes
        self._unsettled = unsettled
        return ready

    def _move(self, name: str, sub: str) -> Path | None:
        target_dir = self.folder / sub
        target_dir.mkdir(exist_ok=True)
        target = unique_target(target_dir, name)
        try:
            os.replace(self.folder / name, target)
        except FileNotFoundError:
            return None
        return target

    def _warn_once(self, name: str, message: str) -> None:
        try:
            key = (name, os.stat(self.folder / name).st_mtime_ns)
        except OSError:
            return
        if key not in self._warned:
            self._warned.add(key)
            log.warning("%s", message)

    def _record_skip(self, name: ImportName, reason: str) -> None:
        spec = IMPORT_TYPES[name.type]
        with self.db.write() as session:
            session.add(
                CatalogLoad(
                    kind="folder",
                    type=name.type,
                    store=(name.store_id or "") if spec.store_scoped else "",
                    number=name.number,
                    fullness=name.fullness,
                    file=name.filename,
                    status=SKIPPED,
                    warnings=reason,
                    node=self.options.node,
                    started_at=now(),
                    finished_at=now(),
                )
            )

    def scan(self) -> list[LoadResult]:
        """Load everything that is ready; returns what happened to each file loaded or refused."""
        ready = self.ready_names()
        if not ready:
            return []
        if not self._take_lease():
            log.debug("another server holds the import lease; not scanning")
            return []
        plan = plan_imports(ready)
        for name in plan.skipped:
            self._skip(
                name, "an import file of the same type with a higher number is loaded instead"
            )
        for name in plan.unknown:
            self._warn_once(
                name.filename,
                f"{name.filename}: files of type {name.type} are not read by this server; "
                "left in place",
            )
        results: list[LoadResult] = []
        for batch in plan.batches:
            if not self._run_batch(batch, results):
                break
        return results

    def _skip(self, name: ImportName, reason: str) -> None:
        if self._move(name.filename, PROCESSED) is not None:
            log.info("import %s skipped: %s", name.filename, reason)
            self._record_skip(name, reason)

    def _run_batch(self, batch: ImportBatch, results: list[LoadResult]) -> bool:
        """Load one batch; False when the whole scan must stop (another server is loading)."""
        store = batch.store_id or ""
        with self.db.read() as session:
            state = batch_state(session, batch.type, store)
        files = list(batch.files)
        spec = IMPORT_TYPES[batch.type]
        if state.last_full is not None and not spec.incremental_only:
            for name in [f for f in files if f.number <= state.last_full]:
                self._skip(name, f"full file {state.last_full} of {batch.type} is already loaded")
            files = [f for f in files if f.number > state.last_full]
        if not files:
            return True
        order = LOAD_ORDER.index(batch.type)
        if any(LOAD_ORDER.index(t) < order for t in self._unsettled):
            log.debug("%s waits for files of earlier types still arriving", batch.type)
            return True
        if state.blocked_by is not None and not (
            files[0].fullness == FULL and files[0].number > state.blocked_by
        ):
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
            if result.status == WAITING:
                for w in result.warnings:
                    self._warn_once(name.filename, w)
                return True
            if result.status in (LOADED, ALREADY):
                self._move(name.filename, PROCESSED)
                if result.status == LOADED:
                    results.append(result)
                    self._log_loaded(result)
                    if self.notify is not None and result.channels:
                        self.notify(result.channels)
                continue
            results.append(result)
            target = self._move(name.filename, FAILED_DIR)
            if target is not None:
                (target.parent / f"{target.name}.error.txt").write_text(
                    error_text(result, batch.type), encoding="utf-8"
                )
            return True
        return True

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
