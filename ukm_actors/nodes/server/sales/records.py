"""Till documents ⇄ rows of the sales tables.

``receipt_values`` and friends turn a ``ReceiptDoc`` into the dictionaries
a bulk insert takes; ``load_receipts`` builds ``ReceiptDoc`` values back
from the tables for any number of receipts in four queries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.codecs.tilldocs import (
    LineDiscountDoc,
    OriginalRef,
    PaymentDoc,
    ReceiptDoc,
    ReceiptLineDoc,
)
from ukm_actors.errors import UkmError
from ukm_actors.isotime import ms_to_iso
from ukm_actors.nodes.server.catalog.public import Tax, TaxGroup
from ukm_actors.nodes.server.sales.tables import (
    SaleLine,
    SaleLineDiscount,
    SalePayment,
    SaleReceipt,
)


class SalesDataError(UkmError):
    """A till document whose content the server cannot store."""

    code = "sales.data"


def now_ms() -> int:
    return int(time.time() * 1000)


def utc_ms(text: str, where: str) -> int:
    """Epoch milliseconds of an ISO 8601 UTC time (``Z``, an offset, or naive = UTC)."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise SalesDataError(f"{where}: {text!r} is not an ISO 8601 date-time") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def local_text(text: str, where: str) -> str:
    """The store-local time as stored: ``yyyy-mm-ddThh:mm:ss`` (checked, zone refused)."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise SalesDataError(f"{where}: {text!r} is not a local date-time") from exc
    if value.tzinfo is not None:
        raise SalesDataError(f"{where}: {text!r} has a time zone; local times have none")
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def receipt_values(doc: ReceiptDoc, received_ms: int) -> dict[str, Any]:
    """The ``sales_receipt`` row of ``doc`` (without its id)."""
    where = f"receipt {doc.receipt_id}"
    orig = doc.original
    return {
        "receipt_id": doc.receipt_id,
        "store": doc.store,
        "till": doc.till,
        "shift_num": doc.shift_num,
        "number": doc.number,
        "kind": doc.kind,
        "state": doc.state,
        "opened_at": local_text(doc.opened_at, f"{where} opened_at"),
        "closed_at": local_text(doc.closed_at, f"{where} closed_at"),
        "closed_ms": utc_ms(doc.closed_at_utc, f"{where} closed_at_utc"),
        "cashier_code": doc.cashier_code,
        "cashier_name": doc.cashier_name,
        "total": doc.total,
        "change": doc.change,
        "card": doc.card,
        "original_receipt_id": orig.receipt_id if orig else None,
        "original_store": orig.store if orig else None,
        "original_till": orig.till if orig else None,
        "original_shift_num": orig.shift_num if orig else None,
        "original_number": orig.number if orig else None,
        "offline_return": doc.offline_return,
        "supervisor_code": doc.supervisor_code,
        "kkm_receipt_number": doc.kkm_receipt_number,
        "bonus": json.dumps(doc.bonus, ensure_ascii=False, sort_keys=True) if doc.bonus else None,
        "fiscal": json.dumps(doc.fiscal, ensure_ascii=False, sort_keys=True)
        if doc.fiscal
        else None,
        "received_ms": received_ms,
    }


def child_values(
    doc: ReceiptDoc, pk: int, closed_ms: int, vat_rates: Mapping[str, int] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of lines, line discounts, payments and search tags of receipt ``pk``;
    ``vat_rates`` (tax group → basis points) stamps each line with its VAT rate."""
    rates = vat_rates or {}
    lines: list[dict[str, Any]] = []
    discounts: list[dict[str, Any]] = []
    tags: set[str] = set()
    for line in doc.lines:
        lines.append(
            {
                "receipt_pk": pk,
                "position": line.position,
                "article": line.article,
                "name": line.name,
                "measure": line.measure,
                "quantity": line.quantity,
                "price": line.price,
                "amount": line.amount,
                "discount": line.discount,
                "total": line.total,
                "barcode": line.barcode,
                "taxgroup_id": line.taxgroup_id,
                "price_type": line.price_type,
                "seller_code": line.seller_code,
                "voided": line.voided,
                "vat_rate_bp": rates.get(line.taxgroup_id) if line.taxgroup_id else None,
            }
        )
        for i, d in enumerate(line.discounts):
            discounts.append(
                {
                    "receipt_pk": pk,
                    "position": line.position,
                    "idx": i,
                    "campaign_id": d.campaign_id,
                    "name": d.name,
                    "amount": d.amount,
                }
            )
        if not line.voided:
            tags.add(article_tag(line.article))
            if line.barcode:
                tags.add(barcode_tag(line.barcode))
    payments = []
    for i, p in enumerate(doc.payments):
        payments.append(
            {
                "receipt_pk": pk,
                "idx": i,
                "type": p.type,
                "amount": p.amount,
                "rrn": p.rrn,
                "card_mask": p.card_mask,
                "reference": p.reference,
            }
        )
        tags.add(payment_tag(p.type))
    tag_rows = [{"tag": t, "closed_ms": closed_ms, "receipt_pk": pk} for t in sorted(tags)]
    return lines, discounts, payments, tag_rows


def article_tag(article: str) -> str:
    return f"a:{article}"


def barcode_tag(barcode: str) -> str:
    return f"b:{barcode}"


def payment_tag(payment_type: str) -> str:
    return f"p:{payment_type}"


def _receipt_doc(
    r: SaleReceipt,
    lines: Sequence[SaleLine],
    discounts: dict[int, list[SaleLineDiscount]],
    payments: Sequence[SalePayment],
) -> ReceiptDoc:
    original = None
    if r.original_receipt_id is not None:
        original = OriginalRef(
            store=r.original_store or "",
            till=r.original_till or 0,
            shift_num=r.original_shift_num or 0,
            number=r.original_number or 0,
            receipt_id=r.original_receipt_id,
        )
    return ReceiptDoc(
        receipt_id=r.receipt_id,
        store=r.store,
        till=r.till,
        shift_num=r.shift_num,
        number=r.number,
        kind=r.kind,
        state=r.state,
        opened_at=r.opened_at,
        closed_at=r.closed_at,
        closed_at_utc=ms_to_iso(r.closed_ms) or "",
        cashier_code=r.cashier_code,
        cashier_name=r.cashier_name,
        total=r.total,
        change=r.change,
        lines=tuple(
            ReceiptLineDoc(
                position=ln.position,
                article=ln.article,
                name=ln.name,
                measure=ln.measure,
                quantity=ln.quantity,
                price=ln.price,
                amount=ln.amount,
                discount=ln.discount,
                total=ln.total,
                barcode=ln.barcode,
                taxgroup_id=ln.taxgroup_id,
                price_type=ln.price_type,
                seller_code=ln.seller_code,
                voided=ln.voided,
                discounts=tuple(
                    LineDiscountDoc(campaign_id=d.campaign_id, name=d.name, amount=d.amount)
                    for d in discounts.get(ln.position, [])
                ),
            )
            for ln in lines
        ),
        payments=tuple(
            PaymentDoc(
                type=p.type,
                amount=p.amount,
                rrn=p.rrn,
                card_mask=p.card_mask,
                reference=p.reference,
            )
            for p in payments
        ),
        card=r.card,
        original=original,
        offline_return=r.offline_return,
        supervisor_code=r.supervisor_code,
        kkm_receipt_number=r.kkm_receipt_number,
        bonus=json.loads(r.bonus) if r.bonus else {},
        fiscal=json.loads(r.fiscal) if r.fiscal else None,
    )


_CHUNK = 500


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def load_receipts(session: Session, pks: Iterable[int]) -> dict[int, ReceiptDoc]:
    """``ReceiptDoc`` of each receipt row id in ``pks`` that exists."""
    wanted = sorted(set(pks))
    heads: dict[int, SaleReceipt] = {}
    lines: dict[int, list[SaleLine]] = {}
    discounts: dict[int, dict[int, list[SaleLineDiscount]]] = {}
    payments: dict[int, list[SalePayment]] = {}
    for chunk in _chunks(wanted):
        for r in session.scalars(select(SaleReceipt).where(SaleReceipt.id.in_(chunk))):
            heads[r.id] = r
        q_lines = (
            select(SaleLine)
            .where(SaleLine.receipt_pk.in_(chunk))
            .order_by(SaleLine.receipt_pk, SaleLine.position)
        )
        for ln in session.scalars(q_lines):
            lines.setdefault(ln.receipt_pk, []).append(ln)
        q_disc = (
            select(SaleLineDiscount)
            .where(SaleLineDiscount.receipt_pk.in_(chunk))
            .order_by(SaleLineDiscount.receipt_pk, SaleLineDiscount.position, SaleLineDiscount.idx)
        )
        for d in session.scalars(q_disc):
            discounts.setdefault(d.receipt_pk, {}).setdefault(d.position, []).append(d)
        q_pay = (
            select(SalePayment)
            .where(SalePayment.receipt_pk.in_(chunk))
            .order_by(SalePayment.receipt_pk, SalePayment.idx)
        )
        for p in session.scalars(q_pay):
            payments.setdefault(p.receipt_pk, []).append(p)
    return {
        pk: _receipt_doc(r, lines.get(pk, []), discounts.get(pk, {}), payments.get(pk, []))
        for pk, r in heads.items()
    }


def vat_rates_now(session: Session, taxgroups: Iterable[str | None]) -> dict[str, int]:
    """Tax group → its tax's rate (basis points) as the catalog has it now."""
    wanted = sorted({t for t in taxgroups if t})
    if not wanted:
        return {}
    rows = session.execute(
        select(TaxGroup.id, Tax.rate_bp)
        .join(Tax, Tax.id == TaxGroup.tax_id)
        .where(TaxGroup.id.in_(wanted))
    )
    return {str(g): int(rate) for g, rate in rows}


def line_vat_rates(session: Session, pks: Iterable[int]) -> dict[str, dict[int, int]]:
    """Receipt id → line position → the VAT rate stamped on the line (lines without none)."""
    out: dict[str, dict[int, int]] = {}
    for chunk in _chunks(sorted(set(pks))):
        rows = session.execute(
            select(SaleReceipt.receipt_id, SaleLine.position, SaleLine.vat_rate_bp)
            .join(SaleReceipt, SaleReceipt.id == SaleLine.receipt_pk)
            .where(SaleLine.receipt_pk.in_(chunk), SaleLine.vat_rate_bp.is_not(None))
        )
        for rid, position, rate in rows:
            if rate is not None:
                out.setdefault(str(rid), {})[int(position)] = int(rate)
    return out
