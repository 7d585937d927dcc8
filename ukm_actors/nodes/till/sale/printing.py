"""What the till prints, the print queue, and printing without blocking the sale.

Every finished document gets a print job in the same transaction that
finishes it (``queue_job``), so nothing is lost when the printer is off.
``Printing.print_job`` then asks the printer device with a deadline: a job
the printer takes is marked printed; one it cannot take stays pending, and
the cashier gets "receipt saved; printer offline — reprint when it is
back". ``reprint`` prints pending jobs again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.codecs.tilldocs import ReceiptDoc
from ukm_actors.domain.money import format_quantity
from ukm_actors.domain.shift import ShiftTotals
from ukm_actors.errors import UkmError
from ukm_actors.hw.receipt import (
    DiscountLine,
    PaymentLine,
    PrintableReceipt,
    ReceiptLine,
    TotalLine,
)
from ukm_actors.i18n import N_, _
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import PrintJob, PrintResult
from ukm_actors.nodes.till.sale.tables import PrintJobRow

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

PAYMENT_LABELS = {
    "cash": "НАЛИЧНЫМИ",
    "card": "КАРТОЙ",
    "certificate": "СЕРТИФИКАТОМ",
    "bonus": "БОНУСАМИ",
}
NO_PRINTER = _("no receipt printer is configured")
_TITLES = (
    (re.compile(r"^Z report of shift (\d+)$"), N_("Z report of shift {shift}")),
    (re.compile(r"^X report of shift (\d+)$"), N_("X report of shift {shift}")),
)
_NUMBERED = re.compile(r"^(receipt|return|cash in|cash out) (\d+) of shift (\d+)$")
_WHAT = {
    "receipt": N_("receipt {number} of shift {shift}"),
    "return": N_("return {number} of shift {shift}"),
    "cash in": N_("cash in {number} of shift {shift}"),
    "cash out": N_("cash out {number} of shift {shift}"),
}


def title_text(title: str) -> str:
    """A stored job title ("receipt 2 of shift 1", kept in English) as a translatable text."""
    for pattern, msgid in _TITLES:
        m = pattern.match(title)
        if m:
            return _(msgid, shift=m[1])
    m = _NUMBERED.match(title)
    if m:
        return _(_WHAT[m[1]], number=m[2], shift=m[3])
    return title


def _date(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")


def _qty(quantity: int, measure: str) -> str:
    if quantity % 1000 == 0 and measure in ("шт", "pcs", ""):
        return str(quantity // 1000)
    return f"{format_quantity(quantity)} {measure}".strip()


def receipt_printable(
    doc: ReceiptDoc,
    header: tuple[str, ...],
    footer: tuple[str, ...],
    symbology: str,
    price_names: Mapping[int, str] | None = None,
) -> PrintableReceipt:
    """The printed form of a finished sale or return; ``price_names`` by position: the
    additional price a line was sold at ("Кофе (Акция)")."""
    names = price_names or {}
    lines = tuple(
        ReceiptLine(
            name=f"{line.name} ({names[line.position]})" if line.position in names else line.name,
            quantity_text=_qty(line.quantity, line.measure),
            price=line.price,
            amount=line.amount,
            discounts=tuple(DiscountLine(d.name, d.amount) for d in line.discounts if d.amount),
        )
        for line in doc.lines
        if not line.voided
    )
    discount = sum(line.discount for line in doc.lines if not line.voided)
    totals: list[TotalLine] = []
    if discount:
        totals.append(TotalLine("СКИДКА", discount))
    totals.append(TotalLine("ИТОГО", doc.total, bold=True))
    payments = tuple(
        PaymentLine(PAYMENT_LABELS.get(p.type, p.type.upper()), p.amount) for p in doc.payments
    )
    return PrintableReceipt(
        kind="return" if doc.kind == "return" else "sale",
        store=doc.store,
        till=str(doc.till),
        shift=doc.shift_num,
        number=doc.number,
        date=_date(doc.closed_at),
        cashier=doc.cashier_name,
        lines=lines,
        totals=tuple(totals),
        payments=payments,
        change=doc.change if any(p.type == "cash" for p in doc.payments) else None,
        header=header,
        footer=(*fiscal_lines(doc.fiscal), *footer),
        code=doc.fiscal["qr"] if doc.fiscal else doc.receipt_id,
        code_symbology="qr" if doc.fiscal or symbology != "code128" else "code128",
    )


def fiscal_lines(fiscal: dict[str, Any] | None) -> tuple[str, ...]:
    """The fiscal data printed on a receipt (the QR code carries them too)."""
    if not fiscal:
        return ()
    at = str(fiscal["registered_at"])
    return (
        f"ФН {fiscal['fn']}",
        f"ФД {fiscal['fd']}  ФП {fiscal['fp']}",
        f"СМЕНА {fiscal['shift']}  ЧЕК {fiscal['number']}",
        f"{at[8:10]}.{at[5:7]}.{at[0:4]} {at[11:16]}",
        *(
            (f"РН ККТ {fiscal['registration_number']}",)
            if fiscal.get("registration_number")
            else ()
        ),
        *((f"САЙТ ФНС {fiscal['fns_url']}",) if fiscal.get("fns_url") else ()),
    )


def report_printable(
    kind: str,
    *,
    store: str,
    till: int,
    shift: int,
    number: int,
    at: str,
    cashier: str,
    totals: ShiftTotals,
    header: tuple[str, ...],
) -> PrintableReceipt:
    """An X report ("x-report"), Z report ("z-report") with the shift's figures."""
    rows = [
        TotalLine(f"ПРОДАЖИ ({totals.sales_count})", totals.sales_total, bold=True),
        *(
            TotalLine(f"  {PAYMENT_LABELS.get(t, t)}", a)
            for t, a in totals.sales_by_payment.items()
        ),
        TotalLine(f"ВОЗВРАТЫ ({totals.returns_count})", totals.returns_total, bold=True),
        *(
            TotalLine(f"  {PAYMENT_LABELS.get(t, t)}", a)
            for t, a in totals.refunds_by_payment.items()
        ),
        TotalLine("ВНЕСЕНИЯ", totals.cash_in),
        TotalLine("ИЗЪЯТИЯ", totals.cash_out),
        TotalLine("НАЛИЧНЫХ В КАССЕ", totals.cash_in_drawer, bold=True),
    ]
    return PrintableReceipt(
        kind="z-report" if kind == "z-report" else "x-report",
        store=store,
        till=str(till),
        shift=shift,
        number=number,
        date=_date(at),
        cashier=cashier,
        totals=tuple(rows),
        header=header,
    )


def cash_printable(
    direction: str,
    amount: int,
    *,
    store: str,
    till: int,
    shift: int,
    number: int,
    at: str,
    cashier: str,
    header: tuple[str, ...],
) -> PrintableReceipt:
    """A cash-in or cash-out slip."""
    return PrintableReceipt(
        kind="cash-in" if direction == "in" else "cash-out",
        store=store,
        till=str(till),
        shift=shift,
        number=number,
        date=_date(at),
        cashier=cashier,
        totals=(TotalLine("СУММА", amount, bold=True),),
        header=header,
    )


def printable_to_json(p: PrintableReceipt) -> str:
    """The printable as JSON (built by hand: ``dataclasses.asdict`` deep-copies every line)."""
    body = {
        "kind": p.kind,
        "store": p.store,
        "till": p.till,
        "shift": p.shift,
        "number": p.number,
        "date": p.date.strftime("%Y-%m-%dT%H:%M:%S"),
        "cashier": p.cashier,
        "lines": [
            {
                "name": x.name,
                "quantity_text": x.quantity_text,
                "price": x.price,
                "amount": x.amount,
                "discounts": [{"campaign": d.campaign, "amount": d.amount} for d in x.discounts],
            }
            for x in p.lines
        ],
        "totals": [{"label": t.label, "amount": t.amount, "bold": t.bold} for t in p.totals],
        "payments": [{"label": x.label, "amount": x.amount} for x in p.payments],
        "change": p.change,
        "header": list(p.header),
        "footer": list(p.footer),
        "code": p.code,
        "code_symbology": p.code_symbology,
    }
    return json.dumps(body, ensure_ascii=False)


def printable_from_json(text: str) -> PrintableReceipt:
    b = json.loads(text)
    return PrintableReceipt(
        kind=b["kind"],
        store=b["store"],
        till=b["till"],
        shift=b["shift"],
        number=b["number"],
        date=_date(b["date"]),
        cashier=b["cashier"],
        lines=tuple(
            ReceiptLine(
                name=x["name"],
                quantity_text=x["quantity_text"],
                price=x["price"],
                amount=x["amount"],
                discounts=tuple(DiscountLine(**d) for d in x["discounts"]),
            )
            for x in b["lines"]
        ),
        totals=tuple(TotalLine(**t) for t in b["totals"]),
        payments=tuple(PaymentLine(**p) for p in b["payments"]),
        change=b["change"],
        header=tuple(b["header"]),
        footer=tuple(b["footer"]),
        code=b["code"],
        code_symbology=b["code_symbology"],
    )


def queue_job(
    session: Session, kind: str, ref: str, title: str, printable: PrintableReceipt, at: str
) -> int:
    """Queue a document for printing in the caller's transaction; returns the job id."""
    row = PrintJobRow(
        kind=kind,
        ref=ref,
        title=title,
        body=printable_to_json(printable),
        state="pending",
        attempts=0,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def print_job_of(row: PrintJobRow) -> PrintJob:
    return PrintJob(
        id=row.id,
        kind=row.kind,
        ref=row.ref,
        title=title_text(row.title),
        state=row.state,
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        printed_at=row.printed_at,
    )


class Printing:
    """Prints queued jobs through the printer device; never waits past the deadline."""

    def __init__(self, ctx: TillContext) -> None:
        self.ctx = ctx

    def _now(self) -> str:
        from ukm_actors.nodes.till.sale.clock import utc_text

        clock = self.ctx.services.clock
        return utc_text(clock.now())

    def print_job(self, job_id: int) -> PrintResult:
        """Print one job; a failure keeps it pending."""
        db = self.ctx.require_db()
        with db.read() as s:
            row = s.get(PrintJobRow, job_id)
            if row is None:
                raise SaleError(
                    _("there is no print job {job_id}", job_id=job_id), code="print.unknown"
                )
            body, title = row.body, row.title
        printer = self.ctx.services.devices.printer
        error: str | None = None
        if not printer.configured:
            error = NO_PRINTER
        else:
            doc = printable_from_json(body)
            try:
                printer.call(
                    lambda p: p.print_document(doc), timeout=self.ctx.config.till.device_timeout
                )
            except UkmError as exc:
                error = exc.message
        with db.write() as s:
            job = s.get(PrintJobRow, job_id)
            assert job is not None
            job.attempts = (job.attempts or 0) + 1
            if error is None:
                job.state = "printed"
                job.printed_at = self._now()
                job.error = None
            else:
                job.error = error
        if error is None:
            return PrintResult(job_id, True, _("{title} printed", title=title_text(title)))
        level = logging.INFO if error == NO_PRINTER else logging.WARNING
        log.log(level, "print job %s (%s) not printed: %s", job_id, title, error)
        return PrintResult(
            job_id,
            False,
            _("{title} saved; printer offline — reprint when it is back", title=title_text(title)),
            error,
        )

    def queue(self) -> list[PrintJob]:
        """The jobs not printed yet, oldest first."""
        with self.ctx.require_db().read() as s:
            rows = s.scalars(
                select(PrintJobRow).where(PrintJobRow.state == "pending").order_by(PrintJobRow.id)
            ).all()
            return [print_job_of(r) for r in rows]

    def reprint(self, job_id: int | None = None) -> list[PrintResult]:
        """Print ``job_id`` again, or every pending job; stops at the first failure."""
        if job_id is not None:
            return [self.print_job(job_id)]
        results: list[PrintResult] = []
        for job in self.queue():
            result = self.print_job(job.id)
            results.append(result)
            if not result.printed:
                break
        return results
