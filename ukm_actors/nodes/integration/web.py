"""The integration role's HTTP routes."""

from __future__ import annotations

import bottle

from ukm_actors.nodes.base import NodeContext


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    """Mount the role's routes on the node's app."""
