"""Pruning rows that are done: when it is due, and deleting in bounded batches.

Tables that only grow (the till's exchange and sales-file rows, the
server's catalog tombstones) are pruned by the actor that owns them, in its
periodic ``tick``: it keeps a :class:`PruneSchedule` and, when ``due()``
gives a cutoff, deletes the rows that are done and older than it, a batch
per transaction (:func:`delete_in_batches`), so a big backlog never holds
a long write lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, delete
from sqlalchemy.orm import InstrumentedAttribute

from ukm_actors.db.engine import Database

DAY = 86400.0
PRUNE_EVERY = 3600.0
"""Seconds between two prunes of one table (the first one comes at the owner's first tick)."""
BATCH = 5_000


@dataclass
class PruneSchedule:
    """When the owner's next prune is due, and what it pruned so far (for ``/status``)."""

    keep_days: float
    """Rows done for longer than this are deleted; 0: kept for ever."""
    every: float = PRUNE_EVERY
    clock: Callable[[], float] = time.monotonic
    pruned: int = 0
    last_at: str | None = None
    _last: float | None = field(default=None, repr=False)

    def due(self) -> datetime | None:
        """The cutoff (rows done before it go) when a prune is due now, else None."""
        if self.keep_days <= 0:
            return None
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return None
        self._last = now
        return cutoff(self.keep_days)

    def when_due(self, prune: Callable[[datetime], object]) -> None:
        """Call ``prune`` with the cutoff when a prune is due now (see :meth:`due`)."""
        before = self.due()
        if before is not None:
            prune(before)

    def done(self, n: int) -> None:
        self.pruned += n
        self.last_at = datetime.now(UTC).isoformat(timespec="seconds")

    def to_json(self) -> dict[str, object]:
        return {"keep_days": self.keep_days, "pruned": self.pruned, "last_at": self.last_at}


def cutoff(keep_days: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=keep_days * DAY)


def delete_in_batches(
    db: Database, ids: Callable[[], Select[int]], column: InstrumentedAttribute[int]
) -> int:
    """Delete the rows whose ``column`` is in ``ids()`` (a select of at most one batch of
    ids, run again for every batch) until it selects none; returns how many went."""
    total = 0
    while True:
        with db.write() as session:
            batch = list(session.execute(ids().limit(BATCH)).scalars())
            if not batch:
                return total
            session.execute(
                delete(column.class_)
                .where(column.in_(batch))
                .execution_options(synchronize_session=False)
            )
        total += len(batch)
