"""``Exporter``: writes receipts, shift opens, cash in/out and shift closes for the trade system.

Woken by a tell when a document arrives (after its transaction commits)
and by a periodic scan, it runs ``export_pending`` until nothing is left.
When the export folder cannot be written it logs a clear error, shows it
in ``/status`` (``ExportHealth``), and retries with a growing pause (1 s,
2 s, 4 s … up to ``[server] export_retry_max``); the documents stay
pending, so nothing is lost. In a cluster sharing one PostgreSQL only the
holder of the ``sales.exporter`` lease exports; another server takes over
when that lease expires. The holder also deletes the ``.<name>.<random>.tmp``
files a killed exporter left (older than half a lease): a writer that was
only paused finds its temporary file gone, fails the rename, and its rows
stay pending, so deleting is always safe.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukm_actors.db import Database
from ukm_actors.db.leases import release, try_acquire
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.server.sales.exportwork import ExportFolderError, export_pending
from ukm_actors.supervision import Ticking

log = logging.getLogger(__name__)

LEASE = "sales.exporter"


@dataclass
class ExportHealth:
    """What the exporter last saw; outlives restarts of the actor (shown in /status)."""

    directory: str
    error: str | None = None
    failing_since: float | None = None
    retries: int = 0
    next_retry: float | None = None
    last_success: float | None = None
    written: int = 0
    failed: int = 0
    active: bool = False
    """This process holds the export lease."""

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.directory,
            "state": "failing" if self.error else "ok",
            "error": self.error,
            "failing_since": iso_utc(self.failing_since, z=True),
            "retries": self.retries,
            "next_retry": iso_utc(self.next_retry, z=True),
            "last_success": iso_utc(self.last_success, z=True),
            "written_since_start": self.written,
            "failed_since_start": self.failed,
            "exporting_here": self.active,
        }


@dataclass(frozen=True)
class Wake:
    """A document arrived: export soon."""


class Exporter(Ticking):
    """The one actor that writes export files (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        directory: Path,
        health: ExportHealth,
        *,
        scan: float = 5.0,
        retry_max: float = 60.0,
        holder: str = "",
        lease_ttl: float | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.directory = directory
        self.health = health
        self.scan = scan
        self.retry_max = retry_max
        self.holder = holder
        self.lease_ttl = lease_ttl or max(30.0, 3 * scan)
        self._lease_until = 0.0
        self._failures = 0

    # -- life ---------------------------------------------------------------------------

    def on_start(self) -> None:
        self.schedule(0.0)

    def on_stop(self) -> None:
        super().on_stop()
        if self._lease_until:
            try:
                with self.db.write() as session:
                    release(session, LEASE, self.holder)
            except Exception:  # the lease expires on its own
                log.debug("could not release the export lease", exc_info=True)
        self.health.active = False

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Wake):
            if self._failures == 0:
                self.schedule(0.0, sooner_only=True)
            return None
        return super().on_receive(message)

    # -- work ------------------------------------------------------------------------------

    def _holds_lease(self) -> bool:
        now = time.monotonic()
        if now < self._lease_until - self.lease_ttl / 2:
            return True
        with self.db.write() as session:
            ours = try_acquire(session, LEASE, self.holder, self.lease_ttl)
        if ours:  # on taking the lease and on every renewal (every lease_ttl / 2)
            remove_stale_temporaries(self.directory, self.lease_ttl / 2)
        self._lease_until = now + self.lease_ttl if ours else 0.0
        self.health.active = ours
        return ours

    def _still_ours(self) -> bool:
        """The lease has not run out (monotonic time: a paused process sees the jump)."""
        return time.monotonic() < self._lease_until

    def tick(self) -> None:
        if not self._holds_lease():
            self.schedule(self.scan)
            return
        try:
            result = export_pending(self.db, self.directory, still_ours=self._still_ours)
        except ExportFolderError as exc:
            self._failed(exc)
            return
        if self._failures:
            log.info(
                "the export folder %s is writable again; exporting the waiting documents",
                self.directory,
            )
        self._failures = 0
        h = self.health
        h.error = h.failing_since = h.next_retry = None
        h.retries = 0
        h.written += result.written
        h.failed += result.failed
        if result.written or result.failed:
            h.last_success = time.time()
        self.schedule(0.0 if result.more else self.scan)

    def _failed(self, exc: ExportFolderError) -> None:
        self._failures += 1
        delay = min(self.retry_max, 2.0 ** (self._failures - 1))
        h = self.health
        if h.failing_since is None:
            h.failing_since = time.time()
        h.error = str(exc)
        h.retries = self._failures
        h.next_retry = time.time() + delay
        log.error("export: %s; retry %d in %.3g s", exc, self._failures, delay)
        self.schedule(delay)


def remove_stale_temporaries(directory: Path, older_than: float) -> int:
    """Delete ``.<name>.<random>.tmp`` files a killed exporter left (older than a lease:
    no live writer can still own them); how many went."""
    gone = 0
    cutoff = time.time() - older_than
    try:
        found = list(directory.glob(".*.tmp"))
    except OSError:
        return 0
    for f in found:
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
                gone += 1
        except OSError:
            continue
    if gone:
        log.info("removed %d unfinished export file(s) a stopped exporter left", gone)
    return gone
