"""The marketing server's transport: the HTTP mailbox bridge (``ctx.services.bridge``).

Serves each till its channel ``marketing>till-…`` (campaigns) for download,
takes documents into its inbox (the server's catalog and store feeds, the
tills' loyalty documents) and answers the tills' asks (coupons,
certificates, cards). The keys of the tills come from the cash server.
"""

from __future__ import annotations

from ukm_actors.nodes.marketing.services import MarketingContext
from ukm_actors.nodes.transport import bridge_feature, setup_bridge


def setup(ctx: MarketingContext) -> None:
    setup_bridge(ctx, serves_pull=True, accepts_push=True)


FEATURE = bridge_feature(__name__, setup)
