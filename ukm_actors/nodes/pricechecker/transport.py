"""The price-checker module's transport: the bridge client (``ctx.services.bridge``).

This role has no database: it only asks (the cash server, and the store's tills)
and answers asks from peers whose keys the cash server hands out (kept in memory).
"""

from ukm_actors.nodes.transport import bridge_feature, setup

FEATURE = bridge_feature(__name__, setup)
