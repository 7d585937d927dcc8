"""What a printed receipt says, and where on the paper: pure data and layout.

``PrintableReceipt`` is everything the printer needs, already decided by
the till (texts, amounts in kopecks). ``render_receipt`` lays it out in
``width`` columns as a list of ``PrintLine`` (text, alignment, bold) and at
most one ``PrintCode`` (QR or CODE128 content); it does no I/O, so the
layout is tested without a printer and the same list can be shown on a
screen.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ukm_actors.domain.money import Money, format_money

ReceiptKind = Literal["sale", "return", "x-report", "z-report", "cash-in", "cash-out"]
Align = Literal["left", "center", "right"]
Symbology = Literal["qr", "code128"]

TITLES: dict[str, str] = {
    "sale": "КАССОВЫЙ ЧЕК / ПРИХОД",
    "return": "КАССОВЫЙ ЧЕК / ВОЗВРАТ ПРИХОДА",
    "x-report": "X-ОТЧЁТ",
    "z-report": "Z-ОТЧЁТ (ЗАКРЫТИЕ СМЕНЫ)",
    "cash-in": "ВНЕСЕНИЕ",
    "cash-out": "ИЗЪЯТИЕ",
}


@dataclass(frozen=True)
class DiscountLine:
    """A discount on a line: the campaign's name and the amount taken off (kopecks, > 0)."""

    campaign: str
    amount: Money


@dataclass(frozen=True)
class ReceiptLine:
    """One item line: ``quantity_text`` as the till words it ("2", "0.350 кг")."""

    name: str
    quantity_text: str
    price: Money
    amount: Money
    discounts: tuple[DiscountLine, ...] = ()


@dataclass(frozen=True)
class TotalLine:
    """A labelled amount under the items ("ИТОГО", "СКИДКА", report figures)."""

    label: str
    amount: Money
    bold: bool = False


@dataclass(frozen=True)
class PaymentLine:
    """A payment: its type's label ("НАЛИЧНЫМИ", "КАРТОЙ") and amount."""

    label: str
    amount: Money


@dataclass(frozen=True)
class PrintableReceipt:
    """A receipt, report or cash document, ready to print.

    ``number`` is the receipt's (or report's) number in the shift; ``code``
    is printed at the bottom as a QR code or a CODE128 barcode (ASCII only
    for CODE128); ``change`` None prints no change line.
    """

    kind: ReceiptKind
    store: str
    till: str
    shift: int
    number: int
    date: datetime
    cashier: str
    lines: tuple[ReceiptLine, ...] = ()
    totals: tuple[TotalLine, ...] = ()
    payments: tuple[PaymentLine, ...] = ()
    change: Money | None = None
    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    code: str = ""
    code_symbology: Symbology = "qr"


@dataclass(frozen=True)
class PrintLine:
    """One printed line of at most the paper's width."""

    text: str
    align: Align = "left"
    bold: bool = False


@dataclass(frozen=True)
class PrintCode:
    """A QR code or CODE128 barcode printed centred."""

    content: str
    symbology: Symbology


PrintItem = PrintLine | PrintCode


def two_columns(left: str, right: str, width: int, indent: int = 0) -> list[str]:
    """``left`` and ``right`` spread over ``width`` columns, ``right`` flush right.

    A long ``left`` wraps (continuation lines indented by ``indent``) and
    ``right`` goes on its last line, or on a line of its own if it does not fit.
    """
    if len(right) > width - 8:
        return _wrap(left, width) + [r.rjust(width) for r in _wrap(right, width)]
    wrapped = textwrap.wrap(left, width, subsequent_indent=" " * indent) or [""]
    last = wrapped[-1]
    gap = width - len(last) - len(right)
    if gap < 1:
        return [*wrapped, right.rjust(width)]
    return [*wrapped[:-1], last + " " * gap + right]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def render_receipt(doc: PrintableReceipt, width: int = 42) -> list[PrintItem]:
    """Lay the receipt out in ``width`` columns; every ``PrintLine`` fits in ``width``."""
    if width < 20:
        raise ValueError(f"receipt width must be at least 20 characters, not {width}")
    out: list[PrintItem] = []
    rule = PrintLine("-" * width)

    def centred(text: str, bold: bool = False) -> None:
        out.extend(PrintLine(t, "center", bold) for t in _wrap(text, width))

    def pair(left: str, right: str, bold: bool = False, indent: int = 0) -> None:
        out.extend(PrintLine(t, "left", bold) for t in two_columns(left, right, width, indent))

    for text in doc.header:
        centred(text)
    centred(TITLES[doc.kind], bold=True)
    pair(f"Магазин {doc.store}", f"Касса {doc.till}")
    pair(f"Смена {doc.shift}", f"Чек {doc.number}")
    pair(doc.date.strftime("%d.%m.%Y"), doc.date.strftime("%H:%M"))
    pair("Кассир", doc.cashier)
    out.append(rule)
    for line in doc.lines:
        out.extend(PrintLine(t) for t in _wrap(line.name, width))
        pair(
            f"  {line.quantity_text} x {format_money(line.price)}",
            format_money(line.amount),
            indent=2,
        )
        for discount in line.discounts:
            pair(f"  Скидка: {discount.campaign}", format_money(-discount.amount), indent=4)
    if doc.lines:
        out.append(rule)
    for total in doc.totals:
        pair(total.label, format_money(total.amount), bold=total.bold)
    for payment in doc.payments:
        pair(payment.label, format_money(payment.amount))
    if doc.change is not None:
        pair("СДАЧА", format_money(doc.change))
    if doc.footer:
        out.append(rule)
        for text in doc.footer:
            centred(text)
    if doc.code:
        out.append(PrintCode(doc.code, doc.code_symbology))
    return out


def receipt_text(items: list[PrintItem], width: int = 42) -> str:
    """The layout as plain text (codes shown as ``[QR: ...]``), for screens and logs."""
    rows: list[str] = []
    for item in items:
        if isinstance(item, PrintCode):
            rows.append(f"[{item.symbology.upper()}: {item.content}]".center(width).rstrip())
        elif item.align == "center":
            rows.append(item.text.center(width).rstrip())
        elif item.align == "right":
            rows.append(item.text.rjust(width))
        else:
            rows.append(item.text)
    return "\n".join(rows) + "\n"
