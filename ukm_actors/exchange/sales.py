"""The tills' documents → the export documents of ``codecs.ukm_export``.

Shared by the cash server's export (from what it stored) and a till that
writes its own sales files (a decentralised store), so both write the same
files. Only completed receipts are exported. Every line keeps the position the till
gave it (a return's lines carry the positions of the sale's lines they take
back); a voided line is written as a ``voidedItem`` (so the positions of the
``item`` lines have no silent gap) and counts in no total. Each line's VAT
is computed from the rate stamped on it (by the server when the receipt
arrived; by a till when the receipt closed).
Cashier codes are integers in the export (``Int(11)``, as in
``storeCashiers``): a code that is not digits is an ``ExportDataError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ukm_actors.codecs.tilldocs import ReceiptDoc, ReceiptLineDoc
from ukm_actors.codecs.ukm_export import (
    ExportCashBox,
    ExportDataError,
    ExportDiscount,
    ExportFiscal,
    ExportItem,
    ExportPayment,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ExportVoidedItem,
    LineHead,
    ReceiptRef,
    shift_totals,
)
from ukm_actors.domain.money import vat_included


@dataclass(frozen=True)
class ShiftFacts:
    """What a shift open or close document says of the shift (``at``: when it opened or
    closed, store-local ISO text)."""

    store: str
    till: int
    shift_num: int
    at: str | None
    cashier_code: str | None
    cashier_name: str | None
    kkm_shift_number: int | None


class CashFacts(Protocol):
    """A cash in or out (``direction`` "in" | "out") as the export reads it: a till's
    ``CashMoveDoc`` and the server's ``SaleCashMove`` row both are one."""

    @property
    def store(self) -> str: ...
    @property
    def till(self) -> int: ...
    @property
    def shift_num(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def direction(self) -> str: ...
    @property
    def at(self) -> str | None: ...
    @property
    def amount(self) -> int: ...
    @property
    def cashier_code(self) -> str | None: ...
    @property
    def cashier_name(self) -> str | None: ...


def _code(value: str | None, what: str) -> int:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 11:
        raise ExportDataError(
            f"{what}: cashier code {value!r} is not a whole number; the export writes "
            "cashierCode as Int(11)",
            hint="give cashiers numeric codes (as storeCashiers does), then re-export",
        )
    return int(text)


def _date(text: str | None, what: str) -> datetime:
    if not text:
        raise ExportDataError(f"{what}: the date is missing")
    return datetime.fromisoformat(text)


def _head(line: ReceiptLineDoc) -> LineHead:
    return LineHead(
        position=line.position,
        article=line.article,
        barcode=line.barcode,
        name=line.name,
        quantity=line.quantity,
        price=line.price,
        amount=line.amount,
    )


def _item(line: ReceiptLineDoc, rate: int | None) -> ExportItem:
    return ExportItem(
        **_head(line),
        discount=line.discount,
        total=line.total,
        taxgroup_id=line.taxgroup_id,
        seller_code=line.seller_code,
        vat_rate=rate,
        vat_amount=None if rate is None else vat_included(line.total, rate),
    )


def export_receipt(doc: ReceiptDoc, vat: Mapping[int, int] | None = None) -> ExportReceipt:
    """The ``receipt`` export document of a completed receipt; ``vat``: position → the
    line's VAT rate in basis points (lines without one get no VAT elements)."""
    what = f"receipt {doc.store}/{doc.till}/{doc.shift_num}/{doc.number}"
    rates = vat or {}
    items = []
    voided = []
    discounts = []
    for line in doc.lines:
        if line.voided:
            voided.append(ExportVoidedItem(**_head(line)))
            continue
        items.append(_item(line, rates.get(line.position)))
        for d in line.discounts:
            discounts.append(
                ExportDiscount(
                    position=line.position, campaign_id=d.campaign_id, name=d.name, amount=d.amount
                )
            )
    original = None
    if doc.original is not None:
        o = doc.original
        original = ReceiptRef(
            store_id=o.store, pos_num=o.till, shift_num=o.shift_num, receipt_num=o.number
        )
    return ExportReceipt(
        store_id=doc.store,
        pos_num=doc.till,
        shift_num=doc.shift_num,
        receipt_num=doc.number,
        kind=doc.kind,
        date=_date(doc.closed_at, what),
        cashier_code=_code(doc.cashier_code, what),
        cashier_name=doc.cashier_name,
        items=tuple(items),
        payments=tuple(
            ExportPayment(type=p.type, amount=p.amount, rrn=p.rrn) for p in doc.payments
        ),
        total=doc.total,
        change=doc.change,
        discounts=tuple(discounts),
        kkm_receipt_number=doc.kkm_receipt_number,
        card=doc.card,
        original=original,
        voided=tuple(voided),
        fiscal=_fiscal(doc.fiscal),
    )


def _fiscal(data: dict[str, Any] | None) -> ExportFiscal | None:
    """The register's data of a receipt for the export (None without a register)."""
    if not data:
        return None
    return ExportFiscal(
        fn=str(data["fn"]),
        fd=int(data["fd"]),
        fp=str(data["fp"]),
        shift=int(data["shift"]),
        number=int(data["number"]),
        date_time=str(data["registered_at"]),
    )


def export_shift_open(s: ShiftFacts) -> ExportShiftOpen:
    what = f"shift open {s.store}/{s.till}/{s.shift_num}"
    return ExportShiftOpen(
        store_id=s.store,
        pos_num=s.till,
        shift_num=s.shift_num,
        date_open=_date(s.at, what),
        cashier_code=_code(s.cashier_code, what),
        cashier_name=s.cashier_name or "",
        kkm_shift_number=s.kkm_shift_number,
    )


def export_cash_box(m: CashFacts) -> ExportCashBox:
    what = f"cash move {m.store}/{m.till}/{m.shift_num}/{m.number}"
    return ExportCashBox(
        store_id=m.store,
        pos_num=m.till,
        shift_num=m.shift_num,
        doc_num=m.number,
        direction=m.direction,
        date=_date(m.at, what),
        amount=m.amount,
        cashier_code=_code(m.cashier_code, what),
        cashier_name=m.cashier_name or "",
    )


def export_shift_close(
    s: ShiftFacts,
    receipts: Iterable[ReceiptDoc],
    moves: Iterable[CashFacts],
    vat: Mapping[str, Mapping[int, int]] | None = None,
) -> ExportShiftClose:
    """The ``shift`` export document, embedding the completed receipts, in number order;
    ``vat``: receipt id → position → VAT rate (as for :func:`export_receipt`)."""
    what = f"shift close {s.store}/{s.till}/{s.shift_num}"
    rates = vat or {}
    ordered = sorted(receipts, key=lambda r: r.number)
    exported = [
        export_receipt(r, rates.get(r.receipt_id)) for r in ordered if r.state == "completed"
    ]
    totals = shift_totals(exported, cancelled=sum(r.state == "cancelled" for r in ordered))
    cash = list(moves)
    cash_in = sum(m.amount for m in cash if m.direction == "in")
    cash_out = sum(m.amount for m in cash if m.direction == "out")
    return ExportShiftClose(
        store_id=s.store,
        pos_num=s.till,
        shift_num=s.shift_num,
        kkm_shift_number=s.kkm_shift_number or 0,
        date_close=_date(s.at, what),
        cashier_code=_code(s.cashier_code, what),
        cashier_name=s.cashier_name or "",
        sale_amount=totals.sale_amount,
        return_amount=totals.return_amount,
        sale_count=totals.sale_count,
        return_count=totals.return_count,
        cancelled_count=totals.cancelled_count,
        change_amount=totals.change_amount,
        cash_in_amount=cash_in,
        cash_out_amount=cash_out,
        payment_totals=totals.payment_totals,
        receipts=tuple(exported),
    )
