"""Small builders for promotion tests."""

from __future__ import annotations

from datetime import datetime

from ukm_actors.domain.promotions import Campaign, CampaignSet, Engine, PriceContext
from ukm_actors.domain.promotions.codec import campaign_from_json
from ukm_actors.domain.receipt import Receipt, add_line

MONDAY_NOON = datetime(2026, 12, 7, 12, 0)


def receipt(*lines: tuple[str, int, int]) -> Receipt:
    """``receipt(("1001", 2000, 8990), ...)``: article, quantity, price."""
    r = Receipt()
    for article, qty, price in lines:
        r = add_line(
            r, article=article, name=f"Item {article}", quantity=qty, price=price, measure="шт"
        )
    return r


def campaign(cid: str, action: dict, **kw) -> Campaign:
    data = {"id": cid, "name": f"Campaign {cid}", "action": action}
    conditions = {}
    for key in ("articles", "groups", "min_quantity", "min_amount", "min_receipt", "coupon"):
        if key in kw:
            conditions[key] = kw.pop(key)
    data["conditions"] = conditions
    data.update(kw)
    return campaign_from_json(data)


def price(campaigns, r: Receipt, ctx: PriceContext | None = None, **set_kw):
    engine = Engine(CampaignSet(tuple(campaigns), **set_kw))
    return engine.price(r, ctx or PriceContext(store="17", at=MONDAY_NOON))


def amounts(pricing) -> dict[int, list[tuple[str, int]]]:
    """position → [(campaign id, amount)] for lines with discounts."""
    return {p: [(d.campaign_id, d.amount) for d in ds] for p, ds in pricing.discounts.items() if ds}
