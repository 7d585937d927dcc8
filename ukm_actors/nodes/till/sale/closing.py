"""Finishing a receipt: one transaction that closes it, counts it and sends it.

``finish_receipt`` marks the receipt completed (or cancelled), adds it to
the shift's totals, writes the ``receipt`` document to the outbox for the
cash server, lets the promotion engine record loyalty data
(``on_receipt_closed``) and queues the print job: all in the caller's
transaction, so either all of it happens or none.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from ukm_actors.codecs import tilldocs
from ukm_actors.codecs.tilldocs import LineDiscountDoc, PaymentDoc, ReceiptDoc, ReceiptLineDoc
from ukm_actors.domain.shift import ShiftTotals, add_receipt
from ukm_actors.hw.fiscal import FiscalResult, qr_text
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.model import OpenReceipt
from ukm_actors.nodes.till.sale.printing import queue_job, receipt_printable
from ukm_actors.nodes.till.sale.repo import update_receipt
from ukm_actors.nodes.till.sale.tables import ShiftRow

log = logging.getLogger(__name__)


def receipt_doc(
    r: OpenReceipt,
    state: str,
    closed_at: str,
    closed_at_utc: str,
    env: SaleEnv,
    fiscal: dict[str, Any] | None = None,
) -> ReceiptDoc:
    """The ``receipt`` document of ``r`` as it is closed."""
    receipt = r.receipt
    lines = tuple(
        ReceiptLineDoc(
            position=line.position,
            article=line.article,
            name=line.name,
            measure=line.measure,
            quantity=line.quantity,
            price=line.price,
            amount=line.amount,
            discount=line.discount,
            total=line.total,
            barcode=line.barcode,
            taxgroup_id=line.taxgroup_id,
            price_type=line.price_type,
            seller_code=line.seller_code,
            voided=line.voided,
            discounts=tuple(
                LineDiscountDoc(d.campaign_id, d.name, d.amount) for d in line.discounts
            ),
        )
        for line in receipt.lines
    )
    completed = state == "completed"
    payments = (
        tuple(PaymentDoc(t.type, t.amount, t.rrn, t.card_mask, t.reference) for t in r.approved)
        if completed
        else ()
    )
    return ReceiptDoc(
        receipt_id=r.id,
        store=env.store,
        till=env.till,
        shift_num=r.shift_num,
        number=r.number,
        kind=r.kind,
        state=state,
        opened_at=r.opened_at,
        closed_at=closed_at,
        closed_at_utc=closed_at_utc,
        cashier_code=r.cashier_code,
        cashier_name=r.cashier_name,
        total=receipt.total,
        change=receipt.change if completed else 0,
        lines=lines,
        payments=payments,
        card=r.card,
        original=r.original,
        offline_return=r.offline_return,
        supervisor_code=r.supervisor_code,
        kkm_receipt_number=int(fiscal["number"]) if fiscal else None,
        fiscal=fiscal,
    )


def _count_in_shift(session: Session, r: OpenReceipt, state: str) -> None:
    shift = session.get(ShiftRow, r.shift_id, with_for_update=True)
    if shift is None:
        raise LookupError(f"shift {r.shift_id} of receipt {r.id} is missing")
    totals = ShiftTotals.from_json(json.loads(shift.totals or "{}"))
    if state == "cancelled":
        totals = add_receipt(totals, "cancelled", 0, ())
    else:
        kind: Literal["sale", "return"] = "return" if r.kind == "return" else "sale"
        totals = add_receipt(totals, kind, r.receipt.total, r.receipt.payments)
    shift.totals = json.dumps(totals.to_json())


def fiscal_json(result: FiscalResult, kind: str) -> dict[str, Any]:
    """The fiscal data as stored on the receipt, sent to the server and shown: with the QR text."""
    data = result.to_json()
    data["qr"] = qr_text(result, "sellReturn" if kind == "return" else "sell")
    return data


def finish_receipt(
    session: Session,
    r: OpenReceipt,
    state: str,
    now: datetime,
    env: SaleEnv,
    fiscal: dict[str, Any] | None = None,
) -> tuple[ReceiptDoc, int | None]:
    """Close ``r`` as ``state`` ("completed" | "cancelled"); returns its document and print job.

    ``fiscal`` is the register's data (``fiscal_json``) of a completed receipt.
    Runs in the caller's write transaction; the caller notifies the bridge
    after the commit.
    """
    closed_at, closed_utc = env.local(now), env.utc(now)
    doc = receipt_doc(r, state, closed_at, closed_utc, env, fiscal)
    update_receipt(
        session,
        r.id,
        state=state,
        closed_at=closed_at,
        closed_at_utc=closed_utc,
        total=doc.total,
        change=doc.change,
        card=r.card,
        coupons=json.dumps(list(r.coupons)),
        fiscal=json.dumps(fiscal, ensure_ascii=False) if fiscal else None,
    )
    _count_in_shift(session, r, state)
    env.send(session, tilldocs.RECEIPT, tilldocs.encode(doc))
    promotions = env.ctx.services.promotions
    hook: Any = getattr(promotions, "on_receipt_closed", None)
    if hook is not None and state == "completed":
        try:
            with session.begin_nested():
                hook(session, doc)
        except Exception:
            log.exception("the promotion engine's on_receipt_closed failed for %s", r.id)
    job = None
    if state == "completed":
        what = "return" if r.kind == "return" else "receipt"
        job = queue_job(
            session,
            r.kind,
            r.id,
            f"{what} {r.number} of shift {r.shift_num}",
            receipt_printable(
                doc,
                env.header(),
                env.footer(),
                env.settings.receipt_code,
                {ln.position: ln.price_name for ln in r.receipt.lines if ln.price_name},
            ),
            closed_utc,
        )
    return doc, job
