"""The promotion engine, pure: campaigns, evaluation, stacking, floors, explanation.

    from ukm_actors.domain.promotions import Engine, CampaignSet, PriceContext
    engine = Engine(campaign_set)                    # index once
    pricing = engine.price(receipt, PriceContext(store="17", at=local_now))
    receipt = apply_discounts(receipt, pricing.discounts)
    pricing.explain(receipt)                          # which campaign gave what

No I/O here: the marketing server and the tills feed it values
(``codec`` turns them into JSON and back). See ``engine`` for the rules.
"""

from ukm_actors.domain.promotions.engine import (
    AppliedCampaign,
    Earned,
    Engine,
    MissingGift,
    Pricing,
)
from ukm_actors.domain.promotions.model import (
    Bonus,
    Campaign,
    CampaignError,
    CampaignSet,
    CardInfo,
    CheapestFree,
    Conditions,
    CouponRule,
    Discount,
    FixedPrice,
    Gift,
    ItemFilter,
    NForM,
    PresentedCoupon,
    PriceContext,
    Schedule,
)

__all__ = [
    "AppliedCampaign",
    "Bonus",
    "Campaign",
    "CampaignError",
    "CampaignSet",
    "CardInfo",
    "CheapestFree",
    "Conditions",
    "CouponRule",
    "Discount",
    "Earned",
    "Engine",
    "FixedPrice",
    "Gift",
    "ItemFilter",
    "MissingGift",
    "NForM",
    "PresentedCoupon",
    "PriceContext",
    "Pricing",
    "Schedule",
]
