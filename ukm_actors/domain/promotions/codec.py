"""JSON forms of campaigns, campaign sets, receipts and discounts.

The same forms are used by the marketing admin API (a campaign), the
``promo.campaigns`` document (a whole set, marketing → till) and the
``promo.price`` ask (a receipt and its discounts, till ⇄ marketing), so what
the till holds offline is exactly what the marketing server prices with.

A campaign::

    {"id": "C12", "name": "Milk -10%", "priority": 10, "stacking": "stackable",
     "starts": "2026-12-01T00:00:00", "ends": null, "days": [1, 2, 3], "hours": ["09:00", "12:00"],
     "stores": ["17"], "customer": "any", "min_level": 0,
     "conditions": {"articles": ["1001"], "groups": ["12"], "min_quantity": 2000,
                    "min_amount": 0, "min_receipt": 0, "coupon": null},
     "action": {"type": "percent", "value": 1000, "scope": "line"}}

Action types: ``percent``/``amount`` (value, scope line|group|receipt),
``fixed_price`` (price), ``n_for_m`` (n, m), ``cheapest_free`` (articles),
``gift`` (article, quantity), ``bonus`` (value). Money is kopecks,
quantities thousandths, percents basis points.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from ukm_actors.domain.money import ONE
from ukm_actors.domain.promotions.model import (
    Action,
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
from ukm_actors.domain.receipt import Line, LineDiscount, Receipt
from ukm_actors.isotime import iso

SET_FORMAT = 1


def _field(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise CampaignError(f"{where}: {key!r} must be {_kind_name(kind)}, got {value!r}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", str: "text", list: "a list", dict: "an object"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _opt_int(data: Mapping[str, Any], key: str, where: str, default: int = 0) -> int:
    if data.get(key) is None:
        return default
    value: int = _field(data, key, int, where)
    return value


def _strs(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CampaignError(f"{where}: {key!r} must be a list of non-empty texts, got {value!r}")
    return list(value)


def _when(text: Any, key: str, where: str) -> datetime | None:
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise CampaignError(f"{where}: {key!r} must be a local date-time text, got {text!r}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CampaignError(
            f"{where}: {key!r} {text!r} is not a date-time; write 2026-12-01T09:00:00"
        ) from None
    if value.tzinfo is not None:
        raise CampaignError(f"{where}: {key!r} {text!r} must be store-local, without a zone")
    return value


def _hour(text: Any, where: str) -> time:
    if not isinstance(text, str):
        raise CampaignError(f"{where}: hours must be two 'HH:MM' texts, got {text!r}")
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CampaignError(f"{where}: hour {text!r} is not HH:MM") from None


def action_from_json(data: Any, where: str) -> Action:
    """An action from its JSON form (``CampaignError`` names what is wrong)."""
    if not isinstance(data, dict):
        raise CampaignError(f"{where}: 'action' must be an object")
    kind = data.get("type")
    if kind in ("percent", "amount"):
        scope = data.get("scope", "line")
        return Discount(kind, _field(data, "value", int, where), scope)
    if kind == "fixed_price":
        return FixedPrice(_field(data, "price", int, where))
    if kind == "n_for_m":
        return NForM(_field(data, "n", int, where), _field(data, "m", int, where))
    if kind == "cheapest_free":
        return CheapestFree(tuple(_strs(data, "articles", where)))
    if kind == "gift":
        return Gift(_field(data, "article", str, where), _opt_int(data, "quantity", where, ONE))
    if kind == "bonus":
        return Bonus(_field(data, "value", int, where))
    raise CampaignError(
        f"{where}: action type {kind!r} is unknown; use percent, amount, fixed_price, "
        "n_for_m, cheapest_free, gift or bonus"
    )


def action_to_json(a: Action) -> dict[str, Any]:
    if isinstance(a, Discount):
        return {"type": a.kind, "value": a.value, "scope": a.scope}
    if isinstance(a, FixedPrice):
        return {"type": "fixed_price", "price": a.price}
    if isinstance(a, NForM):
        return {"type": "n_for_m", "n": a.n, "m": a.m}
    if isinstance(a, CheapestFree):
        return {"type": "cheapest_free", "articles": list(a.articles)}
    if isinstance(a, Gift):
        return {"type": "gift", "article": a.article, "quantity": a.quantity}
    return {"type": "bonus", "value": a.value}


def campaign_from_json(data: Any) -> Campaign:
    """A campaign from its JSON form; every problem is a ``CampaignError``."""
    if not isinstance(data, dict):
        raise CampaignError("a campaign must be a JSON object")
    cid = data.get("id")
    if not isinstance(cid, str):
        raise CampaignError(f"campaign 'id' must be text, got {cid!r}")
    where = f"campaign {cid!r}"
    known = {
        "id",
        "name",
        "priority",
        "stacking",
        "starts",
        "ends",
        "days",
        "hours",
        "stores",
        "customer",
        "min_level",
        "conditions",
        "action",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise CampaignError(f"{where}: unknown fields {unknown}")
    days = data.get("days") or []
    if not isinstance(days, list) or not all(isinstance(d, int) for d in days):
        raise CampaignError(f"{where}: 'days' must be a list of weekday numbers 1..7")
    hours = data.get("hours")
    span: tuple[time, time] | None = None
    if hours is not None:
        if not isinstance(hours, list) or len(hours) != 2:
            raise CampaignError(f"{where}: 'hours' must be ['HH:MM', 'HH:MM']")
        span = (_hour(hours[0], where), _hour(hours[1], where))
    cond = data.get("conditions") or {}
    if not isinstance(cond, dict):
        raise CampaignError(f"{where}: 'conditions' must be an object")
    coupon = cond.get("coupon")
    if coupon is not None and not isinstance(coupon, str):
        raise CampaignError(f"{where}: conditions 'coupon' must be a coupon campaign id")
    return Campaign(
        id=cid,
        name=_field(data, "name", str, where),
        action=action_from_json(data.get("action"), where),
        priority=_opt_int(data, "priority", where),
        stacking=data.get("stacking", "stackable"),
        schedule=Schedule(
            starts=_when(data.get("starts"), "starts", where),
            ends=_when(data.get("ends"), "ends", where),
            days=frozenset(days),
            hours=span,
        ),
        stores=frozenset(_strs(data, "stores", where)),
        customer=data.get("customer", "any"),
        min_level=_opt_int(data, "min_level", where),
        conditions=Conditions(
            items=ItemFilter(
                frozenset(_strs(cond, "articles", where)), frozenset(_strs(cond, "groups", where))
            ),
            min_quantity=_opt_int(cond, "min_quantity", where),
            min_amount=_opt_int(cond, "min_amount", where),
            min_receipt=_opt_int(cond, "min_receipt", where),
            coupon=coupon,
        ),
    )


def campaign_to_json(c: Campaign) -> dict[str, Any]:
    """The JSON form of a campaign (lists sorted, so equal campaigns give equal JSON)."""
    s, k = c.schedule, c.conditions
    return {
        "id": c.id,
        "name": c.name,
        "priority": c.priority,
        "stacking": c.stacking,
        "starts": iso(s.starts),
        "ends": iso(s.ends),
        "days": sorted(s.days),
        "hours": [h.strftime("%H:%M") for h in s.hours] if s.hours else None,
        "stores": sorted(c.stores),
        "customer": c.customer,
        "min_level": c.min_level,
        "conditions": {
            "articles": sorted(k.items.articles),
            "groups": sorted(k.items.groups),
            "min_quantity": k.min_quantity,
            "min_amount": k.min_amount,
            "min_receipt": k.min_receipt,
            "coupon": k.coupon,
        },
        "action": action_to_json(c.action),
    }


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def set_to_json(cs: CampaignSet) -> dict[str, Any]:
    return {
        "format": SET_FORMAT,
        "campaigns": [campaign_to_json(c) for c in sorted(cs.campaigns, key=lambda c: c.id)],
        "item_groups": {a: sorted(g) for a, g in sorted(cs.item_groups.items())},
        "floors": dict(sorted(cs.floors.items())),
        "coupon_rules": [
            {
                "campaign_id": r.campaign_id,
                "prefix": r.prefix,
                "length": r.length,
                "check_digit": r.check_digit,
            }
            for r in sorted(cs.coupon_rules, key=lambda r: r.campaign_id)
        ],
        "certificate_articles": sorted(cs.certificate_articles),
    }


def set_version(cs: CampaignSet) -> str:
    """A content hash of the set (what a till reports it holds)."""
    return hashlib.sha256(_dumps(set_to_json(cs))).hexdigest()[:16]


def encode_set(cs: CampaignSet) -> bytes:
    """The body of a ``promo.campaigns`` document (canonical JSON, stable hash)."""
    data = set_to_json(cs)
    data["version"] = set_version(cs)
    return _dumps(data)


def set_from_json(data: Any) -> CampaignSet:
    if not isinstance(data, dict) or data.get("format") != SET_FORMAT:
        raise CampaignError(f"not a campaign set of format {SET_FORMAT}")
    rules = []
    for r in data.get("coupon_rules") or []:
        rules.append(
            CouponRule(
                _field(r, "campaign_id", str, "coupon rule"),
                _field(r, "prefix", str, "coupon rule"),
                _field(r, "length", int, "coupon rule"),
                bool(r.get("check_digit", True)),
            )
        )
    cs = CampaignSet(
        campaigns=tuple(campaign_from_json(c) for c in data.get("campaigns") or []),
        item_groups={a: frozenset(g) for a, g in (data.get("item_groups") or {}).items()},
        floors={a: int(v) for a, v in (data.get("floors") or {}).items()},
        coupon_rules=tuple(rules),
        certificate_articles=frozenset(data.get("certificate_articles") or []),
    )
    return CampaignSet(
        cs.campaigns,
        cs.item_groups,
        cs.floors,
        cs.coupon_rules,
        cs.certificate_articles,
        version=str(data.get("version") or set_version(cs)),
    )


def decode_set(body: bytes) -> CampaignSet:
    """A campaign set from a ``promo.campaigns`` document body."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CampaignError(f"promo.campaigns document is not valid JSON: {exc}") from exc
    return set_from_json(data)


# -- receipts and discounts over the promo.price ask -------------------------------------


def receipt_to_json(r: Receipt) -> dict[str, Any]:
    """What pricing needs of a receipt (payments are not sent)."""
    return {
        "kind": r.kind,
        "lines": [
            {
                "position": ln.position,
                "article": ln.article,
                "name": ln.name,
                "quantity": ln.quantity,
                "price": ln.price,
                "measure": ln.measure,
                "voided": ln.voided,
            }
            for ln in r.lines
        ],
    }


def receipt_from_json(data: Any) -> Receipt:
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise CampaignError("receipt must be an object with 'lines'")
    lines = []
    for i, d in enumerate(data["lines"]):
        where = f"receipt line {i + 1}"
        if not isinstance(d, dict):
            raise CampaignError(f"{where} must be an object")
        lines.append(
            Line(
                position=_field(d, "position", int, where),
                article=_field(d, "article", str, where),
                name=_field(d, "name", str, where),
                barcode=None,
                quantity=_field(d, "quantity", int, where),
                price=_field(d, "price", int, where),
                measure=str(d.get("measure") or ""),
                taxgroup_id=None,
                price_type=None,
                seller_code=None,
                voided=bool(d.get("voided", False)),
            )
        )
    return Receipt(kind=data.get("kind", "sale"), lines=tuple(lines))


def discounts_to_json(discounts: Mapping[int, tuple[LineDiscount, ...]]) -> dict[str, Any]:
    return {
        str(p): [[d.campaign_id, d.name, d.amount] for d in ds]
        for p, ds in sorted(discounts.items())
    }


def discounts_from_json(data: Any) -> dict[int, tuple[LineDiscount, ...]]:
    if not isinstance(data, dict):
        raise CampaignError("discounts must be an object")
    return {
        int(p): tuple(LineDiscount(str(c), str(n), int(a)) for c, n, a in ds)
        for p, ds in data.items()
    }


def context_to_json(ctx: PriceContext) -> dict[str, Any]:
    return {
        "store": ctx.store,
        "till": ctx.till,
        "at": ctx.at.isoformat(timespec="seconds"),
        "card": None
        if ctx.card is None
        else {"number": ctx.card.number, "level": ctx.card.level, "state": ctx.card.state},
        "coupons": [[c.code, c.campaign_id] for c in ctx.coupons],
    }


def context_from_json(data: Any) -> PriceContext:
    if not isinstance(data, dict):
        raise CampaignError("context must be an object")
    at = _when(data.get("at"), "at", "context")
    if at is None:
        raise CampaignError("context: 'at' (store-local date-time) is required")
    card = data.get("card")
    return PriceContext(
        store=str(data.get("store") or ""),
        at=at,
        till=data.get("till"),
        card=None
        if not card
        else CardInfo(str(card["number"]), int(card.get("level", 0)), str(card.get("state"))),
        coupons=tuple(PresentedCoupon(str(c), str(k)) for c, k in data.get("coupons") or []),
    )
