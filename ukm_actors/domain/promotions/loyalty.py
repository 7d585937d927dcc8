"""Loyalty rules as pure functions: card levels, bonus lots, spending limits.

Accumulative program: a card's level is the number of thresholds its
accumulated purchases have reached (thresholds in kopecks, ascending).

Bonus program: points (1 point = 1 kopeck of payment) are earned in lots.
A lot becomes spendable ``delay`` after the sale and expires ``lifetime``
after it becomes spendable. Spending takes the lots that expire first
(FIFO by expiry, then by id), so points are never lost by spending in the
wrong order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ukm_actors.domain.money import Money, percent


def level_for(accumulated: Money, thresholds: Sequence[Money]) -> int:
    """The level of a card with ``accumulated`` purchases (0 below the first threshold)."""
    return sum(1 for t in thresholds if accumulated >= t)


@dataclass(frozen=True)
class Lot:
    """Points earned on one receipt: how many are left, and when they count."""

    id: int
    remaining: int
    available_at: datetime
    expires_at: datetime | None

    def spendable_at(self, now: datetime) -> bool:
        if self.remaining <= 0 or now < self.available_at:
            return False
        return self.expires_at is None or now < self.expires_at

    def expired_at(self, now: datetime) -> bool:
        return self.remaining > 0 and self.expires_at is not None and now >= self.expires_at


def spendable(lots: Sequence[Lot], now: datetime) -> int:
    """Points that can be spent at ``now``."""
    return sum(lot.remaining for lot in lots if lot.spendable_at(now))


def pending(lots: Sequence[Lot], now: datetime) -> int:
    """Points earned but not spendable yet (still in their delay)."""
    return sum(lot.remaining for lot in lots if lot.remaining > 0 and now < lot.available_at)


def take(lots: Sequence[Lot], amount: int, now: datetime) -> list[tuple[int, int]]:
    """``[(lot id, points taken)]`` that cover ``amount``, soonest to expire first.

    Raises ``ValueError`` when fewer than ``amount`` points are spendable.
    """
    usable = sorted(
        (lot for lot in lots if lot.spendable_at(now)),
        key=lambda lot: (lot.expires_at is None, lot.expires_at or now, lot.id),
    )
    out: list[tuple[int, int]] = []
    left = amount
    for lot in usable:
        if left <= 0:
            break
        n = min(lot.remaining, left)
        out.append((lot.id, n))
        left -= n
    if left > 0:
        raise ValueError(f"only {amount - left} points are spendable, {amount} asked")
    return out


def spend_limit(receipt_total: Money, max_share_bp: int, balance: int) -> int:
    """The most points a receipt may take: a share of its total, and no more than the balance."""
    return max(0, min(percent(receipt_total, max_share_bp), balance, receipt_total))
