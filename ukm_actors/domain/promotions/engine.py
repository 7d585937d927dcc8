"""The promotion engine: one deterministic answer for a receipt and a campaign set.

``Engine(campaign_set).price(receipt, context)`` gives every line's discounts,
each naming the campaign that gave it. The rules, in the order they act:

1. **Who may apply.** A campaign applies when it runs at ``context.at`` (period,
   days, hours), in ``context.store``, for the customer (any; a card holder with
   an active card; a card of at least ``min_level``), with its coupon presented,
   and when the receipt meets its conditions. Conditions are checked on the
   receipt as scanned (amounts before any discount). Lines selling gift
   certificates never take part.
2. **Order.** Higher ``priority`` first; equal priorities by campaign ``id``
   (plain string order). This is the only tie rule and it makes the answer
   unique.
3. **Stacking.** Campaigns act one after another on what is left to pay:
   ``stackable`` ones discount any line not locked; ``exclusive`` ones only
   lines no campaign has discounted yet, and lock the lines they discount;
   ``best`` ones compete: at the place of the first of them in the order, each
   is tried on the receipt as it is then, only the one giving the largest
   total discount is applied (equal totals: the earlier in the order), and it
   locks the lines it discounts. Percents of a later campaign are taken of
   what is left after the earlier ones.
4. **Floors.** No line is ever discounted below its floor price × quantity;
   a group or receipt discount that a line cannot take goes to the others.
5. **Bonus points** (``Bonus`` actions) never discount and always add up; they
   need an active card. They are computed on what is paid (``earn``).

Only sale receipts are priced; a return keeps the discounts of its original.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ukm_actors.domain.money import Money, Quantity, allocate, format_money, percent
from ukm_actors.domain.promotions.actions import LineState, floor_amount, propose, spread_total
from ukm_actors.domain.promotions.conditions import unmet
from ukm_actors.domain.promotions.model import (
    Bonus,
    Campaign,
    CampaignSet,
    CheapestFree,
    Discount,
    Gift,
    PriceContext,
)
from ukm_actors.domain.receipt import Line, LineDiscount, Receipt


@dataclass(frozen=True)
class AppliedCampaign:
    """A campaign that gave something, and how much in all."""

    campaign_id: str
    name: str
    discount: Money
    positions: tuple[int, ...]


@dataclass(frozen=True)
class Earned:
    """Bonus points one campaign earns on a receipt."""

    campaign_id: str
    name: str
    points: int


@dataclass(frozen=True)
class MissingGift:
    """A gift the customer is entitled to but which is not on the receipt."""

    campaign_id: str
    article: str
    quantity: Quantity


@dataclass(frozen=True)
class Pricing:
    """The engine's answer for one receipt."""

    discounts: dict[int, tuple[LineDiscount, ...]]
    """Every line's campaign discounts (``()`` for none), by position."""
    applied: tuple[AppliedCampaign, ...] = ()
    coupons_used: tuple[str, ...] = ()
    """Codes of the presented coupons that enabled an applied campaign."""
    missing_gifts: tuple[MissingGift, ...] = ()
    earned: tuple[Earned, ...] = ()
    """Points the receipt would earn if paid without bonus points."""

    @property
    def total_discount(self) -> Money:
        return sum(d.amount for ds in self.discounts.values() for d in ds)

    def explain(self, receipt: Receipt) -> list[str]:
        """One line of text per discount: which line, how much, which campaign."""
        out: list[str] = []
        for line in receipt.lines:
            for d in self.discounts.get(line.position, ()):
                out.append(
                    f"{line.describe()}: -{format_money(d.amount)} {d.name} [{d.campaign_id}]"
                )
        for e in self.earned:
            out.append(f"bonus: +{e.points} points {e.name} [{e.campaign_id}]")
        return out


class Engine:
    """Prices receipts against one ``CampaignSet`` (build once, use many times).

    Campaigns are indexed by the articles and groups they name, so a receipt
    only looks at the campaigns its items can trigger, plus the receipt-wide
    ones.
    """

    def __init__(self, campaign_set: CampaignSet) -> None:
        self.set = campaign_set
        self.campaigns: list[Campaign] = sorted(
            campaign_set.campaigns, key=lambda c: (-c.priority, c.id)
        )
        self._by_article: dict[str, list[int]] = {}
        self._by_group: dict[str, list[int]] = {}
        self._by_set_article: dict[str, list[int]] = {}
        self._global: list[int] = []
        self._by_id = {c.id: c for c in self.campaigns}
        for i, c in enumerate(self.campaigns):
            items = c.conditions.items
            if not items.is_all:
                for a in items.articles:
                    self._by_article.setdefault(a, []).append(i)
                for g in items.groups:
                    self._by_group.setdefault(g, []).append(i)
            elif isinstance(c.action, CheapestFree):
                self._by_set_article.setdefault(c.action.articles[0], []).append(i)
            else:
                self._global.append(i)
        self._memo: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    # -- candidates and eligibility -----------------------------------------------

    def _lines(self, receipt: Receipt) -> list[Line]:
        certs = self.set.certificate_articles
        return [ln for ln in receipt.active_lines if ln.article not in certs]

    def _hits(self, article: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The campaigns an article's line can trigger: by its filter, and as the first
        article of a cheapest-free set (remembered per article)."""
        found = self._memo.get(article)
        if found is None:
            hits = set(self._by_article.get(article, ()))
            for g in self.set.item_groups.get(article, ()):
                hits.update(self._by_group.get(g, ()))
            found = (tuple(sorted(hits)), tuple(self._by_set_article.get(article, ())))
            self._memo[article] = found
        return found

    def _candidates(self, lines: Sequence[Line]) -> dict[int, list[int]]:
        """Campaign index → positions of the lines matching its item filter."""
        found: dict[int, list[int]] = {}
        everyone = [ln.position for ln in lines]
        for ln in lines:
            pos = ln.position
            by_filter, by_set = self._hits(ln.article)
            for i in by_filter:
                got = found.get(i)
                if got is None:
                    found[i] = [pos]
                else:
                    got.append(pos)
            for i in by_set:
                found[i] = everyone
        for i in self._global:
            found[i] = everyone
        return found

    def _eligible(
        self,
        c: Campaign,
        matched: Sequence[int],
        by_pos: Mapping[int, LineState],
        receipt_amount: Money,
        ctx: PriceContext,
        coupon_of: Mapping[str, str],
    ) -> bool:
        return unmet(c, matched, by_pos, receipt_amount, ctx, coupon_of) is None

    def why_not(self, campaign_id: str, receipt: Receipt, ctx: PriceContext) -> str | None:
        """The first condition campaign ``campaign_id`` does not meet on ``receipt`` (a
        word of ``conditions.WHY_NOT``), or None when it may apply."""
        c = self._by_id.get(campaign_id)
        if c is None:
            return "unknown"
        lines = self._lines(receipt)
        states = {ln.position: LineState(ln, ln.amount, 0) for ln in lines}
        matched = self._candidates(lines).get(self.campaigns.index(c), [])
        amount = sum(st.amount for st in states.values())
        return unmet(c, matched, states, amount, ctx, _coupons_by_campaign(ctx))

    # -- pricing ----------------------------------------------------------------------

    def price(self, receipt: Receipt, ctx: PriceContext) -> Pricing:
        """Every line's campaign discounts for ``receipt`` in ``ctx`` (see the module rules)."""
        if receipt.kind != "sale":
            return Pricing(discounts={})
        lines = self._lines(receipt)
        if not self.campaigns:  # a store without promotions pays nothing per scan
            return Pricing(discounts={ln.position: () for ln in lines})
        floors = self.set.floors
        states = {
            ln.position: LineState(ln, ln.amount, floor_amount(ln, floors) if floors else 0)
            for ln in lines
        }
        coupon_of = _coupons_by_campaign(ctx)
        amount = sum(s.amount for s in states.values())
        candidates = self._candidates(lines)
        eligible = [
            i
            for i in sorted(candidates)
            if self._eligible(self.campaigns[i], candidates[i], states, amount, ctx, coupon_of)
        ]
        given: dict[int, list[LineDiscount]] = {p: [] for p in states}
        applied: list[AppliedCampaign] = []
        used: list[str] = []
        missing: list[MissingGift] = []
        present = {ln.article for ln in lines}
        for i in eligible:
            c = self.campaigns[i]
            if isinstance(c.action, Gift) and c.action.article not in present:
                missing.append(MissingGift(c.id, c.action.article, c.action.quantity))
        open_lines = sum(1 for s in states.values() if s.room > 0)
        best_done = False
        for i in eligible:
            if open_lines == 0:
                break
            c = self.campaigns[i]
            if c.is_bonus:
                continue
            if c.stacking == "best":
                if best_done:
                    continue
                best_done = True
                winner = self._best(eligible, candidates, states)
                if winner is None:
                    continue
                i, proposal = winner
                c = self.campaigns[i]
            else:
                proposal = self._proposal(c, candidates[i], states)
            if not proposal:
                continue
            for pos in sorted(proposal):
                s = states[pos]
                s.take(proposal[pos])
                if c.stacking != "stackable":
                    s.locked = True
                given[pos].append(LineDiscount(c.id, c.name, proposal[pos]))
            applied.append(
                AppliedCampaign(c.id, c.name, sum(proposal.values()), tuple(sorted(proposal)))
            )
            open_lines = sum(1 for s in states.values() if s.room > 0 and not s.locked)
            if c.conditions.coupon is not None:
                code = coupon_of[c.conditions.coupon]
                if code not in used:
                    used.append(code)
        discounts = {ln.position: tuple(given.get(ln.position, ())) for ln in receipt.lines}
        totals = {p: s.remaining for p, s in states.items()}
        earned = self._earn(eligible, candidates, totals)
        for e in earned:
            coupon = self._by_id[e.campaign_id].conditions.coupon
            if coupon is not None and coupon_of[coupon] not in used:
                used.append(coupon_of[coupon])
        return Pricing(discounts, tuple(applied), tuple(used), tuple(missing), earned)

    def _targets(
        self, c: Campaign, matched: Sequence[int], states: Mapping[int, LineState]
    ) -> list[LineState]:
        scope_all = getattr(c.action, "scope", "line") == "receipt" or isinstance(
            c.action, (CheapestFree, Gift)
        )
        pool: Iterable[LineState] = states.values() if scope_all else [states[p] for p in matched]
        if c.stacking == "exclusive":
            return [s for s in pool if s.room > 0 and not s.touched and not s.locked]
        return [s for s in pool if s.room > 0 and not s.locked]

    def _proposal(
        self, c: Campaign, matched: Sequence[int], states: Mapping[int, LineState]
    ) -> dict[int, Money]:
        return propose(c.action, self._targets(c, matched, states))

    def _best(
        self,
        eligible: Sequence[int],
        candidates: Mapping[int, Sequence[int]],
        states: Mapping[int, LineState],
    ) -> tuple[int, dict[int, Money]] | None:
        winner: int | None = None
        best_total = 0
        for i in eligible:
            c = self.campaigns[i]
            if c.stacking != "best" or c.is_bonus:
                continue
            a = c.action
            if isinstance(a, Discount) and a.scope != "line":
                total = spread_total(a, self._targets(c, candidates[i], states))
            else:
                total = sum(self._proposal(c, candidates[i], states).values())
            if total > best_total:
                winner, best_total = i, total
        if winner is None:
            return None
        return winner, self._proposal(self.campaigns[winner], candidates[winner], states)

    # -- bonus points -------------------------------------------------------------------

    def _earn(
        self,
        eligible: Sequence[int],
        candidates: Mapping[int, Sequence[int]],
        paid: Mapping[int, Money],
    ) -> tuple[Earned, ...]:
        out: list[Earned] = []
        for i in eligible:
            c = self.campaigns[i]
            if not isinstance(c.action, Bonus):
                continue
            basis = sum(paid.get(p, 0) for p in candidates[i])
            points = percent(basis, c.action.value)
            if points > 0:
                out.append(Earned(c.id, c.name, points))
        return tuple(out)

    def earn(
        self, receipt: Receipt, ctx: PriceContext, bonus_paid: Money = 0
    ) -> tuple[Earned, ...]:
        """Points a paid sale earns: bonus campaigns' percents of what was paid for
        their lines, where ``bonus_paid`` (points spent as payment) is taken off the
        lines in proportion to their totals (points never earn points)."""
        if receipt.kind != "sale":
            return ()
        lines = self._lines(receipt)
        by_pos = {ln.position: LineState(ln, ln.amount, 0) for ln in lines}
        totals = [ln.total for ln in lines]
        shares = allocate(min(bonus_paid, sum(totals)), totals) if lines else []
        paid = {ln.position: ln.total - share for ln, share in zip(lines, shares, strict=True)}
        coupon_of = _coupons_by_campaign(ctx)
        amount = sum(s.amount for s in by_pos.values())
        candidates = self._candidates(lines)
        eligible = [
            i
            for i in sorted(candidates)
            if self.campaigns[i].is_bonus
            and self._eligible(self.campaigns[i], candidates[i], by_pos, amount, ctx, coupon_of)
        ]
        return self._earn(eligible, candidates, paid)


def _coupons_by_campaign(ctx: PriceContext) -> dict[str, str]:
    """Coupon campaign → the presented code used for it (the smallest code)."""
    out: dict[str, str] = {}
    for coupon in sorted(ctx.coupons, key=lambda c: c.code):
        out.setdefault(coupon.campaign_id, coupon.code)
    return out
