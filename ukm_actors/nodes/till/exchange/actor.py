"""``QueueLoader``: the actor that looks at the till's exchange folder and loads what is ready.

It looks every ``[till] exchange_poll`` seconds. A big file is loaded in one
handler (the load yields to the other greenlets as it goes, so the sale and
``/status`` answer meanwhile); ``/status`` reads the queue's state from the
shared :class:`QueueState`, never by asking the busy actor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ukm_actors.db.prune import PruneSchedule, cutoff
from ukm_actors.exchange.folder import FAILED_DIR, PROCESSED
from ukm_actors.nodes.till.catalog import stage
from ukm_actors.nodes.till.catalog.stage import FOLDER
from ukm_actors.nodes.till.exchange.prune import prune_exchange_files
from ukm_actors.nodes.till.exchange.queue import TillQueue
from ukm_actors.supervision import Ticking, crash_on

log = logging.getLogger(__name__)

NAME = "exchange_loader"


@dataclass
class QueueState:
    """What ``/status`` shows of the queue between looks."""

    waiting: tuple[str, ...] = ()
    ignored: list[dict[str, Any]] = field(default_factory=list)
    current: str | None = None


class QueueLoader(Ticking):
    """Loads the till's exchange folder (see the module docstring)."""

    def __init__(
        self,
        queue: TillQueue,
        poll: float,
        state: QueueState,
        pruning: PruneSchedule | None = None,
    ) -> None:
        super().__init__()
        self.queue = queue
        self.poll = poll
        self.state = state
        self.pruning = pruning or PruneSchedule(0)

    def on_start(self) -> None:
        for sub in ("", PROCESSED, FAILED_DIR):
            (self.queue.folder / sub).mkdir(parents=True, exist_ok=True)
        with self.queue.db.write() as session:  # a file being staged when the till stopped
            stage.abandon(session, FOLDER)  # is loaded again from its start
        self.schedule(0)
        log.info("watching %s for exchange files every %g s", self.queue.folder, self.poll)

    def tick(self) -> None:
        try:
            self.scan()
            self.pruning.when_due(self.prune)
        finally:
            self.schedule(self.poll)

    def prune(self, before: datetime | None = None) -> int:
        """Delete the rows of files done before ``before`` (default: ``exchange_keep_days``
        ago) that decide nothing any more; how many went."""
        n = prune_exchange_files(self.queue.db, before or cutoff(self.pruning.keep_days))
        self.pruning.done(n)
        if n:
            log.info("exchange: %d old file row(s) pruned", n)
        return n

    @crash_on(OSError)
    def scan(self) -> list[dict[str, Any]]:
        """Look now; what became of each file loaded, skipped or refused."""
        results = self.queue.scan()
        self.state.waiting = self.queue.waiting
        self.state.ignored = [{"file": i.name, "reason": i.reason} for i in self.queue.ignored]
        return [r.to_json() for r in results]
