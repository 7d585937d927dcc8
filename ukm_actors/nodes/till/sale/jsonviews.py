"""The JSON the till API answers with, one function per shape (docs/till-api.md).

The sale's actors answer with values (``model``, ``shiftmodel``); the routes
turn them into these bodies. Keys and their order are the API's: a screen or
a test reads them as they are.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.nodes.till.sale.shiftmodel import CashMove, ShiftClosed, ShiftView, XReport


def shift_json(v: ShiftView) -> dict[str, Any]:
    """``GET /shift``'s ``shift``: the shift with its totals and the 24 h rule."""
    return {
        "shift_id": v.id,
        "shift_num": v.num,
        "state": v.state,
        "opened_at": v.opened_at,
        "opened_by": {"code": v.opened_by_code, "name": v.opened_by_name},
        "closed_at": v.closed_at,
        "age_hours": v.age_hours,
        "expired": v.expired,
        "totals": v.totals.to_json(),
    }


def shift_closed_json(c: ShiftClosed) -> dict[str, Any]:
    """``POST /shift/close`` (before ``print``): the shift, its Z report and receipts."""
    shift = shift_json(c.shift)
    return {
        "shift": shift,
        "z_report": shift["totals"],
        "receipts": list(c.receipts),
        "print_job": c.print_job,
    }


def x_report_json(x: XReport) -> dict[str, Any]:
    """``GET /shift/x-report`` (before ``print``): the shift and its totals now."""
    shift = shift_json(x.shift)
    return {"shift": shift, "x_report": shift["totals"], "print_job": x.print_job}


def cash_move_json(m: CashMove) -> dict[str, Any]:
    """``POST /cash/in|out`` (before ``print``): the move, the shift's totals, its slip."""
    out: dict[str, Any] = {
        "cash_move": {
            "number": m.number,
            "direction": m.direction,
            "amount": m.amount,
            "at": m.at,
        },
        "totals": m.totals.to_json(),
        "print_job": m.print_job,
    }
    if m.notice is not None:
        out["notice"] = m.notice
    return out
