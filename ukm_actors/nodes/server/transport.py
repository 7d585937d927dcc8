"""The cash server's transport: the HTTP mailbox bridge (``ctx.services["bridge"]``).

Serves each till its document queue (``server>till-…``: catalog, prices,
cashiers) for download, takes the tills' documents (receipts, shifts, cash
moves) into its inbox, answers asks, hands out peer keys, and pushes its
channel ``server>marketing`` (the catalog and store feeds) once the
marketing server is registered and has reported its URL. See
``ukm_actors.bridge.service`` and docs/bridge.md.
"""

from __future__ import annotations

import bottle

from ukm_actors.bridge.routes import install_routes
from ukm_actors.bridge.service import BridgeService
from ukm_actors.nodes.base import NodeContext
from ukm_actors.supervision import ChildSpec


def setup(ctx: NodeContext) -> None:
    bridge = BridgeService.for_node(ctx, serves_pull=True, accepts_push=True)
    ctx.services["bridge"] = bridge
    ctx.status_providers["bridge"] = bridge.status


def children(ctx: NodeContext) -> list[ChildSpec]:
    bridge: BridgeService = ctx.services["bridge"]
    return bridge.children()


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    install_routes(app, ctx.services["bridge"])
