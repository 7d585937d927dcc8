"""The open receipt as the SaleSession holds it, and what the SaleSession answers.

``OpenReceipt`` is the domain ``Receipt`` (its lines and its approved
payments) plus what the till keeps around it: identity, numbers, the
cashier, the loyalty card and coupons, the original of a return, and every
tender ever asked for (``tenders``: pending, unknown, declined ... too).
The SaleSession answers with values (``SaleView``, ``LineAdded``,
``Closed``, ``Paid``), and so do the flows (``ReturnDone``), the payment desk
(``CardCancel``) and printing (``PrintJob``, ``PrintResult``); the till API
makes their JSON (``jsonviews``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ukm_actors.codecs.tilldocs import OriginalRef
from ukm_actors.domain.receipt import Line, Payment, Receipt

LIVE_TENDER_STATES = ("pending", "unknown")


@dataclass(frozen=True)
class Tender:
    """One row of ``till_payment``: a tender from the moment it was asked for."""

    id: int
    state: str
    type: str
    amount: int
    rrn: str | None = None
    card_mask: str | None = None
    auth_code: str | None = None
    reference: str | None = None
    terminal_ref: str | None = None
    message: str | None = None

    @property
    def payment(self) -> Payment:
        """The domain payment (for an approved tender)."""
        return Payment(self.type, self.amount, self.rrn, self.card_mask, self.reference)


@dataclass(frozen=True)
class OpenReceipt:
    """The receipt being sold or refunded, with everything the till keeps about it."""

    id: str
    shift_id: str
    shift_num: int
    shift_opened_ms: int
    number: int
    kind: str
    opened_at: str
    opened_at_utc: str
    cashier_code: str
    cashier_name: str
    receipt: Receipt
    tenders: tuple[Tender, ...] = ()
    card: str | None = None
    coupons: tuple[str, ...] = ()
    coupon_checks: tuple[tuple[str, str], ...] = ()
    """``(code, "online" | "offline")``: how each coupon was checked when it was added."""
    original: OriginalRef | None = None
    offline_return: bool = False
    supervisor_code: str | None = None
    pricing: dict[str, Any] | None = field(default=None, compare=False)
    """The last pricing's outcome as the receipt view shows it (``promotions`` part);
    None until the receipt is priced (again after a restart)."""

    @property
    def approved(self) -> tuple[Tender, ...]:
        """The tenders that count, in the order they were taken (= ``receipt.payments``)."""
        return tuple(t for t in self.tenders if t.state == "approved")

    @property
    def live(self) -> tuple[Tender, ...]:
        """Tenders still waiting for a device, or whose outcome the till does not know."""
        return tuple(t for t in self.tenders if t.state in LIVE_TENDER_STATES)

    def tender(self, tender_id: int) -> Tender | None:
        return next((t for t in self.tenders if t.id == tender_id), None)


def changed_lines(before: Receipt, after: Receipt) -> tuple[Line, ...]:
    """The lines of ``after`` that differ from ``before``'s (repricing moved a discount): what
    a scan's answer adds to its new line so a screen need not fetch the whole receipt. An
    unchanged line is the same object in both, so this costs a pass of identity checks."""
    return tuple(
        new
        for old, new in zip(before.lines, after.lines, strict=False)
        if new is not old and new != old
    )


class LineSums:
    """Amount and discount per line, remembered per line object.

    A receipt's lines are immutable values and an unchanged line is the same
    object in the next receipt, so each line's sums are computed once: the
    totals of a 200-line receipt cost 200 dictionary lookups, not 200 roundings.
    """

    def __init__(self) -> None:
        self._sums: dict[int, tuple[Line, int, int]] = {}

    def of(self, line: Line) -> tuple[int, int]:
        hit = self._sums.get(line.position)
        if hit is not None and hit[0] is line:
            return hit[1], hit[2]
        amount, discount = line.amount, line.discount
        self._sums[line.position] = (line, amount, discount)
        return amount, discount

    def clear(self) -> None:
        self._sums.clear()


@dataclass(frozen=True)
class Totals:
    """A receipt's sums: lines that count, amount, discount, total, paid, due, change."""

    lines: int
    amount: int
    discount: int
    total: int
    paid: int
    due: int
    change: int


def receipt_totals(receipt: Receipt, sums: LineSums | None = None) -> Totals:
    """The sums of ``receipt`` (``sums`` remembers each line's between calls)."""
    cache = sums or LineSums()
    amount = discount = count = 0
    for line in receipt.lines:
        if not line.voided:
            count += 1
            a, d = cache.of(line)
            amount += a
            discount += d
    total = amount - discount
    paid = sum(p.amount for p in receipt.payments)
    return Totals(
        lines=count,
        amount=amount,
        discount=discount,
        total=total,
        paid=paid,
        due=max(total - paid, 0),
        change=max(paid - total, 0),
    )


def coupons_json(r: OpenReceipt) -> list[dict[str, str | None]]:
    """The receipt's coupons as stored while it is open: code and how it was checked."""
    checks = dict(r.coupon_checks)
    return [{"code": code, "checked": checks.get(code)} for code in r.coupons]


def parse_coupons(text: str | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Codes and checks from the stored coupons (plain codes, or ``coupons_json``)."""
    codes: list[str] = []
    checks: list[tuple[str, str]] = []
    for entry in json.loads(text or "[]"):
        if isinstance(entry, dict):
            codes.append(str(entry["code"]))
            if entry.get("checked"):
                checks.append((str(entry["code"]), str(entry["checked"])))
        else:
            codes.append(str(entry))
    return tuple(codes), tuple(checks)


@dataclass(frozen=True)
class SaleView:
    """What the cashier sees: the open receipt (None when there is none), the question
    waiting (age, price), the last notice, and why a paid receipt is not registered yet."""

    receipt: OpenReceipt | None
    question: Mapping[str, Any] | None = None
    notice: str | None = None
    fiscal_error: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class LineAdded:
    """A line just added: the receipt with it, the lines repricing changed, the sums."""

    receipt: OpenReceipt
    line: Line
    changed: tuple[Line, ...]
    totals: Totals


@dataclass(frozen=True)
class Closed:
    """A receipt just closed: as it was, its end, the print job; ``printed`` once printed."""

    receipt: OpenReceipt
    state: str
    closed_at: str | None
    change: int
    fiscal: Mapping[str, Any] | None
    print_job: int | None
    cash: bool
    printed: PrintResult | None = None


@dataclass(frozen=True)
class Paid:
    """A payment taken (or settled): the receipt it closed, or the receipt still open."""

    payment: Tender
    closed: Closed | None
    receipt: OpenReceipt | None
    fiscal_error: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Refund:
    """One refund of a return's plan: done, or refused with ``error``."""

    type: str
    amount: int
    error: str | None = None


@dataclass(frozen=True)
class ReturnDone:
    """A return opened and refunded by its plan: the last refund's answer (it closed the
    return, or left it open), or, when a refund failed, the open return and ``message``."""

    return_id: str
    offline_return: bool
    refunds: tuple[Refund, ...]
    paid: Paid | None
    receipt: OpenReceipt | None = None
    message: str | None = None


@dataclass(frozen=True)
class PrintJob:
    """A document queued for the printer (a receipt, a slip, a report) and its state."""

    id: int
    kind: str
    ref: str
    title: str
    state: str
    error: str | None
    attempts: int
    created_at: str
    printed_at: str | None


@dataclass(frozen=True)
class PrintResult:
    """One try to print a job: printed, or kept for a reprint with the printer's ``error``."""

    job: int
    printed: bool
    message: str
    error: str | None = None


@dataclass(frozen=True)
class CardCancel:
    """The cancel sent to the terminal (``sent``: it took it) for the card payment ``tender``."""

    sent: bool
    tender: int
