"""Shift totals for X and Z reports, built up one receipt or cash move at a time.

The drawer starts a shift empty (no opening float). Cash in the drawer is
cash taken for sales minus change given, minus cash refunds, plus cash in,
minus cash out. Per-tender sale totals are net of change, so they add up to
``sales_total``; refunds per tender add up to ``returns_total``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Literal

from ukm_actors.domain.money import Money, format_money
from ukm_actors.domain.receipt import PAYMENT_TYPES, Payment
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

ShiftReceiptKind = Literal["sale", "return", "cancelled"]
CashDirection = Literal["in", "out"]

_COUNTERS = (
    "sales_count",
    "sales_total",
    "returns_count",
    "returns_total",
    "cash_in",
    "cash_out",
    "change_given",
    "cancelled_count",
)
_TENDERS = ("sales_by_payment", "refunds_by_payment")


class ShiftError(UkmError, ValueError):
    """A receipt or cash move that cannot be counted in the shift totals."""

    code = "shift.invalid"


def _frozen(mapping: Mapping[str, Money]) -> Mapping[str, Money]:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True)
class ShiftTotals:
    """Counters of one shift. Build with ``ShiftTotals.empty()`` and the ``add_*`` functions."""

    sales_count: int = 0
    sales_total: Money = 0
    returns_count: int = 0
    returns_total: Money = 0
    sales_by_payment: Mapping[str, Money] = field(default_factory=dict)
    refunds_by_payment: Mapping[str, Money] = field(default_factory=dict)
    cash_in: Money = 0
    cash_out: Money = 0
    change_given: Money = 0
    cancelled_count: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sales_by_payment", _frozen(self.sales_by_payment))
        object.__setattr__(self, "refunds_by_payment", _frozen(self.refunds_by_payment))

    @classmethod
    def empty(cls) -> ShiftTotals:
        """The totals of a shift that has just been opened."""
        return cls()

    @property
    def cash_received(self) -> Money:
        """Cash handed over by customers for sales, change included."""
        return self.sales_by_payment.get("cash", 0) + self.change_given

    @property
    def cash_in_drawer(self) -> Money:
        """Cash that should be in the drawer now."""
        return (
            self.cash_received
            - self.change_given
            - self.refunds_by_payment.get("cash", 0)
            + self.cash_in
            - self.cash_out
        )

    @property
    def net_total(self) -> Money:
        """Sales minus returns."""
        return self.sales_total - self.returns_total

    def to_json(self) -> dict[str, Any]:
        """All counters as plain JSON values (money in kopecks), derived ones included."""
        body: dict[str, Any] = {name: getattr(self, name) for name in _COUNTERS}
        for name in _TENDERS:
            body[name] = dict(getattr(self, name))
        body["cash_received"] = self.cash_received
        body["cash_in_drawer"] = self.cash_in_drawer
        body["net_total"] = self.net_total
        return body

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ShiftTotals:
        """Read back what ``to_json`` wrote (derived values are recomputed, not read)."""
        values: dict[str, Any] = {}
        for name in _COUNTERS:
            value = body.get(name, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ShiftError(
                    _(
                        "shift totals: {name} must be a whole number of 0 or more, got {value!r}",
                        name=name,
                        value=value,
                    ),
                    code="shift.bad_json",
                )
            values[name] = value
        for name in _TENDERS:
            tenders = body.get(name, {})
            if not isinstance(tenders, Mapping) or not all(
                k in PAYMENT_TYPES and isinstance(v, int) and not isinstance(v, bool) and v >= 0
                for k, v in tenders.items()
            ):
                raise ShiftError(
                    _(
                        "shift totals: {name} must map payment types to kopecks, got {tenders!r}",
                        name=name,
                        tenders=tenders,
                    ),
                    code="shift.bad_json",
                )
            values[name] = dict(tenders)
        known = {f.name for f in fields(cls)} | {"cash_received", "cash_in_drawer", "net_total"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise ShiftError(
                _("shift totals: unknown field(s) {unknown}", unknown=", ".join(unknown)),
                code="shift.bad_json",
            )
        return cls(**values)


def _plus(tenders: Mapping[str, Money], add: Mapping[str, Money]) -> dict[str, Money]:
    out = dict(tenders)
    for kind, amount in add.items():
        out[kind] = out.get(kind, 0) + amount
    return out


def _by_type(payments: Iterable[Payment]) -> dict[str, Money]:
    out: dict[str, Money] = {}
    for p in payments:
        out[p.type] = out.get(p.type, 0) + p.amount
    return out


def add_receipt(
    totals: ShiftTotals, kind: ShiftReceiptKind, total: Money, payments: Iterable[Payment]
) -> ShiftTotals:
    """The totals with one closed receipt counted.

    A sale's payments must cover its total, with any excess being cash
    change; a return's refunds must equal its total exactly. A cancelled
    receipt only counts as cancelled: its payments were given back and are
    not counted.
    """
    if kind == "cancelled":
        return replace(totals, cancelled_count=totals.cancelled_count + 1)
    if kind not in ("sale", "return"):
        raise ShiftError(
            _("receipt kind {kind!r} is unknown; use 'sale', 'return' or 'cancelled'", kind=kind),
            code="shift.kind",
        )
    if total < 0:
        raise ShiftError(
            _("receipt total {total} is negative", total=format_money(total)), code="shift.total"
        )
    tenders = _by_type(payments)
    paid = sum(tenders.values())
    if kind == "return":
        if paid != total:
            raise ShiftError(
                _(
                    "return of {total} was refunded {paid}; the refunds must equal the return "
                    "total",
                    total=format_money(total),
                    paid=format_money(paid),
                ),
                code="shift.payments_mismatch",
            )
        return replace(
            totals,
            returns_count=totals.returns_count + 1,
            returns_total=totals.returns_total + total,
            refunds_by_payment=_plus(totals.refunds_by_payment, tenders),
        )
    non_cash = paid - tenders.get("cash", 0)
    if paid < total or non_cash > total:
        raise ShiftError(
            _(
                "sale of {total} was paid {paid} ({non_cash} not in cash); payments must cover "
                "the total and only cash may exceed it",
                total=format_money(total),
                paid=format_money(paid),
                non_cash=format_money(non_cash),
            ),
            code="shift.payments_mismatch",
        )
    change = paid - total
    if change:
        tenders["cash"] -= change
        if not tenders["cash"]:
            del tenders["cash"]
    return replace(
        totals,
        sales_count=totals.sales_count + 1,
        sales_total=totals.sales_total + total,
        sales_by_payment=_plus(totals.sales_by_payment, tenders),
        change_given=totals.change_given + change,
    )


def add_cash_move(totals: ShiftTotals, direction: CashDirection, amount: Money) -> ShiftTotals:
    """The totals with cash put in (``"in"``) or taken out (``"out"``) of the drawer.

    Taking out more than the drawer holds is refused.
    """
    if amount <= 0:
        raise ShiftError(
            _(
                "cash {direction} of {amount}: the amount must be more than zero",
                direction=direction,
                amount=format_money(amount),
            ),
            code="shift.cash_amount",
        )
    if direction == "in":
        return replace(totals, cash_in=totals.cash_in + amount)
    if direction == "out":
        if amount > totals.cash_in_drawer:
            raise ShiftError(
                _(
                    "cannot take out {amount}: the drawer should hold only {cash_in_drawer}",
                    amount=format_money(amount),
                    cash_in_drawer=format_money(totals.cash_in_drawer),
                ),
                code="shift.cash_short",
            )
        return replace(totals, cash_out=totals.cash_out + amount)
    raise ShiftError(
        _("cash move direction {direction!r} is unknown; use 'in' or 'out'", direction=direction),
        code="shift.direction",
    )
