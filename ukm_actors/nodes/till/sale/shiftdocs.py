"""What shift operations write, in the caller's transaction: cash moves and report slips.

Used by ``ShiftManager`` for the cashier's requests and by its
``ShiftRegistrar`` to finish a cash move or X report the fiscal register
did while the till crashed before recording it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ukm_actors.codecs import tilldocs
from ukm_actors.codecs.tilldocs import CashMoveDoc
from ukm_actors.domain.shift import CashDirection, ShiftTotals, add_cash_move
from ukm_actors.nodes.till.sale.clock import zoned_text
from ukm_actors.nodes.till.sale.printing import cash_printable, queue_job, report_printable
from ukm_actors.nodes.till.sale.shiftmodel import CashMove
from ukm_actors.nodes.till.sale.tables import CashMoveRow, ShiftRow

if TYPE_CHECKING:
    from ukm_actors.nodes.till.sale.env import SaleEnv


def shift_totals(row: ShiftRow) -> ShiftTotals:
    return ShiftTotals.from_json(json.loads(row.totals or "{}"))


@dataclass(frozen=True)
class CashSpec:
    """A cash move as the cashier asked for it (kept with its fiscal request)."""

    move_id: str
    direction: str
    amount: int
    cashier_code: str
    cashier_name: str
    at: str
    at_utc: str

    def details(self) -> dict[str, Any]:
        """What the fiscal request keeps (``till_fiscal.details``)."""
        return {
            "cashier_code": self.cashier_code,
            "cashier_name": self.cashier_name,
            "at": self.at,
            "at_utc": self.at_utc,
        }

    @classmethod
    def from_request(
        cls, move_id: str, kind: str, amount: int, details: dict[str, Any]
    ) -> CashSpec:
        return cls(
            move_id=move_id,
            direction="in" if kind == "cashIn" else "out",
            amount=amount,
            cashier_code=str(details.get("cashier_code") or ""),
            cashier_name=str(details.get("cashier_name") or ""),
            at=str(details.get("at") or ""),
            at_utc=str(details.get("at_utc") or ""),
        )


def record_cash_move(s: Any, env: SaleEnv, row: ShiftRow, spec: CashSpec) -> CashMove:
    """Record ``spec`` in the open shift ``row``: totals, the move, its document for the
    server, its slip; returns the move as recorded."""
    direction: CashDirection = "in" if spec.direction == "in" else "out"
    totals = add_cash_move(shift_totals(row), direction, spec.amount)
    number = row.next_cash
    row.next_cash = number + 1
    row.totals = json.dumps(totals.to_json())
    move = CashMoveRow(
        id=spec.move_id,
        shift_id=row.id,
        shift_num=row.num,
        number=number,
        direction=spec.direction,
        amount=spec.amount,
        at=spec.at,
        at_utc=spec.at_utc,
        cashier_code=spec.cashier_code,
        cashier_name=spec.cashier_name,
    )
    s.add(move)
    env.send(s, tilldocs.CASH_MOVE, tilldocs.encode(_cash_doc(env, move)))
    return CashMove(
        number=number,
        direction=direction,
        amount=spec.amount,
        at=zoned_text(move.at, move.at_utc),
        totals=totals,
        print_job=_cash_slip(s, env, move),
    )


def _cash_doc(env: SaleEnv, move: CashMoveRow) -> CashMoveDoc:
    return CashMoveDoc(
        doc_id=move.id,
        store=env.store,
        till=env.till,
        shift_num=move.shift_num,
        number=move.number,
        direction=move.direction,
        amount=move.amount,
        at=move.at,
        at_utc=move.at_utc,
        cashier_code=move.cashier_code,
        cashier_name=move.cashier_name,
    )


def _cash_slip(s: Any, env: SaleEnv, move: CashMoveRow) -> int:
    slip = cash_printable(
        move.direction,
        move.amount,
        store=env.store,
        till=env.till,
        shift=move.shift_num,
        number=move.number,
        at=move.at,
        cashier=move.cashier_name,
        header=env.header(),
    )
    what = "cash in" if move.direction == "in" else "cash out"
    title = f"{what} {move.number} of shift {move.shift_num}"
    return queue_job(s, f"cash-{move.direction}", move.id, title, slip, move.at_utc)


def report_job(
    s: Any, env: SaleEnv, kind: str, row: ShiftRow, at: str, at_utc: str, cashier: str
) -> int:
    """Queue the X report ("x-report") or Z report ("z-report") of ``row`` for printing."""
    title = f"{'X' if kind == 'x-report' else 'Z'} report of shift {row.num}"
    printable = report_printable(
        kind,
        store=env.store,
        till=env.till,
        shift=row.num,
        number=row.num,
        at=at,
        cashier=cashier,
        totals=shift_totals(row),
        header=env.header(),
    )
    return queue_job(s, kind, row.id, title, printable, at_utc)
