"""The bridge as a feature: each role's ``transport`` module sets it up with its own peers.

``setup_bridge`` builds the node's ``BridgeService`` (``ctx.services.bridge``)
and its ``/status`` section; ``children`` and ``routes`` are the same for
every role. See ``ukm_actors.bridge.service`` and docs/bridge.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import bottle

from ukm_actors.bridge.routes import install_routes
from ukm_actors.bridge.service import BridgeService
from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.feature import Feature
from ukm_actors.supervision import ChildSpec

Ctx = TypeVar("Ctx", bound=NodeContext)


def setup_bridge(
    ctx: NodeContext, *, serves_pull: bool = False, accepts_push: bool = False
) -> BridgeService:
    """The node's bridge: ``serves_pull`` serves channels for download, ``accepts_push``
    takes pushed documents (cash and marketing servers)."""
    bridge = BridgeService.for_node(ctx, serves_pull=serves_pull, accepts_push=accepts_push)
    ctx.services.bridge = bridge
    ctx.status_providers["bridge"] = bridge.status
    return bridge


def setup(ctx: NodeContext) -> None:
    """A client-only bridge: asks peers and answers their asks."""
    setup_bridge(ctx)


def children(ctx: NodeContext) -> list[ChildSpec]:
    return ctx.services.bridge.children()


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    install_routes(app, ctx.services.bridge)


def bridge_feature(name: str, setup: Callable[[Ctx], None]) -> Feature[Ctx]:
    """The ``FEATURE`` of a role's ``transport`` module (``name``): it provides ``bridge``."""
    return Feature(name, setup=setup, children=children, routes=routes, provides=("bridge",))
