"""The integration module's folder actors: source watcher, one distributor per till,
sales collector (the settings client is in ``settings``). They share a ``Shared``
object (settings in force, status).

Every folder operation runs in the module's own thread pool, never in the
node's event loop: a folder on a network share that hangs (a hard NFS mount,
an SMB server gone) holds up only the actor waiting for it, while the other
tills, ``/status`` and the bridge go on. A hung actor is stopped by its
supervisor's kill on shutdown; its thread finishes when the share answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pykka
from gevent.threadpool import ThreadPool
from pykka import ActorDeadError

from ukm_actors.isotime import local_now
from ukm_actors.nodes.integration.distribution.durable import (
    StateFileError,
    read_json,
    remove_stale_temps,
)
from ukm_actors.nodes.integration.distribution.journal import SourceEntry, SourceJournal
from ukm_actors.nodes.integration.distribution.layout import StoreLayout, TillFolders
from ukm_actors.nodes.integration.distribution.queue import TillQueue
from ukm_actors.nodes.integration.distribution.sales import SalesLedger
from ukm_actors.nodes.integration.distribution.scan import Scan, Settler
from ukm_actors.supervision import Backoff, ChildSpec, Supervisor, Ticking, wake

log = logging.getLogger(__name__)

SOURCE = "source_watcher"
SALES = "sales_collector"
SETTINGS = "settings_client"
TILLS = "tills"
POOL_SIZE = 32
"""Threads for folder work: enough for every till's distributor, the watcher and the
collector, with room for some that hang on a dead share."""

T = TypeVar("T")


def distributor_name(node_id: str) -> str:
    return f"distributor-{node_id}"


@dataclass
class Shared:
    """What the integration actors share within one node (survives their restarts)."""

    state_dir: Path
    poll: float
    settle: float
    width: int
    batch: int
    retry_maximum: float
    layout: StoreLayout | None = None
    origin: str = ""
    """Where ``layout`` came from: server, cache or local."""
    settings_error: str | None = None
    settings_at: str | None = None
    applied: dict[str, TillFolders] = field(default_factory=dict)
    """The tills whose distributors run now."""
    tills: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    sales: dict[str, dict[str, Any]] = field(default_factory=dict)
    pool: ThreadPool = field(default_factory=lambda: ThreadPool(POOL_SIZE, idle_task_timeout=30.0))

    def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker thread; the calling greenlet waits, others run."""
        result: T = self.pool.spawn(fn, *args).get()
        return result

    def till_state_path(self, node_id: str) -> Path:
        return self.state_dir / "tills" / f"{node_id}.json"

    def status(self) -> dict[str, Any]:
        layout = self.layout
        return {
            "store": layout.store if layout else None,
            "settings": {
                "from": self.origin or None,
                "error": self.settings_error,
                "fetched_at": self.settings_at,
            },
            "source_dir": str(layout.source_dir) if layout else None,
            "sales_dir": str(layout.sales_dir) if layout else None,
            "source": self.source,
            "tills": {t.node_id: self.tills.get(t.node_id, {}) for t in layout.tills}
            if layout
            else {},
            "sales": self.sales,
        }

    def distributor_spec(self, till: TillFolders) -> ChildSpec:
        return ChildSpec(
            distributor_name(till.node_id),
            lambda: Distributor.start(till, self),
            backoff=Backoff(
                initial=min(0.5, self.retry_maximum), maximum=self.retry_maximum, reset_after=30.0
            ),
            shutdown=10.0,
        )

    def tills_spec(self) -> ChildSpec:
        """The supervisor of the distributors; a restart brings back the ones applied."""
        return ChildSpec(
            TILLS,
            lambda: Supervisor.start(
                children=[self.distributor_spec(t) for t in self.applied.values()],
                strategy="one_for_one",
                max_restarts=10,
                period=60.0,
            ),
            shutdown=30.0,
        )


def now_text() -> str:
    return local_now()


class SourceWatcher(Ticking):
    """Admits the trade system's files into the journal; removes each one from the source
    folder once every till's queue holds it."""

    def __init__(self, shared: Shared) -> None:
        super().__init__()
        self.shared = shared
        self.settler = Settler(shared.settle)
        self.journal: SourceJournal | None = None

    def on_start(self) -> None:
        self.journal = self.shared.blocking(self._open)
        self.schedule(0)

    def _open(self) -> SourceJournal:
        self.shared.state_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(self.shared.state_dir)
        return SourceJournal(self.shared.state_dir / "source.json")

    def entries_after(self, cursor: int, limit: int) -> list[SourceEntry]:
        """Admitted files a till with this cursor has not taken yet, oldest first."""
        assert self.journal is not None
        return self.journal.after(cursor, limit)

    def _cursor(self, node_id: str) -> int:
        try:
            raw = read_json(self.shared.till_state_path(node_id))
        except StateFileError:
            return 0
        return int(raw["cursor"]) if isinstance(raw, dict) and "cursor" in raw else 0

    def _pass(
        self, layout: StoreLayout, journal: SourceJournal
    ) -> tuple[Scan, list[SourceEntry], list[Path]]:
        """Scan, admit, release (in a worker thread)."""
        layout.source_dir.mkdir(parents=True, exist_ok=True)
        scan = self.settler.scan(layout.source_dir)
        added = journal.admit(str(layout.source_dir), scan.settled)
        removed: list[Path] = []
        if layout.tills:
            removed = journal.release(min(self._cursor(t.node_id) for t in layout.tills))
        return scan, added, removed

    def tick(self) -> None:
        layout, journal = self.shared.layout, self.journal
        if layout is None or journal is None:
            self.schedule(self.shared.poll)
            return
        scan, added, removed = self.shared.blocking(self._pass, layout, journal)
        if added:
            log.info("%d new file(s) in %s", len(added), layout.source_dir)
            for t in layout.tills:
                wake(self.names.find(distributor_name(t.node_id)) if self.names else None)
        self.shared.source = {
            "waiting": len(journal.entries),
            "admitted_total": journal.next_seq - 1,
            "refused": scan.refused,
            "removed_total": self.shared.source.get("removed_total", 0) + len(removed),
            "last_scan": now_text(),
        }
        if scan.refused:
            log.warning("files refused in %s: %s", layout.source_dir, scan.refused)
        self.schedule(self.shared.poll)


class Distributor(Ticking):
    """Copies every admitted source file into one till's numbered queue folder."""

    def __init__(self, till: TillFolders, shared: Shared) -> None:
        super().__init__()
        self.till = till
        self.shared = shared
        self.queue: TillQueue | None = None

    def on_start(self) -> None:
        self._report(error=None)
        queue = TillQueue(
            self.till, self.shared.till_state_path(self.till.node_id), self.shared.width
        )
        queue.cooperate = False
        try:
            self.shared.blocking(queue.recover)
        except OSError as exc:
            self._report(error=f"queue folder {self.till.folder}: {exc}")
            raise
        self.queue = queue
        self._report(error=None)
        self.schedule(0)

    def _report(self, error: str | None, **extra: Any) -> None:
        info = self.shared.tills.setdefault(self.till.node_id, {})
        info.update(self.queue.status() if self.queue else {"folder": str(self.till.folder)})
        info["error"] = error
        info.update(extra)

    def tick(self) -> None:
        assert self.queue is not None
        source = self.names.find(SOURCE) if self.names else None
        if source is None:
            self.schedule(self.shared.poll)
            return
        try:
            entries = (
                source.proxy().entries_after(self.queue.cursor, self.shared.batch).get(timeout=10)
            )
        except (pykka.Timeout, ActorDeadError):
            self.schedule(self.shared.poll)
            return
        try:
            result = self.shared.blocking(self.queue.deliver, entries)
        except OSError as exc:
            self._report(error=f"queue folder {self.till.folder}: {exc}")
            raise
        self._report(error=None, waiting_for=result.waiting)
        if result.skipped:
            log.warning(
                "%s: source files gone or rewritten before they were copied: %s",
                self.till.node_id,
                result.skipped,
            )
        if result.queued or result.skipped:
            wake(source)
        more = len(entries) == self.shared.batch and result.waiting is None
        self.schedule(0 if more else self.shared.poll)


class SalesCollector(Ticking):
    """Copies each till's sales files into the trade system's folder, once."""

    def __init__(self, shared: Shared) -> None:
        super().__init__()
        self.shared = shared
        self.ledgers: dict[str, SalesLedger] = {}
        self.settlers: dict[str, Settler] = {}

    def on_start(self) -> None:
        self.schedule(0)

    def _ledger(self, till: TillFolders, sales_dir: Path) -> SalesLedger:
        ledger = self.ledgers.get(till.node_id)
        if ledger is None or ledger.till != till:
            ledger = SalesLedger(till, self.shared.state_dir / "sales" / f"{till.node_id}.json")
            ledger.cooperate = False
            ledger.finish_pending()
            ledger.remove_orphans(sales_dir)
            self.ledgers[till.node_id] = ledger
            self.settlers[till.node_id] = Settler(self.shared.settle)
        return ledger

    def _pass(self, layout: StoreLayout) -> None:
        """One pass over every till's sales folder (in a worker thread).

        A till whose folder cannot be listed is skipped (its status says
        why); an error writing ``sales_dir`` fails the collector.
        """
        layout.sales_dir.mkdir(parents=True, exist_ok=True)
        for till in layout.tills:
            ledger = self._ledger(till, layout.sales_dir)
            info = self.shared.sales.setdefault(till.node_id, {})
            try:
                scan = self.settlers[till.node_id].scan(till.sales_folder)
            except OSError as exc:
                info.update(ledger.status(), error=f"cannot list {till.sales_folder}: {exc}")
                continue
            files = [f for f in scan.settled if ledger.is_new(*f)]
            result = ledger.collect(files, scan.present, layout.sales_dir)
            if result.copied:
                log.info("%s: %d sales file(s) copied", till.node_id, len(result.copied))
            info.update(ledger.status(), error=None, waiting=result.waiting, refused=scan.refused)

    def tick(self) -> None:
        layout = self.shared.layout
        if layout is not None:
            self.shared.blocking(self._pass, layout)
        self.schedule(self.shared.poll)
