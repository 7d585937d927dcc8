"""Reading export documents back into values (for tests, checks and re-exports).

The inverse of ``ukm_export_render``: ``parse_export(render_x(doc)) == doc``.
Lenient where the spec is unsure: the cash root may be ``cashBox`` or
``cashbox``, and the ``kkm_*`` fields of a shift (and of a shift open)
may be attributes or elements. Unknown elements are ignored. Text values
are kept exactly (not stripped); numbers and dates may carry surrounding
whitespace.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from ukm_actors.codecs.errors import ExportFormatError
from ukm_actors.codecs.safexml import XmlFormatError, parse_bytes
from ukm_actors.codecs.ukm_export_model import (
    CASH_BOX_ATTRS,
    CASH_BOX_TAGS,
    DIRECTION_CODES,
    DISCOUNT_TAGS,
    HEAD_ATTRS,
    ITEM_TAGS,
    KIND_CODES,
    ORIGINAL_ATTRS,
    PAYMENT_TAGS,
    PAYMENT_TOTAL_TAGS,
    RECEIPT_ATTRS,
    RECEIPT_TAGS,
    ROOT_ALIASES,
    ROOTS,
    SHIFT_KKM_ATTRS,
    SHIFT_OPEN_TAGS,
    SHIFT_TAGS,
    VOIDED_TAGS,
    ExportCashBox,
    ExportDiscount,
    ExportDocument,
    ExportFiscal,
    ExportItem,
    ExportPayment,
    ExportPaymentTotal,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ExportVoidedItem,
    LineHead,
    ReceiptRef,
)
from ukm_actors.codecs.ukm_export_render import DATE_FORMAT
from ukm_actors.domain.money import AmountFormatError, parse_money, parse_quantity

DEFAULT_EXPORT_MAX_BYTES = 256 * 1024**2
"""Limit for one export document read back (a shift close embeds its receipts)."""


class _Node:
    """Field access on one element with errors that name line and field."""

    def __init__(self, el: Any, file: str | None, prefix: str = "") -> None:
        self.el = el
        self.file = file
        self.path = f"{prefix}{el.tag}"

    def fail(self, field: str, message: str, line: int | None = None) -> ExportFormatError:
        return ExportFormatError(
            message,
            line=line if line is not None else self.el.sourceline,
            field=f"{self.path}/{field}",
            file=self.file,
        )

    def children(self, tag: str) -> list[Any]:
        return [c for c in self.el if c.tag == tag]

    def _child(self, tag: str) -> Any | None:
        found = self.children(tag)
        if len(found) > 1:
            raise self.fail(tag, f"<{tag}> appears {len(found)} times", found[1].sourceline)
        return found[0] if found else None

    def text(self, tag: str, *, required: bool = True) -> str | None:
        """Exact text of child ``tag``; ``None`` when absent or empty and not required."""
        child = self._child(tag)
        if child is None or child.text is None:
            if required:
                raise self.fail(tag, "missing" if child is None else "is empty")
            return None
        return str(child.text)

    def req(self, tag: str) -> str:
        value = self.text(tag, required=True)
        if value is None:
            raise self.fail(tag, "is empty")
        return value

    def attr(self, name: str) -> str:
        value = self.el.get(name)
        if value is None:
            raise self.fail(f"@{name}", f"the attribute {name} is missing")
        return str(value)

    def attr_or_text(self, name: str, *, required: bool) -> str | None:
        value = self.el.get(name)
        if value is not None:
            return str(value)
        return self.text(name, required=required)

    def to_int(self, field: str, value: str) -> int:
        raw = value.strip()
        sign = raw[1:] if raw.startswith("-") else raw
        if not (sign.isascii() and sign.isdigit()):
            raise self.fail(field, f"{value!r} is not a whole number")
        return int(raw)

    def int_(self, tag: str) -> int:
        return self.to_int(tag, self.req(tag))

    def opt_int(self, tag: str) -> int | None:
        value = self.text(tag, required=False)
        return None if value is None else self.to_int(tag, value)

    def money(self, tag: str) -> int:
        try:
            return parse_money(self.req(tag), allow_negative=True, what="")
        except AmountFormatError as exc:
            raise self.fail(tag, exc.message.strip()) from None

    def opt_money(self, tag: str) -> int | None:
        return None if self._child(tag) is None else self.money(tag)

    def quantity(self, tag: str) -> int:
        try:
            return parse_quantity(self.req(tag), allow_negative=True, what="")
        except AmountFormatError as exc:
            raise self.fail(tag, exc.message.strip()) from None

    def date(self, tag: str) -> datetime:
        value = self.req(tag).strip()
        try:
            return datetime.strptime(value, DATE_FORMAT)
        except ValueError:
            raise self.fail(tag, f"{value!r} is not a date yyyy-mm-ddThh:mm:ss") from None

    def code(self, tag: str, codes: dict[str, str]) -> str:
        value = self.req(tag).strip()
        for key, written in codes.items():
            if written == value:
                return key
        raise self.fail(tag, f"{value!r} is not one of {sorted(codes.values())}")

    def head(self, attrs: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr, name in attrs.items():
            value = self.attr(name)
            out[attr] = value if attr == "store_id" else self.to_int(f"@{name}", value)
        return out


def _line_head(n: _Node, tags: dict[str, str]) -> LineHead:
    """What a sold and a voided line both carry, read in order under the tags of ``tags``."""
    return LineHead(
        position=n.int_(tags["position"]),
        article=n.req(tags["article"]),
        barcode=n.text(tags["barcode"], required=False),
        name=n.text(tags["name"], required=False) or "",
        quantity=n.quantity(tags["quantity"]),
        price=n.money(tags["price"]),
        amount=n.money(tags["amount"]),
    )


def _receipt(el: Any, file: str | None, prefix: str = "") -> ExportReceipt:
    n = _Node(el, file, prefix)
    t = RECEIPT_TAGS
    original = None
    orig_el = n._child(t["original"])
    if orig_el is not None:
        original = ReceiptRef(**_Node(orig_el, file, f"{n.path}/").head(ORIGINAL_ATTRS))
    fiscal = None
    fiscal_el = n._child("fiscal")
    if fiscal_el is not None:
        f = _Node(fiscal_el, file, f"{n.path}/")
        fiscal = ExportFiscal(
            fn=f.attr("fn"),
            fd=f.to_int("@fd", f.attr("fd")),
            fp=f.attr("fp"),
            shift=f.to_int("@shift", f.attr("shift")),
            number=f.to_int("@number", f.attr("number")),
            date_time=f.attr("dateTime"),
        )
    items = []
    for child in n.children(t["items"]):
        i = _Node(child, file, f"{n.path}/")
        it = ITEM_TAGS
        items.append(
            ExportItem(
                **_line_head(i, it),
                discount=i.money(it["discount"]),
                total=i.money(it["total"]),
                taxgroup_id=i.text(it["taxgroup_id"], required=False),
                seller_code=i.text(it["seller_code"], required=False),
                vat_rate=i.opt_money(it["vat_rate"]),
                vat_amount=i.opt_money(it["vat_amount"]),
            )
        )
    voided = []
    for child in n.children(t["voided"]):
        v = _Node(child, file, f"{n.path}/")
        voided.append(ExportVoidedItem(**_line_head(v, VOIDED_TAGS)))
    discounts = []
    for child in n.children(t["discounts"]):
        d = _Node(child, file, f"{n.path}/")
        discounts.append(
            ExportDiscount(
                position=d.int_(DISCOUNT_TAGS["position"]),
                campaign_id=d.req(DISCOUNT_TAGS["campaign_id"]),
                name=d.text(DISCOUNT_TAGS["name"], required=False) or "",
                amount=d.money(DISCOUNT_TAGS["amount"]),
            )
        )
    payments = []
    for child in n.children(t["payments"]):
        p = _Node(child, file, f"{n.path}/")
        payments.append(
            ExportPayment(
                type=p.req(PAYMENT_TAGS["type"]),
                amount=p.money(PAYMENT_TAGS["amount"]),
                rrn=p.text(PAYMENT_TAGS["rrn"], required=False),
            )
        )
    return ExportReceipt(
        **n.head(RECEIPT_ATTRS),
        kind=n.code(t["kind"], KIND_CODES),
        date=n.date(t["date"]),
        cashier_code=n.int_(t["cashier_code"]),
        cashier_name=n.text(t["cashier_name"], required=False) or "",
        kkm_receipt_number=n.opt_int(t["kkm_receipt_number"]),
        card=n.text(t["card"], required=False),
        original=original,
        fiscal=fiscal,
        items=tuple(items),
        voided=tuple(voided),
        discounts=tuple(discounts),
        payments=tuple(payments),
        change=n.money(t["change"]),
        total=n.money(t["total"]),
    )


def _shift_open(el: Any, file: str | None) -> ExportShiftOpen:
    n = _Node(el, file)
    t = SHIFT_OPEN_TAGS
    kkm = n.attr_or_text(t["kkm_shift_number"], required=False)
    return ExportShiftOpen(
        **n.head(HEAD_ATTRS),
        date_open=n.date(t["date_open"]),
        kkm_shift_number=None if kkm is None else n.to_int(t["kkm_shift_number"], kkm),
        cashier_code=n.int_(t["cashier_code"]),
        cashier_name=n.text(t["cashier_name"], required=False) or "",
    )


def _cash_box(el: Any, file: str | None) -> ExportCashBox:
    n = _Node(el, file)
    t = CASH_BOX_TAGS
    return ExportCashBox(
        **n.head(CASH_BOX_ATTRS),
        direction=n.code(t["direction"], DIRECTION_CODES),
        date=n.date(t["date"]),
        amount=n.money(t["amount"]),
        cashier_code=n.int_(t["cashier_code"]),
        cashier_name=n.text(t["cashier_name"], required=False) or "",
    )


def _shift_close(el: Any, file: str | None) -> ExportShiftClose:
    n = _Node(el, file)
    t = SHIFT_TAGS
    kkm: dict[str, Any] = {}
    for attr, name in SHIFT_KKM_ATTRS.items():
        value = n.attr_or_text(name, required=attr == "kkm_shift_number")
        kkm[attr] = n.to_int(name, value) if attr == "kkm_shift_number" and value else value
    totals = []
    for child in n.children(t["payment_totals"]):
        p = _Node(child, file, f"{n.path}/")
        totals.append(
            ExportPaymentTotal(
                type=p.req(PAYMENT_TOTAL_TAGS["type"]),
                sale_amount=p.money(PAYMENT_TOTAL_TAGS["sale_amount"]),
                return_amount=p.money(PAYMENT_TOTAL_TAGS["return_amount"]),
            )
        )
    receipts: list[ExportReceipt] = []
    container = n._child(t["receipts"])
    if container is not None:
        receipt_tag = ROOTS["receipt"]
        receipts = [
            _receipt(r, file, f"{n.path}/{t['receipts']}/")
            for r in container
            if r.tag == receipt_tag
        ]

    def opt_money(tag: str) -> int:
        return 0 if n._child(tag) is None else n.money(tag)

    def opt_count(tag: str) -> int:
        value = n.opt_int(tag)
        return 0 if value is None else value

    return ExportShiftClose(
        **n.head(HEAD_ATTRS),
        **kkm,
        date_close=n.date(t["date_close"]),
        cashier_code=n.int_(t["cashier_code"]),
        cashier_name=n.text(t["cashier_name"], required=False) or "",
        sale_amount=n.money(t["sale_amount"]),
        return_amount=n.money(t["return_amount"]),
        sale_count=opt_count(t["sale_count"]),
        return_count=opt_count(t["return_count"]),
        cancelled_count=opt_count(t["cancelled_count"]),
        change_amount=opt_money(t["change_amount"]),
        cash_in_amount=opt_money(t["cash_in_amount"]),
        cash_out_amount=opt_money(t["cash_out_amount"]),
        payment_totals=tuple(totals),
        receipts=tuple(receipts),
    )


_PARSERS = {
    "receipt": _receipt,
    "shift_open": _shift_open,
    "cash_box": _cash_box,
    "shift_close": _shift_close,
}


def parse_export(
    data: bytes, *, max_bytes: int = DEFAULT_EXPORT_MAX_BYTES, file: str | None = None
) -> ExportDocument:
    """The document in ``data`` (a ``receipt``, ``shiftOpen``, ``cashBox`` or ``shift``).

    ``file`` only names the source in error messages.
    """
    try:
        root = parse_bytes(data, max_bytes=max_bytes)
    except XmlFormatError as exc:
        raise ExportFormatError(exc.message, line=exc.line, file=file) from None
    kinds = {tag: kind for kind, tag in ROOTS.items()} | ROOT_ALIASES
    kind = kinds.get(root.tag)
    if kind is None:
        raise ExportFormatError(
            f"unknown root <{root.tag}>; expected one of {sorted(ROOTS.values())}",
            line=root.sourceline,
            file=file,
        )
    parser: Any = _PARSERS[kind]
    document: ExportDocument = parser(root, file)
    return document


def parse_export_file(
    path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_EXPORT_MAX_BYTES
) -> ExportDocument:
    """Read and parse an export file (errors name the file)."""
    p = Path(path)
    return parse_export(p.read_bytes(), max_bytes=max_bytes, file=p.name)
