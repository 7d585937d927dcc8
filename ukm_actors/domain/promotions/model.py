"""Campaigns as values: when they run, for whom, on what, and what they give.

A ``Campaign`` is a frozen value; everything the engine needs to price a
receipt for one store is a ``CampaignSet`` (the campaigns, the item →
group map for the groups they name, the per-item price floors, the coupon
rules). The marketing server builds a set from its tables; a till builds the
very same set from its ``promo.campaigns`` document, so both price alike.

Money is kopecks, quantities thousandths, percents basis points (1000 =
10 %). Times are the store's local wall-clock time (naive ``datetime``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

from ukm_actors.domain.money import Money, Quantity
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

Stacking = Literal["exclusive", "stackable", "best"]
STACKING: tuple[str, ...] = ("exclusive", "stackable", "best")
CustomerKind = Literal["any", "card", "level"]
CUSTOMERS: tuple[str, ...] = ("any", "card", "level")
Scope = Literal["line", "group", "receipt"]
SCOPES: tuple[str, ...] = ("line", "group", "receipt")


class CampaignError(UkmError, ValueError):
    """A campaign definition that cannot be used; the message names the field."""

    code = "promo.campaign_invalid"


def _err(campaign_id: str, what: str) -> CampaignError:
    return CampaignError(_("campaign {id}: {what}", id=repr(campaign_id), what=what))


def _unknown(what: str, value: object, allowed: tuple[str, ...]) -> str:
    return _(
        "{what} {value} is unknown; use one of {allowed}",
        what=what,
        value=repr(value),
        allowed=", ".join(allowed),
    )


@dataclass(frozen=True)
class Schedule:
    """When a campaign runs: a period, days of the week, hours of the day.

    ``starts`` is inclusive, ``ends`` exclusive (either may be open).
    ``days`` are ISO weekdays (1 = Monday … 7 = Sunday), empty for every day.
    ``hours`` is ``(from, to)``, ``from`` inclusive and ``to`` exclusive; a
    ``from`` later than ``to`` runs across midnight (22:00–06:00).
    """

    starts: datetime | None = None
    ends: datetime | None = None
    days: frozenset[int] = frozenset()
    hours: tuple[time, time] | None = None

    def active_at(self, at: datetime) -> bool:
        """True when the campaign runs at the store-local time ``at``."""
        if self.starts is not None and at < self.starts:
            return False
        if self.ends is not None and at >= self.ends:
            return False
        if self.days and at.isoweekday() not in self.days:
            return False
        if self.hours is not None:
            start, end = self.hours
            now = at.time()
            if start <= end:
                if not start <= now < end:
                    return False
            elif end <= now < start:
                return False
        return True


@dataclass(frozen=True)
class ItemFilter:
    """Which items a campaign looks at: listed articles and groups (with subgroups).

    Both empty means every item.
    """

    articles: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @property
    def is_all(self) -> bool:
        return not self.articles and not self.groups

    def matches(self, article: str, groups: frozenset[str]) -> bool:
        """``groups``: every group the item is in, ancestors included."""
        if self.is_all:
            return True
        return article in self.articles or not self.groups.isdisjoint(groups)


@dataclass(frozen=True)
class Conditions:
    """What the receipt must hold for a campaign to apply (checked before any discount).

    ``min_quantity``/``min_amount`` count the lines that match ``items``;
    ``min_receipt`` is the whole receipt's amount; ``coupon`` names a coupon
    campaign one of whose coupons must be presented.
    """

    items: ItemFilter = ItemFilter()
    min_quantity: Quantity = 0
    min_amount: Money = 0
    min_receipt: Money = 0
    coupon: str | None = None


@dataclass(frozen=True)
class Discount:
    """``percent`` (``value`` in basis points) or ``amount`` (kopecks) off.

    Scope ``line``: each matching line on its own (an amount is per unit);
    ``group``: once over the matching lines together; ``receipt``: once over
    the whole receipt. Group and receipt discounts are spread over their lines
    in proportion to what is left to pay on each.
    """

    kind: Literal["percent", "amount"]
    value: int
    scope: Scope = "line"


@dataclass(frozen=True)
class FixedPrice:
    """Matching items sell at ``price`` per unit (never dearer than they are)."""

    price: Money


@dataclass(frozen=True)
class NForM:
    """Of every ``n`` units of matching items the customer pays for ``m``: the
    cheapest ``n - m`` units of each group of ``n`` (dearest first) are free.
    Only whole units count (weighed items do not take part)."""

    n: int
    m: int


@dataclass(frozen=True)
class CheapestFree:
    """For every complete set (one unit of each listed article), the cheapest unit
    of the set is free."""

    articles: tuple[str, ...]


@dataclass(frozen=True)
class Gift:
    """Up to ``quantity`` of ``article`` is free when it is on the receipt (the cashier
    scans the gift; the engine makes it free)."""

    article: str
    quantity: Quantity = 1000


@dataclass(frozen=True)
class Bonus:
    """Bonus points to earn: ``value`` basis points of what is paid for the matching
    lines (1 point = 1 kopeck). Never a discount; always adds up."""

    value: int


Action = Discount | FixedPrice | NForM | CheapestFree | Gift | Bonus


@dataclass(frozen=True)
class Campaign:
    """One promotion. Higher ``priority`` is considered first; ties by ``id``."""

    id: str
    name: str
    action: Action
    priority: int = 0
    stacking: Stacking = "stackable"
    schedule: Schedule = Schedule()
    stores: frozenset[str] = frozenset()
    """Stores (external codes) it runs in; empty for every store."""
    customer: CustomerKind = "any"
    min_level: int = 0
    """With ``customer == "level"``: the card's level must be at least this."""
    conditions: Conditions = Conditions()

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def is_bonus(self) -> bool:
        return isinstance(self.action, Bonus)


def _validate(c: Campaign) -> None:
    if not c.id or len(c.id) > 60:
        raise CampaignError(_("campaign id {id} must be 1 to 60 characters", id=repr(c.id)))
    if not c.name:
        raise _err(c.id, _("name is empty"))
    if c.stacking not in STACKING:
        raise _err(c.id, _unknown("stacking", c.stacking, STACKING))
    if c.customer not in CUSTOMERS:
        raise _err(c.id, _unknown("customer", c.customer, CUSTOMERS))
    if c.min_level < 0:
        raise _err(c.id, _("min_level must be 0 or more"))
    s = c.schedule
    if s.starts is not None and s.ends is not None and s.ends <= s.starts:
        raise _err(c.id, _("its period ends before it starts"))
    if any(d not in range(1, 8) for d in s.days):
        days = str(sorted(s.days))
        raise _err(c.id, _("days {days} must be 1 (Monday) to 7 (Sunday)", days=days))
    if s.hours is not None and s.hours[0] == s.hours[1]:
        raise _err(c.id, _("hours from and to are equal; leave hours out for all day"))
    k = c.conditions
    if min(k.min_quantity, k.min_amount, k.min_receipt) < 0:
        raise _err(c.id, _("minimum quantity and amounts must be 0 or more"))
    a = c.action
    if isinstance(a, Discount):
        if a.kind not in ("percent", "amount"):
            raise _err(c.id, _unknown("discount kind", a.kind, ("percent", "amount")))
        if a.scope not in SCOPES:
            raise _err(c.id, _unknown("scope", a.scope, SCOPES))
        if a.value <= 0 or (a.kind == "percent" and a.value > 10_000):
            raise _err(
                c.id,
                _(
                    "{kind} value {value} must be more than 0 (percent: at most 10000)",
                    kind=a.kind,
                    value=a.value,
                ),
            )
    elif isinstance(a, FixedPrice):
        if a.price < 0:
            raise _err(c.id, _("fixed price must be 0 or more"))
    elif isinstance(a, NForM):
        if not 0 < a.m < a.n:
            raise _err(c.id, _("{n} for {m}: need 0 < m < n", n=a.n, m=a.m))
    elif isinstance(a, CheapestFree):
        if len(set(a.articles)) < 2 or len(set(a.articles)) != len(a.articles):
            raise _err(c.id, _("the cheapest-free set needs two or more different articles"))
    elif isinstance(a, Gift):
        if not a.article or a.quantity <= 0:
            raise _err(c.id, _("a gift needs an article and a quantity more than 0"))
    elif isinstance(a, Bonus):
        if not 0 < a.value <= 10_000:
            raise _err(
                c.id, _("bonus value {value} must be 1 to 10000 basis points", value=a.value)
            )
    else:  # pragma: no cover - the type union is closed
        raise _err(c.id, f"unknown action {a!r}")


@dataclass(frozen=True)
class CouponRule:
    """How a till recognises a coupon of a coupon campaign without asking:
    its prefix, its length, and whether its last digit is a check digit."""

    campaign_id: str
    prefix: str
    length: int
    check_digit: bool = True


@dataclass(frozen=True)
class CardInfo:
    """A loyalty card as pricing sees it."""

    number: str
    level: int = 0
    state: str = "active"

    @property
    def active(self) -> bool:
        return self.state == "active"


@dataclass(frozen=True)
class PresentedCoupon:
    """A coupon the customer showed, already recognised as one of ``campaign_id``."""

    code: str
    campaign_id: str


@dataclass(frozen=True)
class PriceContext:
    """Where, when and for whom a receipt is priced."""

    store: str
    at: datetime
    till: int | None = None
    card: CardInfo | None = None
    coupons: tuple[PresentedCoupon, ...] = ()


@dataclass(frozen=True)
class CampaignSet:
    """Everything needed to price receipts of one store (or of the whole chain).

    ``item_groups``: article → every group it is in (ancestors included),
    for the groups campaigns name. ``floors``: article → the lowest price per
    unit it may be sold at. ``version`` identifies the set (a content hash).
    """

    campaigns: tuple[Campaign, ...] = ()
    item_groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    floors: Mapping[str, Money] = field(default_factory=dict)
    coupon_rules: tuple[CouponRule, ...] = ()
    certificate_articles: frozenset[str] = frozenset()
    """Articles that sell gift certificates (their lines never get discounts)."""
    version: str = ""

    def __post_init__(self) -> None:
        ids = [c.id for c in self.campaigns]
        if len(ids) != len(set(ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise CampaignError(f"campaign ids {dupes} appear more than once in one set")
