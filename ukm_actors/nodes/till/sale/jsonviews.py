"""The JSON the till API answers with, one function per shape (docs/till-api.md).

The sale's actors answer with values (``model``, ``shiftmodel``); the routes
turn them into these bodies. Keys and their order are the API's: a screen or
a test reads them as they are. Money is in kopecks, quantities in thousandths.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.codecs.tilldocs import OriginalRef, _to_json
from ukm_actors.domain.money import format_money, format_quantity
from ukm_actors.domain.receipt import Line
from ukm_actors.nodes.till.sale.clock import zoned_text
from ukm_actors.nodes.till.sale.model import (
    CardCancel,
    Closed,
    LineAdded,
    OpenReceipt,
    Paid,
    PrintJob,
    PrintResult,
    Refund,
    ReturnDone,
    SaleView,
    Tender,
    Totals,
    receipt_totals,
)
from ukm_actors.nodes.till.sale.originals import Original
from ukm_actors.nodes.till.sale.shiftmodel import CashMove, ShiftClosed, ShiftView, XReport

# -- the receipt -------------------------------------------------------------------


def line_json(line: Line) -> dict[str, Any]:
    """One line as the cashier UI shows it."""
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


def totals_json(t: Totals) -> dict[str, Any]:
    """The receipt's sums, the total and what is due also as text."""
    return {
        "lines": t.lines,
        "amount": t.amount,
        "discount": t.discount,
        "total": t.total,
        "paid": t.paid,
        "due": t.due,
        "change": t.change,
        "total_text": format_money(t.total),
        "due_text": format_money(t.due),
    }


def tender_json(t: Tender) -> dict[str, Any]:
    """A payment asked for, with its state (``approved``, ``pending``, ``unknown``...)."""
    return {
        "id": t.id,
        "state": t.state,
        "type": t.type,
        "amount": t.amount,
        "rrn": t.rrn,
        "card_mask": t.card_mask,
        "auth_code": t.auth_code,
        "reference": t.reference,
        "message": t.message,
    }


def original_json(ref: OriginalRef | None) -> dict[str, Any] | None:
    """The receipt a return gives back."""
    if ref is None:
        return None
    return {
        "store": ref.store,
        "till": ref.till,
        "shift_num": ref.shift_num,
        "number": ref.number,
        "receipt_id": ref.receipt_id,
    }


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
        "payments": [tender_json(t) for t in r.approved],
        "unresolved_payments": [tender_json(t) for t in r.live],
        "totals": totals_json(receipt_totals(r.receipt)),
        "card": r.card,
        "coupons": list(r.coupons),
        "pricing": r.pricing,
        "original": original_json(r.original),
        "offline_return": r.offline_return,
        "supervisor": r.supervisor_code,
    }


def sale_view_json(v: SaleView) -> dict[str, Any]:
    """``GET /receipt`` (and every change of the receipt): receipt, question, notice."""
    return {
        "receipt": receipt_json(v.receipt) if v.receipt is not None else None,
        "question": v.question,
        "notice": v.notice,
        "fiscal_error": v.fiscal_error,
    }


def line_added_json(a: LineAdded) -> dict[str, Any]:
    """``POST /receipt/lines``: the new line, the lines repricing changed, the sums."""
    return {
        "receipt_id": a.receipt.id,
        "number": a.receipt.number,
        "line": line_json(a.line),
        "changed": [line_json(line) for line in a.changed],
        "totals": totals_json(a.totals),
        "pricing": a.receipt.pricing,
    }


def closed_json(c: Closed) -> dict[str, Any]:
    """A receipt just closed: as it was when open, with its end (state, time, change,
    fiscal data)."""
    view = receipt_json(c.receipt)
    view.update(state=c.state, closed_at=c.closed_at, change=c.change, fiscal=c.fiscal)
    return view


def paid_json(p: Paid) -> dict[str, Any]:
    """A payment's answer: the receipt it closed (and whether that printed), or the
    receipt still open."""
    out: dict[str, Any] = {"payment": tender_json(p.payment), "closed": None, "print_job": None}
    if p.closed is not None:
        out["closed"] = closed_json(p.closed)
        out["print_job"] = p.closed.print_job
        out["cash"] = p.closed.cash
        out["receipt"] = None
        out["print"] = print_result_json(p.closed.printed)
    else:
        out["receipt"] = receipt_json(p.receipt) if p.receipt is not None else None
        out["fiscal_error"] = p.fiscal_error
    return out


def card_cancel_json(c: CardCancel) -> dict[str, Any]:
    """``POST /receipt/payments/cancel``: whether the terminal took the cancel."""
    return {"cancel_sent": c.sent, "tender": c.tender}


# -- printing ---------------------------------------------------------------------


def print_result_json(p: PrintResult | None) -> dict[str, Any] | None:
    """A print's ``print``: printed, or kept for a reprint (``error``: the printer's)."""
    if p is None:
        return None
    out: dict[str, Any] = {"job": p.job, "printed": p.printed, "message": p.message}
    if p.error is not None:
        out["error"] = p.error
    return out


def print_job_json(j: PrintJob) -> dict[str, Any]:
    """A job of ``GET /receipt/print-queue``."""
    return {
        "id": j.id,
        "kind": j.kind,
        "ref": j.ref,
        "title": j.title,
        "state": j.state,
        "error": j.error,
        "attempts": j.attempts,
        "created_at": j.created_at,
        "printed_at": j.printed_at,
    }


# -- the shift ---------------------------------------------------------------------


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


# -- returns -----------------------------------------------------------------------


def refund_json(r: Refund) -> dict[str, Any]:
    """One refund of a return's plan: ``ok``, or the ``error`` that stopped it."""
    if r.error is not None:
        return {"type": r.type, "amount": r.amount, "error": r.error}
    return {"type": r.type, "amount": r.amount, "ok": True}


def return_json(d: ReturnDone) -> dict[str, Any]:
    """``POST /returns``: the refunds made, and the return closed (printed) or still open."""
    out: dict[str, Any] = {
        "return_id": d.return_id,
        "offline_return": d.offline_return,
        "refunds": [refund_json(r) for r in d.refunds],
    }
    if d.message is not None:
        out["closed"] = None
        out["receipt"] = receipt_json(d.receipt) if d.receipt is not None else None
        out["message"] = d.message
        return out
    closed = d.paid.closed if d.paid is not None else None
    still_open = d.paid.receipt if d.paid is not None else None
    out["closed"] = closed_json(closed) if closed is not None else None
    out["receipt"] = receipt_json(still_open) if still_open is not None else None
    out["print"] = print_result_json(closed.printed) if closed is not None else None
    if closed is None and d.paid is not None and d.paid.fiscal_error is not None:
        out["fiscal_error"] = d.paid.fiscal_error  # refunded, not registered: register again
    return out


def _original_lines(o: Original) -> list[dict[str, Any]]:
    out = []
    for line in o.doc.lines:
        done = int(o.returned.get(line.position, 0))
        out.append(
            {
                "position": line.position,
                "article": line.article,
                "name": line.name,
                "measure": line.measure,
                "quantity": line.quantity,
                "price": line.price,
                "total": line.total,
                "voided": line.voided,
                "returned": done,
                "returnable": 0 if line.voided else max(line.quantity - done, 0),
            }
        )
    return out


def return_original_json(o: Original) -> dict[str, Any]:
    """``GET /returns/original``: the receipt, its lines with what is left to return, whether
    it is the till's own copy (and why)."""
    out: dict[str, Any] = {
        "receipt": _to_json(o.doc),
        "lines": _original_lines(o),
        "offline": o.offline,
    }
    if o.message is not None:
        out["message"] = o.message
    return out
