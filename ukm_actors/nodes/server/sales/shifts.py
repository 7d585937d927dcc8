"""A shift's receipts: which the close names but the server lacks, and running counters."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.nodes.server.sales.tables import SaleReceipt, SaleShift


def missing_receipts(session: Session, shift: SaleShift) -> list[int]:
    """Receipt numbers named by the shift's close document that are not on the server."""
    expected = sorted(set(json.loads(shift.receipt_numbers or "[]")))
    if not expected:
        return []
    present: set[int] = set()
    for i in range(0, len(expected), 500):
        chunk = expected[i : i + 500]
        present.update(
            session.scalars(
                select(SaleReceipt.number).where(
                    SaleReceipt.store == shift.store,
                    SaleReceipt.till == shift.till,
                    SaleReceipt.shift_num == shift.shift_num,
                    SaleReceipt.number.in_(chunk),
                )
            )
        )
    return [n for n in expected if n not in present]


def count_receipt(shift: SaleShift, kind: str, state: str, total: int) -> None:
    """Add one receipt to the shift's counters."""
    shift.arrived_count = (shift.arrived_count or 0) + 1
    if state != "completed":
        shift.cancelled_count = (shift.cancelled_count or 0) + 1
    elif kind == "sale":
        shift.sales_count = (shift.sales_count or 0) + 1
        shift.sales_total = (shift.sales_total or 0) + total
    else:
        shift.returns_count = (shift.returns_count or 0) + 1
        shift.returns_total = (shift.returns_total or 0) + total


def count_existing(session: Session, shift: SaleShift) -> None:
    """Set a new shift row's counters from the receipts that came before it."""
    for name in (
        "arrived_count",
        "sales_count",
        "sales_total",
        "returns_count",
        "returns_total",
        "cancelled_count",
    ):
        setattr(shift, name, 0)
    rows = session.execute(
        select(SaleReceipt.kind, SaleReceipt.state, SaleReceipt.total).where(
            SaleReceipt.store == shift.store,
            SaleReceipt.till == shift.till,
            SaleReceipt.shift_num == shift.shift_num,
        )
    )
    for kind, state, total in rows:
        count_receipt(shift, kind, state, total)
