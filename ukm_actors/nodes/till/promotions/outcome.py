"""What pricing a receipt gave besides its discounts, as the cashier sees it.

``PricingOutcome`` is the promotions service's answer for one receipt: the
discounts, whether it was priced online or from the till's copy (and why),
the bonus points the receipt will earn, gifts the customer is entitled to but
has not taken, and the state of every coupon on it. ``to_json`` is the
``pricing`` object of the till's receipt view (docs/till-api.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ukm_actors.domain.money import format_money, format_quantity
from ukm_actors.domain.promotions import CampaignSet, Pricing
from ukm_actors.domain.promotions.conditions import CouponVerdict
from ukm_actors.domain.receipt import LineDiscount
from ukm_actors.i18n import N_, Text, _

ONLINE = "online"
OFFLINE = "offline"

OFFLINE_REASONS = {
    "marketing.not_configured": N_(
        "no marketing server is configured; promotions come from the till's copy"
    ),
    "marketing.unreachable": N_(
        "the marketing server cannot be reached; promotions come from the till's copy"
    ),
    "marketing.timeout": N_(
        "the marketing server did not answer within {seconds:g} s; "
        "promotions come from the till's copy"
    ),
    "marketing.bad_answer": N_(
        "the marketing server's answer was unusable; promotions come from the till's copy"
    ),
}
"""Why a receipt was priced offline, by ``offline_code``."""

REFUSED = {
    "coupon.used": N_("coupon {code} has already been used"),
    "coupon.expired": N_("coupon {code} has expired"),
    "coupon.unknown": N_("no coupon was issued with code {code}"),
    "coupon.mistyped": N_("coupon {code} is mistyped: its check digit does not match"),
}
"""A coupon the marketing server refused when the receipt was priced, by its code."""

WHY_NOT = {
    "no_promotion": N_("no promotion of this store takes coupons of «{campaign}» now"),
    "same_campaign": N_("another coupon of the same campaign is already on this receipt"),
    "other_store": N_("«{promotion}» does not run in this store"),
    "not_now": N_("«{promotion}» does not run at this time"),
    "needs_card": N_("«{promotion}» needs a loyalty card: scan the customer's card"),
    "needs_level": N_("«{promotion}» needs a loyalty card of level {min_level} or higher"),
    "no_items": N_("«{promotion}» needs items that are not on the receipt yet"),
    "min_receipt": N_("«{promotion}» needs a receipt of at least {amount}"),
    "min_quantity": N_("«{promotion}» needs at least {quantity} of its items"),
    "min_amount": N_("«{promotion}» needs its items for at least {amount}"),
    "no_effect": N_(
        "«{promotion}» applies, but other promotions or price floors left it nothing to discount"
    ),
}
"""Why a coupon does nothing yet, by reason (``conditions.CouponVerdict.reason``)."""
CANNOT = N_("«{promotion}» cannot apply now")


@dataclass(frozen=True)
class CouponState:
    """One coupon on the receipt: what it does, how it was checked, and why."""

    code: str
    campaign_id: str | None
    state: str
    """``applied``, ``not_applicable`` (valid, does nothing yet) or ``refused``."""
    checked: str | None
    """How the till accepted it: ``online`` (the marketing server) or ``offline`` (its
    layout and check digit only); None when not known (added before a restart)."""
    reason: str | None = None
    message: Text | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "campaign_id": self.campaign_id,
            "state": self.state,
            "checked": self.checked,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass(frozen=True)
class GiftDue:
    """A gift the customer is entitled to that is not on the receipt."""

    campaign_id: str
    campaign: str
    article: str
    name: str
    quantity: int

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "campaign": self.campaign,
            "article": self.article,
            "name": self.name,
            "quantity": self.quantity,
            "quantity_text": format_quantity(self.quantity),
        }


@dataclass(frozen=True)
class PricingOutcome:
    """Everything one pricing of a receipt gave."""

    discounts: dict[int, tuple[LineDiscount, ...]]
    mode: str
    offline_code: str | None = None
    offline_reason: Text | None = None
    version: str | None = None
    earned: tuple[tuple[str, str, int], ...] = ()
    """``(campaign_id, name, points)`` per bonus campaign."""
    gifts: tuple[GiftDue, ...] = ()
    coupons: tuple[CouponState, ...] = ()
    used: tuple[str, ...] = ()
    """Codes of the coupons that enabled a discount or points."""

    @property
    def points(self) -> int:
        return sum(p for _cid, _name, p in self.earned)

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "offline_code": self.offline_code,
            "offline_reason": self.offline_reason,
            "campaigns_version": self.version or None,
            "bonus_points": self.points,
            "bonus": [
                {"campaign_id": cid, "name": name, "points": points}
                for cid, name, points in self.earned
            ],
            "missing_gifts": [g.to_json() for g in self.gifts],
            "coupons": [c.to_json() for c in self.coupons],
        }


def offline_reason(code: str, seconds: float) -> Text:
    return (
        _(OFFLINE_REASONS[code], seconds=seconds)
        if code == "marketing.timeout"
        else _(OFFLINE_REASONS[code])
    )


def refused_state(code: str, refusal: str, checked: str | None) -> CouponState:
    template = REFUSED.get(refusal, REFUSED["coupon.unknown"])
    return CouponState(code, None, "refused", checked, refusal, _(template, code=code))


def verdict_state(v: CouponVerdict, checked: str | None) -> CouponState:
    """A domain verdict as the cashier reads it."""
    if v.state == "applied":
        return CouponState(v.code, v.coupon_campaign, "applied", checked)
    reason = v.reason or "unknown"
    params: dict[str, object] = {
        "promotion": v.campaign_name or v.campaign_id or "",
        "campaign": v.coupon_campaign,
    }
    detail: Mapping[str, int] = v.detail
    if "min_receipt" in detail:
        params["amount"] = format_money(detail["min_receipt"])
    if "min_amount" in detail:
        params["amount"] = format_money(detail["min_amount"])
    if "min_quantity" in detail:
        params["quantity"] = format_quantity(detail["min_quantity"])
    if "min_level" in detail:
        params["min_level"] = detail["min_level"]
    template = WHY_NOT.get(reason, CANNOT)
    return CouponState(
        v.code, v.coupon_campaign, "not_applicable", checked, reason, _(template, **params)
    )


def _names(cs: CampaignSet) -> dict[str, str]:
    return {c.id: c.name for c in cs.campaigns}


def online_outcome(
    answer: Mapping[str, Any], cs: CampaignSet, item_name: Callable[[str], str]
) -> PricingOutcome:
    """The marketing server's ``promo.price`` answer (its discounts already decoded)."""
    names = _names(cs)
    earned = tuple(
        (str(cid), names.get(str(cid), str(cid)), int(points))
        for cid, points in answer.get("earned") or ()
    )
    gifts = tuple(
        GiftDue(str(cid), names.get(str(cid), str(cid)), str(art), item_name(str(art)), int(qty))
        for cid, art, qty in answer.get("missing_gifts") or ()
    )
    return PricingOutcome(
        discounts=answer["discounts"],
        mode=ONLINE,
        version=str(answer.get("version") or "") or None,
        earned=earned,
        gifts=gifts,
        used=tuple(str(c) for c in answer.get("coupons_used") or ()),
    )


def offline_outcome(
    pricing: Pricing,
    cs: CampaignSet,
    code: str,
    reason: Text,
    item_name: Callable[[str], str],
) -> PricingOutcome:
    """The till's own copy's answer, and why it was asked."""
    names = _names(cs)
    return PricingOutcome(
        discounts=dict(pricing.discounts),
        mode=OFFLINE,
        offline_code=code,
        offline_reason=reason,
        version=cs.version or None,
        earned=tuple((e.campaign_id, e.name, e.points) for e in pricing.earned),
        gifts=tuple(
            GiftDue(
                g.campaign_id,
                names.get(g.campaign_id, g.campaign_id),
                g.article,
                item_name(g.article),
                g.quantity,
            )
            for g in pricing.missing_gifts
        ),
        used=pricing.coupons_used,
    )


def coupon_states(
    codes: Sequence[str],
    verdicts: Sequence[CouponVerdict],
    used: Sequence[str],
    refusals: Mapping[str, str] | None,
    checks: Mapping[str, str],
) -> tuple[CouponState, ...]:
    """Every coupon's state: refused by the marketing server when it priced the receipt,
    applied, or not applicable yet and why (from the till's copy)."""
    by_code = {v.code: v for v in verdicts}
    out: list[CouponState] = []
    for code in codes:
        checked = checks.get(code)
        refusal = (refusals or {}).get(code)
        verdict = by_code.get(code)
        if refusal and refusal != "ok":
            out.append(refused_state(code, refusal, checked))
        elif code in used:
            campaign = verdict.coupon_campaign if verdict is not None else None
            out.append(CouponState(code, campaign, "applied", checked))
        elif verdict is None:
            out.append(
                verdict_state(CouponVerdict(code, "", "not_applicable", "no_promotion"), checked)
            )
        else:
            out.append(verdict_state(verdict, checked))
    return tuple(out)
