"""What each action proposes for its lines, given what is still left on them.

Every function returns ``{position: discount}`` with each discount at most the
line's ``room`` (what is left to pay above its price floor), so a proposal can
be applied as it is. All arithmetic is on integers; ties are broken by line
position, so the same input always gives the same proposal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ukm_actors.domain.money import ONE, Money, allocate, line_amount, percent, round_div
from ukm_actors.domain.promotions.model import (
    Action,
    CheapestFree,
    Discount,
    FixedPrice,
    Gift,
    NForM,
)
from ukm_actors.domain.receipt import Line

Proposal = dict[int, Money]


class LineState:
    """One line while a receipt is priced."""

    __slots__ = ("amount", "floor", "line", "locked", "remaining", "room", "touched")

    def __init__(self, line: Line, amount: Money, floor: Money) -> None:
        self.line = line
        self.amount: Money = amount
        """The line's amount before any discount."""
        self.remaining: Money = amount
        """What the customer would pay for it now."""
        self.floor: Money = floor
        """The least it may cost (its floor price × quantity)."""
        self.room: Money = amount - floor if amount > floor else 0
        """What it may still be discounted: ``remaining - floor``, never below 0."""
        self.touched = False
        self.locked = False

    def take(self, amount: Money) -> None:
        """Discount the line by ``amount`` (at most its room)."""
        self.remaining -= amount
        self.room = max(self.remaining - self.floor, 0)
        self.touched = True


def spread(total: Money, states: Sequence[LineState]) -> Proposal:
    """Spread ``total`` over ``states`` in proportion to what is left on each,
    never past a line's room; what a full line cannot take goes to the others.

    The result sums to ``total`` unless every line is full first.
    """
    out = {s.line.position: 0 for s in states}
    left = total
    active = [s for s in states if s.room > 0]
    while left > 0 and active:
        parts = allocate(left, [s.remaining - out[s.line.position] for s in active])
        placed = 0
        still: list[LineState] = []
        for s, part in zip(active, parts, strict=True):
            pos = s.line.position
            take = min(part, s.room - out[pos])
            out[pos] += take
            placed += take
            if s.room - out[pos] > 0:
                still.append(s)
        left -= placed
        if placed == 0:
            break
        active = still
    return {p: a for p, a in out.items() if a > 0}


def _share(s: LineState, units: int, of_units: int) -> Money:
    """The part of what is left on the line that ``units`` of its ``of_units`` cost."""
    return min(round_div(s.remaining * units, of_units), s.room)


def _pieces(states: Sequence[LineState]) -> list[LineState]:
    return [s for s in states if s.line.quantity % ONE == 0]


def discount(action: Discount, states: Sequence[LineState]) -> Proposal:
    """Percent or amount off, per line or once over the lines (group, receipt)."""
    if action.scope == "line":
        out: Proposal = {}
        for s in states:
            if action.kind == "percent":
                amount = percent(s.remaining, action.value)
            else:
                amount = line_amount(action.value, s.line.quantity)
            amount = min(amount, s.room)
            if amount > 0:
                out[s.line.position] = amount
        return out
    if action.kind == "percent":
        total = percent(sum(s.remaining for s in states), action.value)
    else:
        total = action.value
    return spread(total, states)


def spread_total(action: Discount, states: Sequence[LineState]) -> Money:
    """What ``discount`` gives in all for a group or receipt scope, without spreading
    it (``spread`` places everything it can: the lesser of the total and the room)."""
    if action.kind == "percent":
        total = percent(sum(s.remaining for s in states), action.value)
    else:
        total = action.value
    return min(total, sum(s.room for s in states))


def fixed_price(action: FixedPrice, states: Sequence[LineState]) -> Proposal:
    """Each line down to ``price`` × its quantity (no line gets dearer)."""
    out: Proposal = {}
    for s in states:
        target = line_amount(action.price, s.line.quantity)
        amount = min(max(s.remaining - target, 0), s.room)
        if amount > 0:
            out[s.line.position] = amount
    return out


def _free_units_below(x: int, n: int, m: int) -> int:
    """How many of unit indices 0..x-1 are free when every index i with i % n >= m is."""
    return (x // n) * (n - m) + max(0, x % n - m)


def n_for_m(action: NForM, states: Sequence[LineState]) -> Proposal:
    """Units sorted dearest first, in groups of ``n``: the last ``n - m`` of each group
    are free. An incomplete last group gets nothing."""
    pieces = sorted(_pieces(states), key=lambda s: (-s.line.price, s.line.position))
    total_units = sum(s.line.quantity // ONE for s in pieces)
    limit = (total_units // action.n) * action.n
    out: Proposal = {}
    start = 0
    for s in pieces:
        units = s.line.quantity // ONE
        end = start + units
        free = _free_units_below(min(end, limit), action.n, action.m) - _free_units_below(
            min(start, limit), action.n, action.m
        )
        start = end
        if free > 0:
            amount = _share(s, free, units)
            if amount > 0:
                out[s.line.position] = amount
    return out


def cheapest_free(action: CheapestFree, states: Sequence[LineState]) -> Proposal:
    """As many free units of the set's cheapest article as there are complete sets."""
    by_article: dict[str, list[LineState]] = {a: [] for a in action.articles}
    for s in _pieces(states):
        if s.line.article in by_article:
            by_article[s.line.article].append(s)
    units = {a: sum(s.line.quantity // ONE for s in ls) for a, ls in by_article.items()}
    sets = min(units.values())
    if sets == 0:
        return {}
    rank = {a: i for i, a in enumerate(action.articles)}
    cheapest = min(
        action.articles, key=lambda a: (min(s.line.price for s in by_article[a]), rank[a])
    )
    out: Proposal = {}
    left = sets
    for s in sorted(by_article[cheapest], key=lambda s: (s.line.price, s.line.position)):
        if left == 0:
            break
        line_units = s.line.quantity // ONE
        free = min(line_units, left)
        left -= free
        amount = _share(s, free, line_units)
        if amount > 0:
            out[s.line.position] = amount
    return out


def gift(action: Gift, states: Sequence[LineState]) -> Proposal:
    """Up to ``quantity`` of the gift article free, first lines first."""
    out: Proposal = {}
    left = action.quantity
    for s in states:
        if left <= 0:
            break
        if s.line.article != action.article:
            continue
        q = min(s.line.quantity, left)
        left -= q
        amount = _share(s, q, s.line.quantity)
        if amount > 0:
            out[s.line.position] = amount
    return out


def propose(action: Action, states: Sequence[LineState]) -> Proposal:
    """The discounts ``action`` gives on ``states`` (bonus points give none)."""
    if isinstance(action, Discount):
        return discount(action, states)
    if isinstance(action, FixedPrice):
        return fixed_price(action, states)
    if isinstance(action, NForM):
        return n_for_m(action, states)
    if isinstance(action, CheapestFree):
        return cheapest_free(action, states)
    if isinstance(action, Gift):
        return gift(action, states)
    return {}


def floor_amount(line: Line, floors: Mapping[str, Money]) -> Money:
    """The least a line may cost: its floor price (never above its price) × quantity."""
    floor = floors.get(line.article, 0)
    if floor <= 0:
        return 0
    return line_amount(min(floor, line.price), line.quantity)
