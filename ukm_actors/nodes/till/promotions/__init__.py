"""Feature "promotions" of the till: the till's PromotionEngine and its marketing services.

- ``ctx.services.promotions`` (``PromotionsService``): ``price(receipt,
  context)`` and ``on_receipt_closed(session, receipt_doc)``;
- ``ctx.services.marketing_payments`` (``MarketingPayments``):
  ``authorize``, ``void``, ``balance`` for certificates and bonus points;
- the ``promotion_engine`` actor with the till's copy of its store's campaigns,
  kept from ``promo.campaigns`` documents (channel ``marketing>till-…``);
- ``loyalty.accrual`` documents on channel ``till-…>marketing``;
- ``/status`` section ``promotions``.

The till's transport pulls ``marketing>till-…`` and pushes ``till-…>marketing``
when ``[till] marketing_url`` is set; asks go to that URL through the bridge.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.errors import PeerUnreachable
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.db.hooks import after_commit
from ukm_actors.domain.promotions import CampaignError
from ukm_actors.domain.promotions.codec import decode_set
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.promotions.couponcheck import Asker
from ukm_actors.nodes.till.promotions.engine import (
    NAME,
    TillPromotionEngine,
    TillPromotionEngineProxy,
)
from ukm_actors.nodes.till.promotions.payments import MarketingPayments
from ukm_actors.nodes.till.promotions.service import MARKETING, PromotionsService
from ukm_actors.nodes.till.promotions.tables import TillPromoSet
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.supervision import ChildSpec, defer

log = logging.getLogger(__name__)

PROMO_DOC = "promo.campaigns"


def bridge_asker(ctx: TillContext) -> Asker:
    """Asks to ``[till] marketing_url`` through the node's bridge."""

    def ask(name: str, message: dict[str, Any], timeout: float) -> Any:
        url = ctx.config.till.marketing_url
        if not url:
            raise PeerUnreachable(MARKETING, "no marketing server is configured")
        return ctx.services.bridge.ask(url, name, message, timeout)

    return ask


def campaigns_applier(ctx: TillContext) -> Any:
    """Stores a ``promo.campaigns`` copy; the engine takes it once the transaction commits."""

    def apply(session: Session, doc: Document) -> None:
        try:
            cs = decode_set(doc.body)
        except CampaignError as exc:
            raise PermanentApplyError(f"promo.campaigns #{doc.seq}: {exc.message}") from exc
        now = datetime.now(UTC).replace(tzinfo=None)
        row = session.get(TillPromoSet, 1)
        if row is None:
            session.add(TillPromoSet(id=1, version=cs.version, body=doc.body, received_at=now))
        else:
            row.version, row.body, row.received_at = cs.version, doc.body, now

        def committed() -> None:
            ref = ctx.names.find(NAME)
            if ref is not None:
                defer(cast(TillPromotionEngineProxy, ref.proxy()).take, cs, now)

        after_commit(session, committed)

    return apply


def setup(ctx: TillContext, ask: Asker | None = None) -> None:
    asker = ask or bridge_asker(ctx)
    promotions = PromotionsService(ctx, asker)
    ctx.services.promotions = promotions
    ctx.services.marketing_payments = MarketingPayments(ctx, asker, promotions)
    ctx.appliers.register(PROMO_DOC, campaigns_applier(ctx))
    ctx.status_providers["promotions"] = promotions.status


def children(ctx: TillContext) -> list[ChildSpec]:
    db = ctx.require_db()
    return [ChildSpec(NAME, lambda: TillPromotionEngine.start(db))]


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    uses=("bridge", "catalog"),
    provides=("promotions", "marketing_payments"),
)
