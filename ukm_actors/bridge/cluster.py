"""Wake-ups across the processes of a cluster sharing one PostgreSQL database.

``BridgeService.notify`` on one process sends ``pg_notify('ukm_bridge',
channel)``; every process runs a ``PgListener`` that ``LISTEN``s and wakes
its own long-polls and push sender for that channel. Notifications are
hints: a lost one costs at most ``[bridge] poll_recheck`` seconds, since
every long-poll re-reads the database that often anyway.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ukm_actors.bridge.worker import Worker
from ukm_actors.db import Database

if TYPE_CHECKING:
    from ukm_actors.bridge.service import BridgeService

log = logging.getLogger(__name__)

PG_CHANNEL = "ukm_bridge"


def send(db: Database, channel: str) -> None:
    """Tell every process listening on the database that ``channel`` has news."""
    with db.engine.begin() as conn:
        conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": PG_CHANNEL, "p": channel})


class PgListener(Worker):
    """Listens for other processes' notifications and wakes local waiters."""

    def __init__(self, service: BridgeService) -> None:
        super().__init__()
        self.service = service

    def run(self) -> None:
        db = self.service.require_db()
        raw: Any = db.engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {PG_CHANNEL}")
            while not self.stopping:
                with self.waiting():
                    notes = list(conn.notifies(timeout=1.0, stop_after=1))
                for note in notes:
                    self.service.wake_local(str(note.payload))
        finally:
            raw.invalidate()
