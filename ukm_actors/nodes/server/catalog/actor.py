"""``CatalogLoader``: the actor that watches the import folder and loads what arrives.

It scans every ``[server] import_poll`` seconds (a timer greenlet tells it
to; a scan is never queued twice). A big file is loaded in one handler,
for as long as it takes: the actor has no ping interval (its supervisor
would take a long import for a hang), and the load yields to the HTTP
server every few milliseconds, so ``/health`` and ``/status`` answer
throughout. ``/status`` shows the file being loaded (bytes read of total,
records, rate, ETA) from a shared :class:`Progress`, never by asking the
busy actor.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ukm_actors.db.prune import PruneSchedule, cutoff
from ukm_actors.domain.units import WeighRule
from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.server.catalog.folder import ImportFolder
from ukm_actors.nodes.server.catalog.loader import LoadOptions, LoadResult
from ukm_actors.nodes.server.catalog.progress import Progress
from ukm_actors.nodes.server.catalog.prune import prune_tombstones
from ukm_actors.nodes.server.catalog.seed import ensure_seeded
from ukm_actors.supervision import Ticking, crash_on

log = logging.getLogger("ukm_actors.nodes.server.catalog")

NAME = "catalog_loader"


def import_holder(ctx: NodeContext) -> str:
    """Who holds the import lease: ``[server] cluster_node``, else ``<host>:<node id>``.

    Not the process id: a server restarted after a crash takes its own lease
    back at once instead of waiting for it to expire.
    """
    return ctx.config.server.cluster_node or f"{socket.gethostname()}:{ctx.node_id}"


def notify_channels(ctx: NodeContext, channels: Iterable[str]) -> None:
    """Wake the tills' transport queues (a no-op until the bridge is set up)."""
    if not ctx.services.is_set("bridge"):
        return
    bridge = ctx.services.bridge
    for channel in channels:
        try:
            bridge.notify(channel)
        except Exception:
            log.debug("could not notify %s", channel, exc_info=True)


class CatalogLoader(Ticking):
    """Loads import files from ``[server] import_dir`` (see the module docstring)."""

    def __init__(
        self, ctx: NodeContext, progress: Progress, pruning: PruneSchedule | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.progress = progress
        self.pruning = pruning or PruneSchedule(ctx.config.server.tombstone_keep_days)
        cfg = ctx.config.server
        holder = import_holder(ctx)
        self.poll = cfg.import_poll
        self.folder_path = ctx.config.resolve(cfg.import_dir)
        self.folder = ImportFolder(
            ctx.require_db(),
            self.folder_path,
            settle=cfg.import_settle,
            options=LoadOptions(
                kind="folder",
                node=holder,
                max_bytes=cfg.import_max_bytes,
                max_records=cfg.catalog_doc_records,
                progress=progress,
                child_bytes=cfg.import_child_bytes,
                weighing=WeighRule.of(cfg.weighed_units, cfg.import_measprec),
            ),
            holder=holder,
            lease_ttl=cfg.import_lease_ttl,
            notify=lambda channels: notify_channels(ctx, channels),
            language=ctx.config.node.language,
        )

    def on_start(self) -> None:
        ensure_seeded(self.ctx.require_db())
        for sub in ("", "processed", "failed"):
            (self.folder_path / sub).mkdir(parents=True, exist_ok=True)
        self.schedule(self.poll)
        log.info("watching %s for import files every %g s", self.folder_path, self.poll)

    def on_stop(self) -> None:
        super().on_stop()
        try:
            self.folder.release()
        except Exception:
            log.debug("could not release the import lease", exc_info=True)

    def tick(self) -> None:
        try:
            self.scan()
            self.pruning.when_due(self.prune)
        finally:
            self.schedule(self.poll)

    def prune(self, before: datetime | None = None) -> int:
        """Delete the tombstones of changes finished before ``before`` (default: those older
        than ``[server] tombstone_keep_days``); how many went."""
        if before is None:
            before = cutoff(self.pruning.keep_days)
        n = prune_tombstones(self.ctx.require_db(), before)
        self.pruning.done(n)
        if n:
            log.info("catalog: %d tombstone(s) of changes finished before %s pruned", n, before)
        return n

    @crash_on(OSError)
    def scan(self) -> list[dict[str, Any]]:
        """Scan the folder now; returns what became of each file loaded or refused."""
        results: list[LoadResult] = self.folder.scan()
        return [r.to_json() for r in results]
