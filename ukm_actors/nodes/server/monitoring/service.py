"""``Monitoring`` (the snapshot and its alerts) and ``Monitor``, the actor that keeps checking.

The snapshot is computed on demand by whoever needs it (the API, /metrics,
/status) and at least every ``[server] monitor_interval`` seconds by the
``Monitor`` actor, so alerts are raised and logged even when nobody looks.
Computing it is a handful of indexed queries; a snapshot younger than a
second is reused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import gevent.lock
import psutil

from ukm_actors.bridge import monitoring as bridge_monitoring
from ukm_actors.config import Config
from ukm_actors.db import Database
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.server.monitoring import collect
from ukm_actors.nodes.server.monitoring.alerts import (
    AlertBook,
    Finding,
    export_findings,
    import_findings,
    till_findings,
)
from ukm_actors.supervision import Ticking

log = logging.getLogger(__name__)


class Monitoring:
    """The server's view of its tills and itself."""

    def __init__(
        self,
        config: Config,
        db: Database,
        *,
        server_id: str,
        export_status: Callable[[], dict[str, Any] | None] = lambda: None,
        live_contacts: Callable[[], dict[str, Any] | None] = lambda: None,
        live_transfers: Callable[[], dict[str, Any]] = dict,
    ) -> None:
        self.config = config
        self.db = db
        self.server_id = server_id
        self.export_status = export_status
        self.live_contacts = live_contacts
        self.live_transfers = live_transfers
        self.book = AlertBook()
        self.started = time.time()
        self._lock = gevent.lock.Semaphore()
        self._snapshot: dict[str, Any] | None = None
        self._taken = 0.0
        psutil.cpu_percent(interval=None)  # the first reading is meaningless; prime it

    def snapshot(self, max_age: float = 1.0) -> dict[str, Any]:
        """The latest snapshot, computed again when older than ``max_age`` seconds."""
        if self._snapshot is not None and time.monotonic() - self._taken <= max_age:
            return self._snapshot
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._taken <= max_age:
                return self._snapshot
            return self._refresh()

    def check(self) -> dict[str, Any]:
        """Compute a fresh snapshot (raising and clearing alerts)."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> dict[str, Any]:
        s = self.config.server
        now = time.time()
        with self.db.read() as session:
            tills = collect.tills(
                session,
                self.server_id,
                now,
                s.offline_after,
                self.live_contacts(),
                self.live_transfers(),
            )
            parked = bridge_monitoring.dead_letters(session, limit=5)
            imports = collect.imports(session)
        try:
            export = self.export_status()
        except Exception as exc:  # noqa: BLE001 - shown, not fatal to monitoring
            export = {"state": "unknown", "error": f"{type(exc).__name__}: {exc}"}
        grace = self.started + s.offline_after
        findings = (
            till_findings(tills, now, s.behind_after, grace)
            + export_findings(export, now, s.behind_after)
            + import_findings(imports)
        )
        if parked["parked"]:
            findings.append(
                Finding(
                    "bridge.parked",
                    "bridge",
                    f"{parked['parked']} documents could not be applied and are parked",
                )
            )
        alerts = self.book.update(findings, now)
        online = sum(1 for t in tills if t["online"])
        snap = {
            "generated_at": iso_utc(now),
            "settings": {"offline_after": s.offline_after, "behind_after": s.behind_after},
            "summary": {
                "tills": len(tills),
                "online": online,
                "offline": len(tills) - online,
                "alerts": len(alerts),
            },
            "tills": tills,
            "alerts": [a.to_json() for a in alerts],
            "host": collect.host(Path(self.config.node.data_dir)),
            "database": {"dialect": self.db.dialect, "size_bytes": self.db.size_bytes()},
            "export": export,
            "bridge": {"parked": parked["parked"]},
        }
        self._snapshot = snap
        self._taken = time.monotonic()
        return snap

    def status_section(self) -> dict[str, Any]:
        """The short form for /status."""
        snap = self.snapshot(max_age=5.0)
        host = snap["host"]
        return {
            **snap["summary"],
            "offline_tills": [t["node_id"] for t in snap["tills"] if not t["online"]],
            "alerts": snap["alerts"],
            "host": {
                "cpu_percent": host["cpu_percent"],
                "memory_percent": host["memory"]["percent"],
                "disk_percent": host["disk"].get("percent"),
            },
            "database_size_bytes": snap["database"]["size_bytes"],
            "generated_at": snap["generated_at"],
        }


class Monitor(Ticking):
    """Refreshes the monitoring snapshot every ``interval`` seconds."""

    def __init__(self, monitoring: Monitoring, interval: float) -> None:
        super().__init__()
        self.monitoring = monitoring
        self.interval = interval

    def on_start(self) -> None:
        self.schedule(0)

    def tick(self) -> None:
        try:
            self.monitoring.check()
        finally:
            self.schedule(self.interval)
