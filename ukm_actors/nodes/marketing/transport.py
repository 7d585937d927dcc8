"""The marketing server's transport: the HTTP mailbox bridge (``ctx.services["bridge"]``).

Serves each till its channel ``marketing>till-…`` (campaigns) for download,
takes documents into its inbox (the server's catalog and store feeds, the
tills' loyalty documents) and answers the tills' asks (coupons,
certificates, cards). The keys of the tills come from the cash server.
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
