"""The till role's supervision tree (below the node's root)."""

from __future__ import annotations

from ukm_actors.nodes.base import NodeContext
from ukm_actors.supervision import ChildSpec

STRATEGY = "one_for_one"
MAX_RESTARTS = 5
PERIOD = 60.0


def children(ctx: NodeContext) -> list[ChildSpec]:
    """The role's actors, in start order."""
    return []
