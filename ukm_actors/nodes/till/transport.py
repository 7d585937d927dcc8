"""The till's transport: the HTTP mailbox bridge (``ctx.services.bridge``).

With ``[bridge] server_url`` set, it pushes the till's channel
``till-…>server`` (receipts, shifts, cash moves: they wait in the outbox
while the server is unreachable) and pulls ``server>till-…`` (catalog,
prices, cashiers). With ``[till] marketing_url`` set, it also pulls
``marketing>till-…`` (campaigns) and pushes ``till-…>marketing`` (loyalty
documents queued while marketing was down). It answers asks (the price
checker's ``prices.lookup``) from peers whose keys the cash server hands out.
"""

from __future__ import annotations

from ukm_actors.nodes.till.services import TillContext
from ukm_actors.nodes.transport import bridge_feature, setup_bridge


def setup(ctx: TillContext) -> None:
    bridge = setup_bridge(ctx)
    if bridge.server_url:
        bridge.add_push("server", bridge.server_url)
        bridge.add_pull("server", bridge.server_url)
    marketing = ctx.config.till.marketing_url
    if marketing:
        bridge.add_pull("marketing", marketing, kind="marketing")
        bridge.add_push("marketing", marketing)


FEATURE = bridge_feature(__name__, setup)
