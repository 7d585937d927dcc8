"""The receipt being sold (or refunded), as values and pure functions.

A ``Receipt`` never changes: ``add_line``, ``void_line``, ``set_quantity``,
``apply_discounts`` and ``add_payment`` return a new one, or raise
``ReceiptError`` with a message the cashier can act on. Line positions start
at 1 and are never reused: a voided line keeps its position and stays on the
receipt, it just stops counting.

Payment rules: only cash may be more than what is due (the rest is change);
card, certificate and bonus payments may at most cover what is due. No
payment is taken on an empty or already paid receipt. Once a payment is on
the receipt its lines are frozen: remove the payments to change them. On a
return receipt the payments are refunds and none may exceed what is due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from ukm_actors.domain.money import (
    MAX_AMOUNT,
    MAX_PRICE,
    MAX_QUANTITY,
    Money,
    Quantity,
    format_money,
    format_quantity,
    line_amount,
    round_div,
)
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

ReceiptKind = Literal["sale", "return"]
PAYMENT_TYPES: tuple[str, ...] = ("cash", "card", "certificate", "bonus")
_KINDS = ("sale", "return")
_LABELS = {
    "cash": _("Cash"),
    "card": _("Card"),
    "certificate": _("Certificate"),
    "bonus": _("Bonus"),
}


def tender_label(type_: str) -> str:
    """A payment type's label for people ("Cash", "Card"; translatable), or the type itself."""
    return _LABELS.get(type_, type_)


class ReceiptError(UkmError, ValueError):
    """An operation on a receipt that cannot be done; ``code`` says which rule."""

    code = "receipt.invalid"


def _money(value: Money) -> str:
    return format_money(value)


@dataclass(frozen=True)
class LineDiscount:
    """A discount on one line, from one campaign (or a manual discount)."""

    campaign_id: str
    name: str
    amount: Money

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ReceiptError(
                _(
                    "discount {name!r} is negative ({amount}); a discount must be 0 or more",
                    name=self.name,
                    amount=_money(self.amount),
                ),
                code="receipt.discount_negative",
            )


@dataclass(frozen=True)
class Line:
    """One line of a receipt: an item, its quantity and its price per unit.

    ``amount`` is price × quantity rounded to the kopeck, ``discount`` the sum
    of its discounts (never more than ``amount``), ``total`` what is charged.
    """

    position: int
    article: str
    name: str
    barcode: str | None
    quantity: Quantity
    price: Money
    measure: str
    taxgroup_id: str | None
    price_type: str | None
    seller_code: str | None
    voided: bool = False
    age_confirmed: bool = False
    discounts: tuple[LineDiscount, ...] = ()
    price_name: str | None = None
    """The additional price's name as the catalog gives it ("Акция") when ``price_type``
    is set: what the cashier, the buyer and the printed receipt read instead of the code."""

    def __post_init__(self) -> None:
        if self.position < 1:
            raise ReceiptError(
                _(
                    "line position {position} is invalid; positions start at 1",
                    position=self.position,
                ),
                code="receipt.line_position",
            )
        if self.quantity <= 0:
            raise ReceiptError(
                _("{value}: quantity must be more than zero", value=self.describe()),
                code="receipt.quantity",
            )
        if self.price < 0:
            raise ReceiptError(
                _(
                    "{value}: price {price} is negative",
                    value=self.describe(),
                    price=_money(self.price),
                ),
                code="receipt.price",
            )
        self._check_limits()
        object.__setattr__(self, "discounts", tuple(self.discounts))
        if self.discount > self.amount:
            raise _discount_exceeds(self, self.discount)

    def _check_limits(self) -> None:
        """The documented maxima: they keep every sum far from overflowing."""
        if self.quantity > MAX_QUANTITY:
            raise ReceiptError(
                _(
                    "{value}: quantity {quantity} is over the largest a line may have ({limit})",
                    value=self.describe(),
                    quantity=format_quantity(self.quantity),
                    limit=format_quantity(MAX_QUANTITY),
                ),
                code="receipt.quantity",
            )
        if self.price > MAX_PRICE or self.amount > MAX_AMOUNT:
            raise ReceiptError(
                _(
                    "{value}: the amount is over the largest a line may have ({limit})",
                    value=self.describe(),
                    limit=_money(MAX_AMOUNT),
                ),
                code="receipt.amount",
            )

    @cached_property
    def amount(self) -> Money:
        """Price × quantity, rounded to the kopeck."""
        return line_amount(self.price, self.quantity)

    @cached_property
    def discount(self) -> Money:
        """The sum of this line's discounts."""
        return sum(d.amount for d in self.discounts)

    @cached_property
    def total(self) -> Money:
        """What the customer pays for this line: amount minus discount."""
        return self.amount - self.discount

    def describe(self) -> str:
        """``"line 3 (Молоко 1 л)"``: how messages name this line."""
        return _("line {position} ({name})", position=self.position, name=self.name)


def _discount_exceeds(line: Line, discount: Money) -> ReceiptError:
    return ReceiptError(
        _(
            "{value}: discount {discount} is more than the line amount {amount}",
            value=line.describe(),
            discount=_money(discount),
            amount=_money(line.amount),
        ),
        code="receipt.discount_exceeds",
    )


@dataclass(frozen=True)
class Payment:
    """One tender: cash, card, certificate or bonus points, in kopecks.

    For cash ``amount`` is what the customer handed over (change included).
    ``rrn`` and ``card_mask`` come from the bank terminal; ``reference`` is
    a certificate number or a loyalty card.
    """

    type: str
    amount: Money
    rrn: str | None = None
    card_mask: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.type not in PAYMENT_TYPES:
            raise ReceiptError(
                _(
                    "payment type {type!r} is unknown; use one of {PAYMENT_TYPES}",
                    type=self.type,
                    PAYMENT_TYPES=", ".join(PAYMENT_TYPES),
                ),
                code="receipt.payment_type",
            )
        if self.amount <= 0:
            raise ReceiptError(
                _(
                    "{label} payment of {amount}: the amount must be more than zero",
                    label=self.label,
                    amount=_money(self.amount),
                ),
                code="receipt.payment_amount",
            )
        if self.amount > MAX_AMOUNT:
            raise ReceiptError(
                _(
                    "{label} payment of {amount}: the amount is over the largest allowed ({limit})",
                    label=self.label,
                    amount=_money(self.amount),
                    limit=_money(MAX_AMOUNT),
                ),
                code="receipt.payment_amount",
            )

    @property
    def label(self) -> str:
        """``"Card"``, ``"Cash"`` …: the tender's name in messages."""
        return _LABELS[self.type]


@dataclass(frozen=True)
class Receipt:
    """A sale or a return receipt: its lines (voided ones included) and payments."""

    kind: ReceiptKind = "sale"
    lines: tuple[Line, ...] = ()
    payments: tuple[Payment, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ReceiptError(
                _("receipt kind {kind!r} is unknown; use 'sale' or 'return'", kind=self.kind),
                code="receipt.kind",
            )
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "payments", tuple(self.payments))
        positions = [line.position for line in self.lines]
        if positions != sorted(set(positions)):
            raise ReceiptError(
                _(
                    "receipt line positions {positions} must be unique and increasing",
                    positions=positions,
                ),
                code="receipt.line_position",
            )

    @cached_property
    def active_lines(self) -> tuple[Line, ...]:
        """The lines that count: every line not voided."""
        return tuple(line for line in self.lines if not line.voided)

    @property
    def is_empty(self) -> bool:
        """True when no line is left to pay for (none added, or all voided)."""
        return not self.active_lines

    @property
    def next_position(self) -> int:
        """The position the next added line gets."""
        return self.lines[-1].position + 1 if self.lines else 1

    @cached_property
    def amount(self) -> Money:
        """Sum of active line amounts before discounts."""
        return sum(line.amount for line in self.active_lines)

    @cached_property
    def discount(self) -> Money:
        """Sum of active line discounts."""
        return sum(line.discount for line in self.active_lines)

    @cached_property
    def total(self) -> Money:
        """What the customer owes (or, on a return, gets back): active line totals."""
        return sum(line.total for line in self.active_lines)

    @cached_property
    def paid(self) -> Money:
        """Sum of all payments, cash as handed over."""
        return sum(p.amount for p in self.payments)

    @property
    def due(self) -> Money:
        """What is still to be paid; never negative."""
        return max(self.total - self.paid, 0)

    @property
    def change(self) -> Money:
        """Cash to give back: what was paid over the total (only cash can overpay)."""
        return max(self.paid - self.total, 0)

    @property
    def is_paid(self) -> bool:
        """True when the receipt has lines and its payments cover its total."""
        return not self.is_empty and self.paid >= self.total

    def line(self, position: int) -> Line:
        """The line at ``position``, voided or not; ``receipt.line_unknown`` if none."""
        for line in self.lines:
            if line.position == position:
                return line
        raise ReceiptError(
            _("there is no line {position} on this receipt", position=position),
            code="receipt.line_unknown",
        )


def _require_unpaid(receipt: Receipt, doing: str) -> None:
    if receipt.payments:
        raise ReceiptError(
            _(
                "cannot {doing}: payment has already started; remove the payments first",
                doing=doing,
            ),
            code="receipt.payment_started",
        )


def _replace_line(receipt: Receipt, new: Line) -> Receipt:
    lines = tuple(new if line.position == new.position else line for line in receipt.lines)
    return replace(receipt, lines=lines)


def _active_line(receipt: Receipt, position: int) -> Line:
    line = receipt.line(position)
    if line.voided:
        raise ReceiptError(
            _("{value} is voided", value=line.describe()), code="receipt.line_voided"
        )
    return line


def add_line(
    receipt: Receipt,
    *,
    article: str,
    name: str,
    quantity: Quantity,
    price: Money,
    measure: str,
    barcode: str | None = None,
    taxgroup_id: str | None = None,
    price_type: str | None = None,
    seller_code: str | None = None,
    age_confirmed: bool = False,
    price_name: str | None = None,
) -> Receipt:
    """The receipt with a new line at ``receipt.next_position``."""
    _require_unpaid(receipt, _("add {name!r}", name=name))
    line = Line(
        position=receipt.next_position,
        article=article,
        name=name,
        barcode=barcode,
        quantity=quantity,
        price=price,
        measure=measure,
        taxgroup_id=taxgroup_id,
        price_type=price_type,
        price_name=price_name if price_type is not None else None,
        seller_code=seller_code,
        age_confirmed=age_confirmed,
    )
    return replace(receipt, lines=(*receipt.lines, line))


def void_line(receipt: Receipt, position: int) -> Receipt:
    """The receipt with the line at ``position`` voided (it keeps its position)."""
    line = _active_line(receipt, position)
    _require_unpaid(receipt, _("void {line}", line=line.describe()))
    return _replace_line(receipt, replace(line, voided=True))


def set_quantity(receipt: Receipt, position: int, quantity: Quantity) -> Receipt:
    """The receipt with a new quantity on a line; the line's discounts are dropped.

    Promotions must be applied again after a quantity change.
    """
    line = _active_line(receipt, position)
    _require_unpaid(receipt, _("change the quantity of {line}", line=line.describe()))
    if quantity <= 0:
        raise ReceiptError(
            _(
                "{value}: quantity must be more than zero; to remove the item void the line",
                value=line.describe(),
            ),
            code="receipt.quantity",
        )
    return _replace_line(receipt, replace(line, quantity=quantity, discounts=()))


def set_price(
    receipt: Receipt,
    position: int,
    price: Money,
    price_type: str | None,
    price_name: str | None = None,
) -> Receipt:
    """The receipt with another unit price on a line (a loyalty-card price given or taken
    back, ``price_name`` its name); the line's discounts are dropped: apply promotions
    again."""
    line = _active_line(receipt, position)
    _require_unpaid(receipt, f"change the price of {line.describe()}")
    if price < 0:
        raise ReceiptError(f"{line.describe()}: a price cannot be negative", code="receipt.price")
    name = price_name if price_type is not None else None
    changed = replace(line, price=price, price_type=price_type, price_name=name, discounts=())
    return _replace_line(receipt, changed)


def apply_discounts(receipt: Receipt, discounts: Mapping[int, tuple[LineDiscount, ...]]) -> Receipt:
    """The receipt with the discounts of the listed lines replaced.

    Lines not in ``discounts`` keep theirs; pass ``()`` to clear a line. A
    voided line can only be cleared. No line's discount may exceed its amount.
    """
    _require_unpaid(receipt, _("change discounts"))
    result = receipt
    for position in sorted(discounts):
        new = tuple(discounts[position])
        line = receipt.line(position)
        if line.voided and new:
            raise ReceiptError(
                _("{value} is voided and cannot get a discount", value=line.describe()),
                code="receipt.line_voided",
            )
        total = sum(d.amount for d in new)
        if total > line.amount:
            raise _discount_exceeds(line, total)
        result = _replace_line(result, replace(line, discounts=new))
    return result


def add_payment(receipt: Receipt, payment: Payment, *, max_change: Money = 0) -> Receipt:
    """The receipt with one more payment, if the payment rules allow it.

    ``max_change`` (more than 0): the most change a cash payment may leave (a till's
    ``max_change``); a mistyped amount, 50 000 000.00 instead of 500.00, is refused."""
    refund = receipt.kind == "return"
    if receipt.is_empty:
        raise ReceiptError(
            _("the receipt has no items; add an item before taking payment"),
            code="receipt.empty",
        )
    if receipt.is_paid:
        raise ReceiptError(
            _(
                "the receipt is already {value} in full; close it",
                value=_("refunded") if refund else _("paid"),
            ),
            code="receipt.already_paid",
        )
    due = receipt.due
    if payment.amount > due and (refund or payment.type != "cash"):
        what = _("refund") if refund else _("payment")
        rule = (
            _("a refund cannot be more than what is due")
            if refund
            else _("only cash can be more than the amount due")
        )
        raise ReceiptError(
            _(
                "{label} {what} of {amount} is more than the {due} still due; {rule}",
                label=payment.label,
                what=what,
                amount=_money(payment.amount),
                due=_money(due),
                rule=rule,
            ),
            code="receipt.overpaid",
        )
    if max_change > 0 and not refund and payment.amount - due > max_change:
        raise ReceiptError(
            _(
                "cash of {amount} would leave {change} change, more than the {most} a till "
                "gives back; check the amount typed",
                amount=_money(payment.amount),
                change=_money(payment.amount - due),
                most=_money(max_change),
            ),
            code="receipt.change_too_large",
        )
    return replace(receipt, payments=(*receipt.payments, payment))


def remove_payment(receipt: Receipt, index: int) -> Receipt:
    """The receipt without its payment number ``index`` (0-based).

    Reversing a card payment at the bank is the caller's business; this only
    takes the payment off the receipt.
    """
    if not 0 <= index < len(receipt.payments):
        raise ReceiptError(
            _("there is no payment {index} on this receipt", index=index + 1),
            code="receipt.payment_unknown",
        )
    payments = receipt.payments[:index] + receipt.payments[index + 1 :]
    return replace(receipt, payments=payments)


def tax_breakdown(receipt: Receipt, rates: Mapping[str, int]) -> dict[str, Money]:
    """VAT included in the receipt, per tax group: ``{taxgroup_id: vat}``.

    ``rates`` maps a tax group to its rate in basis points (2000 = 20%).
    For each group, VAT = group total × rate / (10000 + rate), rounded to
    the kopeck once per group. Every active line needs a known tax group.
    Groups are in ascending id order.
    """
    totals: dict[str, Money] = {}
    for line in receipt.active_lines:
        group = line.taxgroup_id
        if group is None or group not in rates:
            shown = (
                _("no tax group")
                if group is None
                else _("tax group {group!r}, which is unknown", group=group)
            )
            raise ReceiptError(
                _(
                    "{value} has {shown}; fix the item's tax group on the server",
                    value=line.describe(),
                    shown=shown,
                ),
                code="receipt.tax_group_unknown",
            )
        totals[group] = totals.get(group, 0) + line.total
    out: dict[str, Money] = {}
    for group in sorted(totals):
        rate = rates[group]
        if rate < 0:
            raise ReceiptError(
                _("tax group {group!r} has a negative rate {rate}", group=group, rate=rate),
                code="receipt.tax_rate",
            )
        out[group] = round_div(totals[group] * rate, 10_000 + rate)
    return out
