"""Export documents (cash server → trade system) as values, and their tag tables.

Four documents [DOC §3.1]: a receipt, a shift open, a cash in/out, a shift
close that embeds every receipt of the shift. Only the shift close's head
is documented ([DOC §3.3]); the rest follows the provisional shapes of the
spec ([INF] §3.4), so every tag and code value lives in a table below.
Money is kopecks, quantity thousandths, dates naive store-local time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from ukm_actors.domain.money import Money, Quantity

SALE = "sale"
RETURN = "return"
CASH_IN = "in"
CASH_OUT = "out"

EXPORT_VERSION = "1"
"""Value of the ``version`` attribute we write on every document root."""

# -- tag tables (rename here; render and parse follow) --------------------

ROOTS: dict[str, str] = {
    "receipt": "receipt",
    "shift_open": "shiftOpen",
    "cash_box": "cashBox",
    "shift_close": "shift",
}
"""Document root tags. [DOC] names; the cash root's case is [UNK]."""

ROOT_ALIASES: dict[str, str] = {"cashbox": "cash_box"}
"""Other root spellings accepted on input."""

FILE_PREFIXES: dict[str, str] = {
    "receipt": "receipt",
    "shift_open": "shiftOpen",
    "cash_box": "cashbox",
    "shift_close": "shift",
}
"""File name prefixes [DOC §3.2] (note the lower-case ``cashbox``)."""

FILE_SUFFIX = "[1]"
"""The constant last part of export names [DOC], meaning [UNK]."""

VERSION_ATTR = "version"

HEAD_ATTRS: dict[str, str] = {"store_id": "storeId", "pos_num": "posNum", "shift_num": "shiftNum"}
"""The documented root-attribute trio [DOC §3.3]."""

RECEIPT_ATTRS: dict[str, str] = {**HEAD_ATTRS, "receipt_num": "receiptNum"}
CASH_BOX_ATTRS: dict[str, str] = {**HEAD_ATTRS, "doc_num": "docNum"}

SHIFT_KKM_ATTRS: dict[str, str] = {
    "kkm_shift_number": "kkm_shift_number",
    "kkm_serial_number": "kkm_serial_number",
    "kkm_registration_number": "kkm_registration_number",
    "kkm_model_name": "kkm_model_name",
}
"""KKT fields of ``shift``: written as root attributes, read as attributes or elements."""

RECEIPT_TAGS: dict[str, str] = {
    "kind": "type",
    "date": "date",
    "cashier_code": "cashierCode",
    "cashier_name": "cashierName",
    "kkm_receipt_number": "kkm_receipt_number",
    "card": "card",
    "original": "original",
    "items": "item",
    "voided": "voidedItem",
    "discounts": "discount",
    "payments": "payment",
    "change": "change",
    "total": "total",
}
ITEM_TAGS: dict[str, str] = {
    "position": "position",
    "article": "article",
    "barcode": "barcode",
    "name": "name",
    "quantity": "quantity",
    "price": "price",
    "amount": "amount",
    "discount": "discountAmount",
    "total": "total",
    "taxgroup_id": "taxgroupId",
    "vat_rate": "vatRate",
    "vat_amount": "vatAmount",
    "seller_code": "sellerCode",
}
VOIDED_TAGS: dict[str, str] = {
    "position": "position",
    "article": "article",
    "barcode": "barcode",
    "name": "name",
    "quantity": "quantity",
    "price": "price",
    "amount": "amount",
}
"""A line the cashier voided (сторно) before the receipt was paid [INF]: shown so the
positions of ``<item>`` have no silent gaps; it is not part of any total."""
DISCOUNT_TAGS: dict[str, str] = {
    "position": "position",
    "campaign_id": "campaignId",
    "name": "name",
    "amount": "amount",
}
PAYMENT_TAGS: dict[str, str] = {"type": "type", "amount": "amount", "rrn": "rrn"}
ORIGINAL_ATTRS: dict[str, str] = dict(RECEIPT_ATTRS)
"""Attributes of ``<original>``, the receipt a return refers to."""

SHIFT_OPEN_TAGS: dict[str, str] = {
    "date_open": "dateOpen",
    "kkm_shift_number": "kkm_shift_number",
    "cashier_code": "cashierCode",
    "cashier_name": "cashierName",
}
CASH_BOX_TAGS: dict[str, str] = {
    "direction": "type",
    "date": "date",
    "amount": "amount",
    "cashier_code": "cashierCode",
    "cashier_name": "cashierName",
}
SHIFT_TAGS: dict[str, str] = {
    "date_close": "dateClose",
    "cashier_code": "cashierCode",
    "cashier_name": "cashierName",
    "sale_amount": "saleAmount",
    "return_amount": "returnAmount",
    "sale_count": "saleCount",
    "return_count": "returnCount",
    "cancelled_count": "cancelledCount",
    "change_amount": "changeAmount",
    "cash_in_amount": "cashInAmount",
    "cash_out_amount": "cashOutAmount",
    "payment_totals": "paymentTotal",
    "receipts": "receipts",
}
PAYMENT_TOTAL_TAGS: dict[str, str] = {
    "type": "type",
    "sale_amount": "saleAmount",
    "return_amount": "returnAmount",
}

KIND_CODES: dict[str, str] = {SALE: "sale", RETURN: "return"}
"""Receipt kind → text written in ``<type>`` (numeric codes 0/1 would go here)."""

DIRECTION_CODES: dict[str, str] = {CASH_IN: "in", CASH_OUT: "out"}
"""Cash operation direction → text written in ``<type>``."""


# -- documents --------------------------------------------------------------


class LineHead(TypedDict):
    """What a sold line (:class:`ExportItem`) and a voided one (:class:`ExportVoidedItem`)
    both carry, first: ``ExportItem(**head, discount=...)``, ``ExportVoidedItem(**head)``."""

    position: int
    article: str
    barcode: str | None
    name: str
    quantity: Quantity
    price: Money
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportItem:
    """One receipt line: ``amount`` = price × quantity, ``total`` = amount − discount.

    ``vat_rate`` (basis points, 2000 = 20 %) and ``vat_amount`` (the VAT included in
    ``total``) are absent when the line's tax group had no known rate.
    """

    position: int
    article: str
    barcode: str | None
    name: str
    quantity: Quantity
    price: Money
    amount: Money
    discount: Money
    total: Money
    taxgroup_id: str | None = None
    seller_code: str | None = None
    vat_rate: int | None = None
    vat_amount: Money | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportVoidedItem:
    """A line voided before payment: not sold, in no total; its position stays taken."""

    position: int
    article: str
    barcode: str | None
    name: str
    quantity: Quantity
    price: Money
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportDiscount:
    """A discount given on line ``position`` by campaign ``campaign_id``."""

    position: int
    campaign_id: str
    name: str
    amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportPayment:
    """A tender: ``type`` (``cash``, ``card`` ...), amount tendered, bank RRN for cards."""

    type: str
    amount: Money
    rrn: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptRef:
    """Which receipt a return refers to."""

    store_id: str
    pos_num: int
    shift_num: int
    receipt_num: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportFiscal:
    """The fiscal register's data of a receipt [INF: our extension, ``<fiscal>`` attributes]."""

    fn: str
    fd: int
    fp: str
    shift: int
    number: int
    date_time: str


FISCAL_ATTRS: dict[str, str] = {
    "fn": "fn",
    "fd": "fd",
    "fp": "fp",
    "shift": "shift",
    "number": "number",
    "date_time": "dateTime",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportReceipt:
    """A completed sale or return receipt.

    Payments are as tendered: their sum is ``total + change``.
    """

    store_id: str
    pos_num: int
    shift_num: int
    receipt_num: int
    kind: str
    date: datetime
    cashier_code: int
    cashier_name: str
    items: tuple[ExportItem, ...]
    payments: tuple[ExportPayment, ...]
    total: Money
    change: Money = 0
    discounts: tuple[ExportDiscount, ...] = ()
    kkm_receipt_number: int | None = None
    card: str | None = None
    original: ReceiptRef | None = None
    voided: tuple[ExportVoidedItem, ...] = ()
    fiscal: ExportFiscal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportShiftOpen:
    """A shift was opened."""

    store_id: str
    pos_num: int
    shift_num: int
    date_open: datetime
    cashier_code: int
    cashier_name: str
    kkm_shift_number: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportCashBox:
    """Cash put into (``in``) or taken out of (``out``) the drawer."""

    store_id: str
    pos_num: int
    shift_num: int
    doc_num: int
    direction: str
    date: datetime
    amount: Money
    cashier_code: int
    cashier_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportPaymentTotal:
    """What one payment type paid over a shift's sales and returns.

    Net of change: the change a sale gives is cash going back, so it is taken off the
    ``cash`` sales. The ``sale_amount`` of all types add up to the shift's
    ``sale_amount``, and the ``return_amount`` to its ``return_amount``.
    """

    type: str
    sale_amount: Money
    return_amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftTotals:
    """The totals a shift close carries, computed from its receipts."""

    sale_amount: Money
    return_amount: Money
    sale_count: int
    return_count: int
    change_amount: Money
    payment_totals: tuple[ExportPaymentTotal, ...]
    cancelled_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportShiftClose:
    """A closed shift with every receipt of it.

    ``sale_amount``/``return_amount`` [DOC] are the sums of the receipts'
    totals (net of discounts); the counts (``cancelled_count``: receipts
    cancelled before payment, not exported, whose numbers are missing from
    ``receipts``), change, cash in/out and per-payment-type totals are ours
    [INF]. :func:`shift_totals` computes them from the receipts.
    """

    store_id: str
    pos_num: int
    shift_num: int
    kkm_shift_number: int
    date_close: datetime
    cashier_code: int
    cashier_name: str
    sale_amount: Money
    return_amount: Money
    kkm_serial_number: str | None = None
    kkm_registration_number: str | None = None
    kkm_model_name: str | None = None
    sale_count: int = 0
    return_count: int = 0
    cancelled_count: int = 0
    change_amount: Money = 0
    cash_in_amount: Money = 0
    cash_out_amount: Money = 0
    payment_totals: tuple[ExportPaymentTotal, ...] = ()
    receipts: tuple[ExportReceipt, ...] = ()


ExportDocument = ExportReceipt | ExportShiftOpen | ExportCashBox | ExportShiftClose
"""Any document the exporter writes."""


CASH = "cash"
"""The payment type change is given in (only cash may be more than what is due)."""


def shift_totals(receipts: Iterable[ExportReceipt], cancelled: int = 0) -> ShiftTotals:
    """Totals of a shift from its completed receipts; payment types in first-seen order.

    Per payment type the amounts are what the type paid, net of change (see
    :class:`ExportPaymentTotal`), so they add up to the sale and return amounts.
    """
    sale = ret = change = 0
    n_sale = n_ret = 0
    by_type: dict[str, list[int]] = {}
    for r in receipts:
        is_sale = r.kind == SALE
        if is_sale:
            sale += r.total
            n_sale += 1
            change += r.change
        else:
            ret += r.total
            n_ret += 1
        for p in r.payments:
            sums = by_type.setdefault(p.type, [0, 0])
            sums[0 if is_sale else 1] += p.amount
        if r.change:
            sums = by_type.setdefault(CASH, [0, 0])
            sums[0 if is_sale else 1] -= r.change
    totals = tuple(
        ExportPaymentTotal(type=t, sale_amount=s, return_amount=r) for t, (s, r) in by_type.items()
    )
    return ShiftTotals(
        sale_amount=sale,
        return_amount=ret,
        sale_count=n_sale,
        return_count=n_ret,
        change_amount=change,
        payment_totals=totals,
        cancelled_count=cancelled,
    )
