"""What the ``ShiftManager`` answers: the shift, its close (Z), its X report, a cash move.

Values, not JSON: the till API makes the JSON (``jsonviews``). Times are the
store's local time as the cashier reads them (``clock.zoned_text``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ukm_actors.domain.shift import CashDirection, ShiftTotals


@dataclass(frozen=True)
class ShiftView:
    """A shift with its totals and whether it is past the 24 h rule."""

    id: str
    num: int
    state: str
    opened_at: str | None
    opened_by_code: str
    opened_by_name: str
    closed_at: str | None
    age_hours: float
    expired: bool
    totals: ShiftTotals


@dataclass(frozen=True)
class ShiftClosed:
    """A shift just closed (Z report): its receipts' numbers and the report's print job."""

    shift: ShiftView
    receipts: tuple[int, ...]
    print_job: int | None


@dataclass(frozen=True)
class XReport:
    """The open shift's totals now; ``print_job`` when it was printed."""

    shift: ShiftView
    print_job: int | None


@dataclass(frozen=True)
class CashMove:
    """A cash move recorded in the open shift, the shift's totals after it and its slip.

    ``notice``: said to the cashier when the register had already done this move."""

    number: int
    direction: CashDirection
    amount: int
    at: str | None
    totals: ShiftTotals
    print_job: int
    notice: str | None = None
