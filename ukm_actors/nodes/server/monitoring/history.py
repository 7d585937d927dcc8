"""The host's CPU, memory and disk over the last hours: a small time series in the database.

The ``host_sampler`` actor writes one row every ``[server] host_sample_interval`` seconds
(60) and deletes rows older than ``[server] host_history_hours`` (48), so the table stays
under ~3,000 rows. ``GET /api/v1/monitoring/host/history?hours=`` reads it for the
console's charts; ``/metrics`` is unchanged (Prometheus keeps its own history).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ukm_actors.db import Database
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.server.monitoring import collect
from ukm_actors.nodes.server.monitoring.tables import HostSample
from ukm_actors.supervision import Ticking

MAX_POINTS = 720
"""At most this many points per answer (older samples are thinned evenly)."""


def _permille(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, min(1000, round(value * 10)))


def record(session: Session, host: dict[str, Any], now_ms: int, keep_ms: int) -> HostSample:
    """Store one reading of ``collect.host()`` and forget readings older than ``keep_ms``."""
    sample = HostSample(
        taken_ms=now_ms,
        cpu_permille=_permille(host.get("cpu_percent")) or 0,
        memory_permille=_permille(host.get("memory", {}).get("percent")) or 0,
        disk_permille=_permille(host.get("disk", {}).get("percent")),
    )
    session.merge(sample)
    session.execute(delete(HostSample).where(HostSample.taken_ms < now_ms - keep_ms))
    return sample


def series(session: Session, since_ms: int) -> list[dict[str, Any]]:
    """Readings since ``since_ms``, oldest first (at most ``MAX_POINTS``, evenly thinned)."""
    rows = list(
        session.execute(
            select(
                HostSample.taken_ms,
                HostSample.cpu_permille,
                HostSample.memory_permille,
                HostSample.disk_permille,
            )
            .where(HostSample.taken_ms >= since_ms)
            .order_by(HostSample.taken_ms)
        )
    )
    step = max(1, -(-len(rows) // MAX_POINTS))
    return [
        {
            "at": iso_utc(r.taken_ms / 1000),
            "at_ms": r.taken_ms,
            "cpu_percent": r.cpu_permille / 10,
            "memory_percent": r.memory_permille / 10,
            "disk_percent": None if r.disk_permille is None else r.disk_permille / 10,
        }
        for r in rows[::step]
    ]


class HostSampler(Ticking):
    """Writes a host reading every ``interval`` seconds."""

    def __init__(self, db: Database, data_dir: Path, interval: float, keep_hours: float) -> None:
        super().__init__()
        self.db = db
        self.data_dir = data_dir
        self.interval = interval
        self.keep_ms = int(keep_hours * 3600 * 1000)

    def on_start(self) -> None:
        self.schedule(0)

    def tick(self) -> None:
        try:
            host = collect.host(self.data_dir)
            with self.db.write() as session:
                record(session, host, int(time.time() * 1000), self.keep_ms)
        finally:
            self.schedule(self.interval)
