"""The till's PromotionEngine actor: prices from the till's own copy of campaigns.

It reads the last ``promo.campaigns`` copy and the cards it has seen at
start, and takes a new copy once the transaction that stored it commits.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pykka.typing import ActorMemberMixin, proxy_method
from sqlalchemy import select

from ukm_actors.db import Database
from ukm_actors.domain.promotions import (
    CampaignError,
    CampaignSet,
    CardInfo,
    Earned,
    Engine,
    PriceContext,
    Pricing,
)
from ukm_actors.domain.promotions.codec import decode_set
from ukm_actors.domain.promotions.conditions import CouponVerdict, coupon_verdicts
from ukm_actors.domain.receipt import Receipt
from ukm_actors.nodes.till.promotions.tables import TillPromoCard, TillPromoSet
from ukm_actors.supervision import SupervisedActor

log = logging.getLogger(__name__)

NAME = "promotion_engine"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class TillPromotionEngine(SupervisedActor):
    """Offline pricing; the set it holds is the one the marketing server prices with."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.engine = Engine(CampaignSet())
        self.received_at: datetime | None = None
        self.cards: dict[str, CardInfo] = {}

    def on_start(self) -> None:
        with self.db.read() as session:
            row = session.get(TillPromoSet, 1)
            if row is not None:
                try:
                    self.engine = Engine(decode_set(row.body))
                    self.received_at = row.received_at
                except CampaignError:
                    log.exception("the stored campaign copy cannot be read; pricing without it")
            for card in session.execute(select(TillPromoCard)).scalars():
                self.cards[card.number] = CardInfo(card.number, card.level, card.state)

    # -- messages ------------------------------------------------------------------------

    def take(self, campaign_set: CampaignSet, received_at: datetime) -> None:
        """Price with ``campaign_set`` from now on (it is stored already)."""
        self.engine = Engine(campaign_set)
        self.received_at = received_at

    def campaign_set(self) -> CampaignSet:
        return self.engine.set

    def price(self, receipt: Receipt, ctx: PriceContext) -> Pricing:
        return self.engine.price(receipt, ctx)

    def verdicts(
        self, receipt: Receipt, ctx: PriceContext, used: tuple[str, ...]
    ) -> tuple[CouponVerdict, ...]:
        """What each coupon of ``ctx`` does on ``receipt`` (``used``: the codes pricing used)."""
        return coupon_verdicts(self.engine, receipt, ctx, used)

    def earn(self, receipt: Receipt, ctx: PriceContext, bonus_paid: int) -> tuple[Earned, ...]:
        return self.engine.earn(receipt, ctx, bonus_paid)

    def card(self, number: str) -> CardInfo | None:
        return self.cards.get(number)

    def remember_card(self, card: CardInfo) -> None:
        """Keep what the marketing server said of a card, for pricing offline."""
        if self.cards.get(card.number) == card:
            return
        self.cards[card.number] = card
        with self.db.write() as session:
            row = session.get(TillPromoCard, card.number)
            if row is None:
                session.add(
                    TillPromoCard(
                        number=card.number, level=card.level, state=card.state, seen_at=_now()
                    )
                )
            else:
                row.level, row.state, row.seen_at = card.level, card.state, _now()

    def status(self) -> dict[str, object]:
        cs = self.engine.set
        return {
            "version": cs.version or None,
            "campaigns": len(cs.campaigns),
            "received_at": self.received_at.isoformat(timespec="seconds") + "Z"
            if self.received_at
            else None,
            "cards_known": len(self.cards),
        }


class TillPromotionEngineProxy(ActorMemberMixin):
    """``TillPromotionEngine`` through its proxy: each method answers a ``pykka.Future``."""

    take = proxy_method(TillPromotionEngine.take)
    campaign_set = proxy_method(TillPromotionEngine.campaign_set)
    price = proxy_method(TillPromotionEngine.price)
    verdicts = proxy_method(TillPromotionEngine.verdicts)
    earn = proxy_method(TillPromotionEngine.earn)
    card = proxy_method(TillPromotionEngine.card)
    remember_card = proxy_method(TillPromotionEngine.remember_card)
    status = proxy_method(TillPromotionEngine.status)
