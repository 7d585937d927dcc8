"""Who may apply: the conditions a campaign checks on a receipt, and why it does not apply.

``unmet`` is the engine's eligibility test; it answers with the first unmet
condition so that a till can tell the cashier why a presented coupon does
nothing yet (``coupon_verdicts``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ukm_actors.domain.money import Money
from ukm_actors.domain.promotions.actions import LineState
from ukm_actors.domain.promotions.model import Campaign, PriceContext

if TYPE_CHECKING:
    from ukm_actors.domain.promotions.engine import Engine
    from ukm_actors.domain.receipt import Receipt

WHY_NOT = (
    "unknown",
    "other_store",
    "not_now",
    "needs_card",
    "needs_level",
    "needs_coupon",
    "no_items",
    "min_receipt",
    "min_quantity",
    "min_amount",
)
"""Why a campaign does not apply, in the order the conditions are checked."""


def unmet(
    c: Campaign,
    matched: Sequence[int],
    by_pos: Mapping[int, LineState],
    receipt_amount: Money,
    ctx: PriceContext,
    coupon_of: Mapping[str, str],
) -> str | None:
    """The first condition of ``c`` not met (a word of ``WHY_NOT``), or None.

    ``matched``: positions of the lines its item filter matches; ``by_pos``: every
    line's state (amounts before any discount); ``coupon_of``: coupon campaign →
    the presented code used for it.
    """
    if c.stores and ctx.store not in c.stores:
        return "other_store"
    if not c.schedule.active_at(ctx.at):
        return "not_now"
    card = ctx.card
    if c.customer != "any" or c.is_bonus:
        if card is None or not card.active:
            return "needs_card"
        if c.customer == "level" and card.level < c.min_level:
            return "needs_level"
    k = c.conditions
    if k.coupon is not None and k.coupon not in coupon_of:
        return "needs_coupon"
    if not matched:
        return "no_items"
    if k.min_receipt and receipt_amount < k.min_receipt:
        return "min_receipt"
    if k.min_quantity and sum(by_pos[p].line.quantity for p in matched) < k.min_quantity:
        return "min_quantity"
    if k.min_amount and sum(by_pos[p].amount for p in matched) < k.min_amount:
        return "min_amount"
    return None


@dataclass(frozen=True)
class CouponVerdict:
    """What one presented coupon does on a receipt, and why when it does nothing."""

    code: str
    coupon_campaign: str
    state: str
    """``applied`` (it enabled a discount or points) or ``not_applicable`` (not yet)."""
    reason: str | None = None
    """Not applicable: a word of ``WHY_NOT``, or ``no_promotion`` (no campaign of this
    store uses the coupon now), ``same_campaign`` (another coupon of its campaign is
    used), ``no_effect`` (its campaign applies but had nothing left to discount)."""
    campaign_id: str | None = None
    campaign_name: str | None = None
    """The promotion the reason is about (the coupon's first one by priority)."""
    detail: Mapping[str, int] = field(default_factory=dict)
    """The unmet threshold: ``min_receipt``, ``min_quantity``, ``min_amount``, ``min_level``."""


_DETAIL = {
    "min_receipt": "min_receipt",
    "min_quantity": "min_quantity",
    "min_amount": "min_amount",
}


def coupon_verdicts(
    engine: Engine, receipt: Receipt, ctx: PriceContext, used: Collection[str]
) -> tuple[CouponVerdict, ...]:
    """A verdict for every coupon in ``ctx.coupons``; ``used``: the codes the pricing used."""
    chosen: dict[str, str] = {}
    for p in sorted(ctx.coupons, key=lambda c: c.code):
        chosen.setdefault(p.campaign_id, p.code)
    out: list[CouponVerdict] = []
    for p in ctx.coupons:
        if p.code in used:
            out.append(CouponVerdict(p.code, p.campaign_id, "applied"))
            continue
        if chosen[p.campaign_id] != p.code:
            out.append(CouponVerdict(p.code, p.campaign_id, "not_applicable", "same_campaign"))
            continue
        promos = [c for c in engine.campaigns if c.conditions.coupon == p.campaign_id]
        if not promos:
            out.append(CouponVerdict(p.code, p.campaign_id, "not_applicable", "no_promotion"))
            continue
        c = promos[0]
        why = engine.why_not(c.id, receipt, ctx) or "no_effect"
        detail: dict[str, int] = {}
        if why in _DETAIL:
            detail[why] = int(getattr(c.conditions, _DETAIL[why]))
        elif why == "needs_level":
            detail["min_level"] = c.min_level
        out.append(
            CouponVerdict(p.code, p.campaign_id, "not_applicable", why, c.id, c.name, detail)
        )
    return tuple(out)
