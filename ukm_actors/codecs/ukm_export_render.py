"""Rendering export documents to the bytes of their XML files.

UTF-8 with an XML declaration, text escaped by lxml, money with a point
and 2 decimals, quantities with 3, dates ``yyyy-mm-ddThh:mm:ss`` in store
local time (naive ``datetime``; microseconds are dropped). Optional values
that are ``None`` are left out. Characters XML 1.0 cannot carry (control
characters) are replaced by U+FFFD rather than losing the document.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from lxml import etree

from ukm_actors.codecs.errors import ExportDataError
from ukm_actors.codecs.ukm_export_model import (
    CASH_BOX_ATTRS,
    CASH_BOX_TAGS,
    DIRECTION_CODES,
    DISCOUNT_TAGS,
    EXPORT_VERSION,
    FISCAL_ATTRS,
    HEAD_ATTRS,
    ITEM_TAGS,
    KIND_CODES,
    ORIGINAL_ATTRS,
    PAYMENT_TAGS,
    PAYMENT_TOTAL_TAGS,
    RECEIPT_ATTRS,
    RECEIPT_TAGS,
    ROOTS,
    SHIFT_KKM_ATTRS,
    SHIFT_OPEN_TAGS,
    SHIFT_TAGS,
    VERSION_ATTR,
    VOIDED_TAGS,
    ExportCashBox,
    ExportItem,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ExportVoidedItem,
)
from ukm_actors.domain.money import format_money, format_quantity

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` with characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def format_date(value: datetime) -> str:
    """``2024-03-15T12:31:07``; refuses a zone-aware value (exports are store-local)."""
    if value.tzinfo is not None:
        raise ExportDataError(
            f"date {value.isoformat()} has a time zone; export dates are naive store-local times",
            hint="convert to the store's zone and drop tzinfo",
        )
    return value.strftime(DATE_FORMAT)


def _put(parent: Any, tag: str, value: object) -> None:
    if value is None:
        return
    etree.SubElement(parent, tag).text = value if isinstance(value, str) else str(value)


def _money(parent: Any, tag: str, value: int) -> None:
    _put(parent, tag, format_money(value))


def _root(kind: str, attrs: dict[str, str], doc: object) -> Any:
    root = etree.Element(ROOTS[kind])
    for attr, name in attrs.items():
        root.set(name, clean_text(str(getattr(doc, attr))))
    root.set(VERSION_ATTR, EXPORT_VERSION)
    return root


def _text(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def _put_line_head(el: Any, tags: dict[str, str], line: ExportItem | ExportVoidedItem) -> None:
    """Write what a sold and a voided line both carry: position, article, barcode, name,
    quantity, price and amount, in that order, under the tags of ``tags``."""
    _put(el, tags["position"], line.position)
    _put(el, tags["article"], clean_text(line.article))
    _put(el, tags["barcode"], _text(line.barcode))
    _put(el, tags["name"], clean_text(line.name))
    _put(el, tags["quantity"], format_quantity(line.quantity))
    _money(el, tags["price"], line.price)
    _money(el, tags["amount"], line.amount)


def receipt_element(r: ExportReceipt) -> Any:
    """The ``<receipt>`` element (also embedded in a shift close)."""
    t = RECEIPT_TAGS
    root = _root("receipt", RECEIPT_ATTRS, r)
    code = KIND_CODES.get(r.kind)
    if code is None:
        raise ExportDataError(f"receipt kind {r.kind!r} is not one of {sorted(KIND_CODES)}")
    _put(root, t["kind"], code)
    _put(root, t["date"], format_date(r.date))
    _put(root, t["cashier_code"], r.cashier_code)
    _put(root, t["cashier_name"], clean_text(r.cashier_name))
    _put(root, t["kkm_receipt_number"], r.kkm_receipt_number)
    if r.fiscal is not None:
        fiscal = etree.SubElement(root, "fiscal")
        for attr, name in FISCAL_ATTRS.items():
            fiscal.set(name, clean_text(str(getattr(r.fiscal, attr))))
    _put(root, t["card"], _text(r.card))
    if r.original is not None:
        orig = etree.SubElement(root, t["original"])
        for attr, name in ORIGINAL_ATTRS.items():
            orig.set(name, clean_text(str(getattr(r.original, attr))))
    for item in r.items:
        el = etree.SubElement(root, t["items"])
        it = ITEM_TAGS
        _put_line_head(el, it, item)
        _money(el, it["discount"], item.discount)
        _money(el, it["total"], item.total)
        _put(el, it["taxgroup_id"], _text(item.taxgroup_id))
        if item.vat_rate is not None:
            _money(el, it["vat_rate"], item.vat_rate)
        if item.vat_amount is not None:
            _money(el, it["vat_amount"], item.vat_amount)
        _put(el, it["seller_code"], _text(item.seller_code))
    for v in r.voided:
        _put_line_head(etree.SubElement(root, t["voided"]), VOIDED_TAGS, v)
    for d in r.discounts:
        el = etree.SubElement(root, t["discounts"])
        _put(el, DISCOUNT_TAGS["position"], d.position)
        _put(el, DISCOUNT_TAGS["campaign_id"], clean_text(d.campaign_id))
        _put(el, DISCOUNT_TAGS["name"], clean_text(d.name))
        _money(el, DISCOUNT_TAGS["amount"], d.amount)
    for p in r.payments:
        el = etree.SubElement(root, t["payments"])
        _put(el, PAYMENT_TAGS["type"], clean_text(p.type))
        _money(el, PAYMENT_TAGS["amount"], p.amount)
        _put(el, PAYMENT_TAGS["rrn"], _text(p.rrn))
    _money(root, t["change"], r.change)
    _money(root, t["total"], r.total)
    return root


def _serialize(root: Any) -> bytes:
    body: bytes = etree.tostring(root, encoding="utf-8", pretty_print=True, xml_declaration=False)
    return XML_DECLARATION + body


def render_receipt(r: ExportReceipt) -> bytes:
    """The file content of a ``receipt_…`` document."""
    return _serialize(receipt_element(r))


def render_shift_open(s: ExportShiftOpen) -> bytes:
    """The file content of a ``shiftOpen_…`` document."""
    root = _root("shift_open", HEAD_ATTRS, s)
    t = SHIFT_OPEN_TAGS
    _put(root, t["date_open"], format_date(s.date_open))
    _put(root, t["kkm_shift_number"], s.kkm_shift_number)
    _put(root, t["cashier_code"], s.cashier_code)
    _put(root, t["cashier_name"], clean_text(s.cashier_name))
    return _serialize(root)


def render_cash_box(c: ExportCashBox) -> bytes:
    """The file content of a ``cashbox_…`` document."""
    code = DIRECTION_CODES.get(c.direction)
    if code is None:
        raise ExportDataError(
            f"cash operation direction {c.direction!r} is not one of {sorted(DIRECTION_CODES)}"
        )
    root = _root("cash_box", CASH_BOX_ATTRS, c)
    t = CASH_BOX_TAGS
    _put(root, t["direction"], code)
    _put(root, t["date"], format_date(c.date))
    _money(root, t["amount"], c.amount)
    _put(root, t["cashier_code"], c.cashier_code)
    _put(root, t["cashier_name"], clean_text(c.cashier_name))
    return _serialize(root)


def render_shift_close(s: ExportShiftClose) -> bytes:
    """The file content of a ``shift_…`` document, every receipt embedded."""
    root = _root("shift_close", HEAD_ATTRS, s)
    for attr, name in SHIFT_KKM_ATTRS.items():
        value = getattr(s, attr)
        if value is not None:
            root.set(name, clean_text(str(value)))
    t = SHIFT_TAGS
    _put(root, t["date_close"], format_date(s.date_close))
    _put(root, t["cashier_code"], s.cashier_code)
    _put(root, t["cashier_name"], clean_text(s.cashier_name))
    _money(root, t["sale_amount"], s.sale_amount)
    _money(root, t["return_amount"], s.return_amount)
    _put(root, t["sale_count"], s.sale_count)
    _put(root, t["return_count"], s.return_count)
    _put(root, t["cancelled_count"], s.cancelled_count)
    _money(root, t["change_amount"], s.change_amount)
    _money(root, t["cash_in_amount"], s.cash_in_amount)
    _money(root, t["cash_out_amount"], s.cash_out_amount)
    for total in s.payment_totals:
        el = etree.SubElement(root, t["payment_totals"])
        _put(el, PAYMENT_TOTAL_TAGS["type"], clean_text(total.type))
        _money(el, PAYMENT_TOTAL_TAGS["sale_amount"], total.sale_amount)
        _money(el, PAYMENT_TOTAL_TAGS["return_amount"], total.return_amount)
    receipts = etree.SubElement(root, t["receipts"])
    for r in s.receipts:
        receipts.append(receipt_element(r))
    return _serialize(root)
