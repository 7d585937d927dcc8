"""The open receipt as the SaleSession holds it, and its JSON views.

``OpenReceipt`` is the domain ``Receipt`` (its lines and its approved
payments) plus what the till keeps around it: identity, numbers, the
cashier, the loyalty card and coupons, the original of a return, and every
tender ever asked for (``tenders``: pending, unknown, declined ... too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ukm_actors.codecs.tilldocs import OriginalRef
from ukm_actors.domain.money import format_money, format_quantity
from ukm_actors.domain.receipt import Line, Payment, Receipt
from ukm_actors.nodes.till.sale.clock import zoned_text

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

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "type": self.type,
            "amount": self.amount,
            "rrn": self.rrn,
            "card_mask": self.card_mask,
            "auth_code": self.auth_code,
            "reference": self.reference,
            "message": self.message,
        }


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


def line_json(line: Line) -> dict[str, Any]:
    """One line as the cashier UI shows it (money in kopecks, quantity in thousandths)."""
    return {
        "position": line.position,
        "article": line.article,
        "name": line.name,
        "barcode": line.barcode,
        "quantity": line.quantity,
        "quantity_text": format_quantity(line.quantity),
        "measure": line.measure,
        "price": line.price,
        "price_type": line.price_type,
        "price_name": line.price_name,
        "amount": line.amount,
        "discount": line.discount,
        "total": line.total,
        "discounts": [
            {"campaign_id": d.campaign_id, "name": d.name, "amount": d.amount}
            for d in line.discounts
        ],
        "seller": line.seller_code,
        "voided": line.voided,
        "age_confirmed": line.age_confirmed,
    }


def changed_lines(before: Receipt, after: Receipt) -> list[dict[str, Any]]:
    """The lines of ``before`` that ``after`` changed (repricing moved a discount), as
    ``line_json``: what a scan's answer adds to its new line so a screen need not fetch the
    whole receipt. An unchanged line is the same object in both, so this costs a pass of
    identity checks."""
    return [
        line_json(new)
        for old, new in zip(before.lines, after.lines, strict=False)
        if new is not old and new != old
    ]


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


def totals_json(receipt: Receipt, sums: LineSums | None = None) -> dict[str, Any]:
    """The receipt's sums: amount, discount, total, paid, due, change (and as text)."""
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
    due = max(total - paid, 0)
    return {
        "lines": count,
        "amount": amount,
        "discount": discount,
        "total": total,
        "paid": paid,
        "due": due,
        "change": max(paid - total, 0),
        "total_text": format_money(total),
        "due_text": format_money(due),
    }


def original_json(ref: OriginalRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {
        "store": ref.store,
        "till": ref.till,
        "shift_num": ref.shift_num,
        "number": ref.number,
        "receipt_id": ref.receipt_id,
    }


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


def receipt_json(r: OpenReceipt) -> dict[str, Any]:
    """The whole open receipt; the same before and after a restart."""
    return {
        "receipt_id": r.id,
        "kind": r.kind,
        "state": "open",
        "shift_num": r.shift_num,
        "number": r.number,
        "opened_at": zoned_text(r.opened_at, r.opened_at_utc),
        "cashier": {"code": r.cashier_code, "name": r.cashier_name},
        "lines": [line_json(line) for line in r.receipt.lines],
        "payments": [t.to_json() for t in r.approved],
        "unresolved_payments": [t.to_json() for t in r.live],
        "totals": totals_json(r.receipt),
        "card": r.card,
        "coupons": list(r.coupons),
        "pricing": r.pricing,
        "original": original_json(r.original),
        "offline_return": r.offline_return,
        "supervisor": r.supervisor_code,
    }


@dataclass(frozen=True)
class Closed:
    """What closing a receipt produced: its final view and the print job to print."""

    receipt: dict[str, Any]
    print_job: int | None
    cash: bool
    state: str = "completed"
