"""The cash server's transport: the HTTP mailbox bridge (``ctx.services.bridge``).

Serves each till its document queue (``server>till-…``: catalog, prices,
cashiers) for download, takes the tills' documents (receipts, shifts, cash
moves) into its inbox, answers asks, hands out peer keys, and pushes its
channel ``server>marketing`` (the catalog and store feeds) once the
marketing server is registered and has reported its URL. See
``ukm_actors.bridge.service`` and docs/bridge.md.

``/status`` → ``cluster``: this process's holder name and every lease of
the work done once in a cluster (docs/cluster.md): who holds it, since when.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.bridge.service import BridgeService
from ukm_actors.db import leases
from ukm_actors.nodes.server.services import ServerContext
from ukm_actors.nodes.transport import bridge_feature, setup_bridge

QUEUE_PREFIX = "bridge.queue:"


def setup(ctx: ServerContext) -> None:
    bridge = setup_bridge(ctx, serves_pull=True, accepts_push=True)
    ctx.status_providers["cluster"] = lambda: cluster_status(bridge)


def cluster_status(bridge: BridgeService) -> dict[str, Any]:
    """Who does which work once (leases); the per-till queue leases counted per holder."""
    with bridge.require_db().read() as session:
        found = leases.held(session, bridge.holder)
    queues: dict[str, int] = {}
    work = []
    for lease in found:
        if lease["resource"].startswith(QUEUE_PREFIX):
            if not lease["expired"]:
                queues[lease["holder"]] = queues.get(lease["holder"], 0) + 1
        else:
            work.append(lease)
    return {
        "me": bridge.holder,
        "shared_database": bridge.clustered,
        "leases": work,
        "till_queues": queues,
    }


FEATURE = bridge_feature(__name__, setup)
