"""The cash server's transport: the HTTP mailbox bridge (``ctx.services["bridge"]``).

Serves each till its document queue (``server>till-…``: catalog, prices,
cashiers) for download, takes the tills' documents (receipts, shifts, cash
moves) into its inbox, answers asks, hands out peer keys, and pushes its
channel ``server>marketing`` (the catalog and store feeds) once the
marketing server is registered and has reported its URL. See
``ukm_actors.bridge.service`` and docs/bridge.md.
"""

from __future__ import annotations

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.transport import children, routes, setup_bridge

__all__ = ["children", "routes", "setup"]


def setup(ctx: NodeContext) -> None:
    setup_bridge(ctx, serves_pull=True, accepts_push=True)
