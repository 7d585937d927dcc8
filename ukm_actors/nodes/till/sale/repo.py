"""Reading and writing the open receipt, one call per change, in the caller's transaction."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.orm import Session

from ukm_actors.codecs.tilldocs import OriginalRef
from ukm_actors.domain.receipt import Line, LineDiscount, Receipt
from ukm_actors.nodes.till.sale.model import OpenReceipt, Tender, coupons_json, parse_coupons
from ukm_actors.nodes.till.sale.tables import LineRow, PaymentRow, ReceiptRow, ShiftRow


def open_shift(session: Session, *, lock: bool = False) -> ShiftRow | None:
    """The open shift (locked for update when ``lock``), or None."""
    q = select(ShiftRow).where(ShiftRow.state == "open")
    if lock:
        q = q.with_for_update()
    return session.execute(q).scalar_one_or_none()


def _discounts(raw: str) -> tuple[LineDiscount, ...]:
    return tuple(LineDiscount(str(c), str(n), int(a)) for c, n, a in json.loads(raw or "[]"))


def _discounts_text(line: Line) -> str:
    return json.dumps(
        [[d.campaign_id, d.name, d.amount] for d in line.discounts], ensure_ascii=False
    )


def _line(row: LineRow) -> Line:
    return Line(
        position=row.position,
        article=row.article,
        name=row.name,
        barcode=row.barcode,
        quantity=row.quantity,
        price=row.price,
        measure=row.measure,
        taxgroup_id=row.taxgroup_id,
        price_type=row.price_type,
        price_name=row.price_name,
        seller_code=row.seller_code,
        voided=bool(row.voided),
        age_confirmed=bool(row.age_confirmed),
        discounts=_discounts(row.discounts),
    )


def _tender(row: PaymentRow) -> Tender:
    return Tender(
        id=row.id,
        state=row.state,
        type=row.type,
        amount=row.amount,
        rrn=row.rrn,
        card_mask=row.card_mask,
        auth_code=row.auth_code,
        reference=row.reference,
        terminal_ref=row.terminal_ref,
        message=row.message,
    )


def load_open(session: Session) -> OpenReceipt | None:
    """The open receipt as it was last written, or None."""
    row = session.execute(
        select(ReceiptRow).where(ReceiptRow.state == "open").order_by(ReceiptRow.opened_at_utc)
    ).scalar()
    if row is None:
        return None
    shift = session.get(ShiftRow, row.shift_id)
    lines = session.scalars(
        select(LineRow).where(LineRow.receipt_id == row.id).order_by(LineRow.position)
    ).all()
    tenders = tuple(
        _tender(p)
        for p in session.scalars(
            select(PaymentRow).where(PaymentRow.receipt_id == row.id).order_by(PaymentRow.id)
        )
    )
    receipt = Receipt(
        kind="return" if row.kind == "return" else "sale",
        lines=tuple(_line(x) for x in lines),
        payments=tuple(t.payment for t in tenders if t.state == "approved"),
    )
    original = OriginalRef(**json.loads(row.original)) if row.original else None
    coupons, checks = parse_coupons(row.coupons)
    return OpenReceipt(
        id=row.id,
        shift_id=row.shift_id,
        shift_num=row.shift_num,
        shift_opened_ms=shift.opened_ms if shift is not None else 0,
        number=row.number,
        kind=row.kind,
        opened_at=row.opened_at,
        opened_at_utc=row.opened_at_utc,
        cashier_code=row.cashier_code,
        cashier_name=row.cashier_name,
        receipt=receipt,
        tenders=tenders,
        card=row.card,
        coupons=coupons,
        coupon_checks=checks,
        original=original,
        offline_return=bool(row.offline_return),
        supervisor_code=row.supervisor_code,
    )


def insert_receipt(session: Session, r: OpenReceipt) -> None:
    """Store a new open receipt (its lines follow with ``save_lines``)."""
    session.add(
        ReceiptRow(
            id=r.id,
            shift_id=r.shift_id,
            shift_num=r.shift_num,
            number=r.number,
            kind=r.kind,
            state="open",
            opened_at=r.opened_at,
            opened_at_utc=r.opened_at_utc,
            cashier_code=r.cashier_code,
            cashier_name=r.cashier_name,
            card=r.card,
            coupons=json.dumps(coupons_json(r)),
            original=json.dumps(asdict(r.original)) if r.original else None,
            original_id=r.original.receipt_id if r.original else None,
            offline_return=r.offline_return,
            supervisor_code=r.supervisor_code,
            total=r.receipt.total,
            change=0,
        )
    )


_LINES: Table = LineRow.__table__  # type: ignore[assignment]


def save_lines(
    session: Session | Connection, receipt_id: str, old: Receipt | None, new: Receipt
) -> None:
    """Write the lines of ``new`` that differ from ``old`` (all of them when ``old`` is None)."""
    before = {line.position: line for line in old.lines} if old is not None else {}
    added: list[dict[str, Any]] = []
    for line in new.lines:
        prev = before.get(line.position)
        if prev is line or prev == line:
            continue
        if prev is None:
            added.append(
                {
                    "receipt_id": receipt_id,
                    "position": line.position,
                    "article": line.article,
                    "name": line.name,
                    "barcode": line.barcode,
                    "quantity": line.quantity,
                    "price": line.price,
                    "measure": line.measure,
                    "taxgroup_id": line.taxgroup_id,
                    "price_type": line.price_type,
                    "price_name": line.price_name,
                    "seller_code": line.seller_code,
                    "voided": line.voided,
                    "age_confirmed": line.age_confirmed,
                    "discounts": _discounts_text(line),
                }
            )
            continue
        session.execute(
            update(_LINES)
            .where(_LINES.c.receipt_id == receipt_id, _LINES.c.position == line.position)
            .values(
                quantity=line.quantity,
                price=line.price,
                price_type=line.price_type,
                price_name=line.price_name,
                voided=line.voided,
                age_confirmed=line.age_confirmed,
                discounts=_discounts_text(line),
            )
        )
    if added:
        session.execute(insert(_LINES), added)


def update_receipt(session: Session, receipt_id: str, **values: Any) -> None:
    session.execute(update(ReceiptRow).where(ReceiptRow.id == receipt_id).values(**values))


def insert_tender(session: Session, receipt_id: str, at: str, **values: Any) -> Tender:
    """A new ``till_payment`` row; returns it with its id."""
    row = PaymentRow(receipt_id=receipt_id, created_at=at, updated_at=at, **values)
    session.add(row)
    session.flush()
    return _tender(row)


def update_tender(session: Session, tender_id: int, at: str, **values: Any) -> Tender:
    """Change a ``till_payment`` row; returns it as it is now."""
    row = session.get(PaymentRow, tender_id)
    if row is None:
        raise LookupError(f"payment {tender_id} does not exist")
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = at
    session.flush()
    return _tender(row)
