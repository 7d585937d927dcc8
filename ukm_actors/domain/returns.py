"""Returns against an original receipt: what may still be returned, what to refund.

The refund for a line is the share of what the customer actually paid for
it (after discounts), in proportion to the quantity returned. Shares are
computed cumulatively, ``refund(q) = paid(already + q) - paid(already)``
with ``paid(x) = round(total × x / quantity)``, so any number of partial
returns of a line add up to exactly ``paid(returned so far)``: never more
than the line's total, and exactly the total once everything is back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ukm_actors.domain.money import Money, Quantity, format_money, format_quantity, round_div
from ukm_actors.domain.receipt import Payment
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _


class ReturnError(UkmError, ValueError):
    """A return that cannot be accepted; ``code`` says which rule."""

    code = "return.invalid"


@dataclass(frozen=True)
class OriginalLine:
    """A line of the original sale: ``total`` is what was paid for it after discounts."""

    position: int
    article: str
    name: str
    quantity: Quantity
    price: Money
    total: Money

    def __post_init__(self) -> None:
        if self.quantity <= 0 or self.total < 0 or self.price < 0:
            raise ReturnError(
                _(
                    "original {value}: quantity must be more than zero and price and total not "
                    "negative",
                    value=self.describe(),
                ),
                code="return.original_invalid",
            )

    def describe(self) -> str:
        """``"line 3 (Молоко 1 л)"``: how messages name this line."""
        return _("line {position} ({name})", position=self.position, name=self.name)


@dataclass(frozen=True)
class ReturnLine:
    """One accepted line of a return: how much comes back and the money refunded for it."""

    position: int
    article: str
    name: str
    quantity: Quantity
    price: Money
    amount: Money


def _paid_share(line: OriginalLine, quantity: Quantity) -> Money:
    return round_div(line.total * quantity, line.quantity)


def refund_amount(line: OriginalLine, quantity: Quantity, already_returned: Quantity = 0) -> Money:
    """The money refunded for returning ``quantity`` of ``line`` after ``already_returned``.

    Returning the whole quantity refunds exactly ``line.total``; the refunds
    of successive partial returns always add up to at most ``line.total``.
    """
    if quantity <= 0:
        raise ReturnError(
            _("{value}: the quantity to return must be more than zero", value=line.describe()),
            code="return.quantity",
        )
    if already_returned < 0 or already_returned + quantity > line.quantity:
        left = max(line.quantity - max(already_returned, 0), 0)
        raise ReturnError(
            _(
                "{value}: {quantity} cannot be returned, only {left} is still returnable",
                value=line.describe(),
                quantity=format_quantity(quantity),
                left=format_quantity(left),
            ),
            code="return.exceeds",
        )
    return _paid_share(line, already_returned + quantity) - _paid_share(line, already_returned)


def _by_position(original_lines: Iterable[OriginalLine]) -> dict[int, OriginalLine]:
    out: dict[int, OriginalLine] = {}
    for line in original_lines:
        if line.position in out:
            raise ReturnError(
                _("the original receipt has line {position} twice", position=line.position),
                code="return.original_invalid",
            )
        out[line.position] = line
    return out


def returnable(
    original_lines: Iterable[OriginalLine], earlier_returns: Mapping[int, Quantity]
) -> dict[int, Quantity]:
    """Per position, the quantity that may still be returned (0 when all is back).

    ``earlier_returns`` holds what earlier returns took back, per position;
    positions not on the original receipt are ignored.
    """
    return {
        pos: max(line.quantity - earlier_returns.get(pos, 0), 0)
        for pos, line in sorted(_by_position(original_lines).items())
    }


def check_return(
    original_lines: Iterable[OriginalLine],
    earlier: Mapping[int, Quantity],
    requested: Mapping[int, Quantity],
) -> list[ReturnLine]:
    """Accept a return of ``requested`` quantities per position, or raise ``ReturnError``.

    Codes: ``return.empty`` (nothing requested), ``return.line_unknown`` (no such
    line on the original receipt), ``return.quantity`` (not more than zero),
    ``return.exceeds`` (more than is still returnable; the message says how
    much is). Lines come back in position order.
    """
    lines = _by_position(original_lines)
    if not requested:
        raise ReturnError(_("choose at least one line to return"), code="return.empty")
    out: list[ReturnLine] = []
    for pos in sorted(requested):
        line = lines.get(pos)
        if line is None:
            raise ReturnError(
                _("the original receipt has no line {pos}; check the receipt number", pos=pos),
                code="return.line_unknown",
            )
        qty = requested[pos]
        done = min(max(earlier.get(pos, 0), 0), line.quantity)
        left = line.quantity - done
        if qty > 0 and qty > left:
            if left == 0:
                msg = f"{line.describe()} has already been returned in full"
            else:
                msg = (
                    f"{line.describe()}: {format_quantity(qty)} requested, but only "
                    f"{format_quantity(left)} can still be returned"
                )
            raise ReturnError(msg, code="return.exceeds")
        amount = refund_amount(line, qty, done)
        out.append(ReturnLine(pos, line.article, line.name, qty, line.price, amount))
    return out


def refund_plan(
    original_payments: Sequence[Payment],
    refund_total: Money,
    earlier_refunds: Sequence[Payment] = (),
) -> list[Payment]:
    """How to pay ``refund_total`` back: by the original means first, the rest in cash.

    Each non-cash payment of the original receipt (card, certificate, bonus),
    in its original order, takes back up to its own amount, keeping its
    ``rrn``, ``card_mask`` and ``reference``; whatever is left is cash. When
    ``earlier_refunds`` (earlier returns of the same receipt) are given,
    they are counted against the original payments of the same type in
    that same order first. A cash remainder on a receipt that was not paid
    in cash at all means the refund exceeds what was paid, and is refused.
    """
    if refund_total < 0:
        raise ReturnError(
            _("refund {refund_total} is negative", refund_total=format_money(refund_total)),
            code="return.refund_invalid",
        )
    used: dict[str, Money] = {}
    for p in earlier_refunds:
        if p.type != "cash":
            used[p.type] = used.get(p.type, 0) + p.amount
    plan: list[Payment] = []
    left = refund_total
    for p in original_payments:
        if p.type == "cash":
            continue
        taken_before = min(used.get(p.type, 0), p.amount)
        used[p.type] = used.get(p.type, 0) - taken_before
        take = min(p.amount - taken_before, left)
        if take > 0:
            plan.append(Payment(p.type, take, p.rrn, p.card_mask, p.reference))
            left -= take
    if left > 0:
        if not any(p.type == "cash" for p in original_payments):
            raise ReturnError(
                _(
                    "refund {refund_total} is {left} more than what is left to refund of this "
                    "receipt's payments",
                    refund_total=format_money(refund_total),
                    left=format_money(left),
                ),
                code="return.exceeds_paid",
            )
        plan.append(Payment("cash", left))
    return plan
