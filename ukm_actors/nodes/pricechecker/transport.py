"""The pricechecker module's transport: the bridge client (``ctx.services["bridge"]``).

This role has no database: it only asks (the cash server, and for the price
checker module the store's tills) and answers asks from peers whose keys
the cash server hands out (kept in memory).
"""

from __future__ import annotations

import bottle

from ukm_actors.bridge.routes import install_routes
from ukm_actors.bridge.service import BridgeService
from ukm_actors.nodes.base import NodeContext
from ukm_actors.supervision import ChildSpec


def setup(ctx: NodeContext) -> None:
    bridge = BridgeService.for_node(ctx)
    ctx.services["bridge"] = bridge
    ctx.status_providers["bridge"] = bridge.status


def children(ctx: NodeContext) -> list[ChildSpec]:
    bridge: BridgeService = ctx.services["bridge"]
    return bridge.children()


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    install_routes(app, ctx.services["bridge"])
