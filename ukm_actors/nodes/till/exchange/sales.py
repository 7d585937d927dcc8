"""The till's sales files: every receipt, return, shift open and close, cash in and out.

``enqueue`` is called by the sale (``SaleEnv.send``) in the transaction of
the operation itself, beside the document for the cash server: the
operation and its sales-file row commit together, or neither does.
``SalesWriter`` drains the rows in order: it renders each with the export
code the cash server uses (``exchange.sales``, ``codecs.ukm_export``), so
the files have the same format and names (``receipt_[17]_[1]_[3]_[12]_[1].xml``
…), writes it atomically (a hidden ``.<name>.….tmp``, fsync, rename) and
then marks the row written. Exactly once across kills: a row is marked
only after its file is in place; a row found unmarked at restart whose file
is already there with the same bytes is marked without writing again (the
file is not touched, so the integration module does not copy it twice).
Hidden temporary files a kill left behind are removed at start.

A cancelled receipt has no file (the server does not export it either);
the shift close file lists it in ``cancelledCount``. A document the export
cannot write (a cashier code that is not a number) is marked with its
error, shown in ``/status``, and the others go on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.codecs import tilldocs
from ukm_actors.codecs.tilldocs import CashMoveDoc, ReceiptDoc, ShiftCloseDoc, ShiftOpenDoc
from ukm_actors.codecs.ukm_export import (
    ExportDataError,
    ExportDocument,
    export_file_name,
    render_export,
    write_atomically,
)
from ukm_actors.db import Database
from ukm_actors.db.prune import PruneSchedule, cutoff
from ukm_actors.exchange.sales import (
    CashFacts,
    ShiftFacts,
    export_cash_box,
    export_receipt,
    export_shift_close,
    export_shift_open,
)
from ukm_actors.nodes.till.catalog.tables import CatTax, CatTaxGroup
from ukm_actors.nodes.till.exchange.load import now_text
from ukm_actors.nodes.till.exchange.prune import prune_sales_files
from ukm_actors.nodes.till.exchange.tables import NO_FILE, SalesFile
from ukm_actors.supervision import Ticking, crash_on

log = logging.getLogger(__name__)

KINDS = (tilldocs.SHIFT_OPEN, tilldocs.RECEIPT, tilldocs.CASH_MOVE, tilldocs.SHIFT_CLOSE)


def _rates(session: Session) -> dict[str, int]:
    taxes = {t.id: t.rate_bp for t in session.execute(select(CatTax)).scalars()}
    return {
        g.id: taxes[g.tax_id]
        for g in session.execute(select(CatTaxGroup)).scalars()
        if g.tax_id in taxes
    }


def enqueue(session: Session, doc_type: str, body: bytes) -> None:
    """Queue a sales file for the document ``body`` (in the caller's transaction)."""
    if doc_type not in KINDS:
        return
    vat: dict[int, int] = {}
    if doc_type == tilldocs.RECEIPT:
        doc: ReceiptDoc = tilldocs.decode(doc_type, body)
        rates = _rates(session)
        vat = {
            line.position: rates[line.taxgroup_id]
            for line in doc.lines
            if line.taxgroup_id in rates
        }
    session.add(SalesFile(doc_type=doc_type, body=body, vat=json.dumps(vat)))


@dataclass(frozen=True)
class Queued:
    """One row of ``till_sales_file``, read out of its session."""

    id: int
    doc_type: str
    body: bytes
    vat: str

    @classmethod
    def of(cls, row: SalesFile) -> Queued:
        return cls(row.id, row.doc_type, row.body, row.vat)


def _vat(row: Queued) -> dict[int, int]:
    return {int(k): int(v) for k, v in json.loads(row.vat or "{}").items()}


class Documents:
    """Builds each row's export document (a shift close from the shift's other rows)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def build(self, row: Queued) -> ExportDocument | None:
        doc: Any = tilldocs.decode(row.doc_type, row.body)
        if isinstance(doc, ReceiptDoc):
            return export_receipt(doc, _vat(row)) if doc.state == "completed" else None
        if isinstance(doc, ShiftOpenDoc):
            return export_shift_open(
                ShiftFacts(
                    doc.store,
                    doc.till,
                    doc.shift_num,
                    doc.opened_at,
                    doc.cashier_code,
                    doc.cashier_name,
                    doc.kkm_shift_number,
                )
            )
        if isinstance(doc, CashMoveDoc):
            return export_cash_box(doc)
        assert isinstance(doc, ShiftCloseDoc)
        receipts, moves, vat = self._shift(doc, row.id)
        facts = ShiftFacts(
            doc.store,
            doc.till,
            doc.shift_num,
            doc.closed_at,
            doc.cashier_code,
            doc.cashier_name,
            doc.kkm_shift_number,
        )
        return export_shift_close(facts, receipts, moves, vat)

    def _shift(
        self, close: ShiftCloseDoc, before: int
    ) -> tuple[list[ReceiptDoc], list[CashFacts], dict[str, dict[int, int]]]:
        receipts: list[ReceiptDoc] = []
        moves: list[CashFacts] = []
        vat: dict[str, dict[int, int]] = {}
        with self.db.read() as s:
            rows: Iterable[SalesFile] = s.execute(
                select(SalesFile)
                .where(
                    SalesFile.id < before,
                    SalesFile.doc_type.in_((tilldocs.RECEIPT, tilldocs.CASH_MOVE)),
                )
                .order_by(SalesFile.id)
            ).scalars()
            for row in rows:
                doc: Any = tilldocs.decode(row.doc_type, row.body)
                if doc.shift_num != close.shift_num or doc.store != close.store:
                    continue
                if isinstance(doc, ReceiptDoc):
                    receipts.append(doc)
                    vat[doc.receipt_id] = _vat(Queued.of(row))
                else:
                    moves.append(doc)
        return receipts, moves, vat


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


def clean_leftovers(folder: Path) -> int:
    """Remove the hidden temporary files a kill left in the sales folder."""
    n = 0
    for path in folder.glob(".*.tmp"):
        path.unlink(missing_ok=True)
        n += 1
    return n


def drain(db: Database, folder: Path, batch: int = 200) -> int:
    """Write the queued sales files in order; returns how many rows were settled."""
    docs = Documents(db)
    with db.read() as s:
        rows = [
            Queued.of(r)
            for r in s.execute(
                select(SalesFile)
                .where(SalesFile.written_at.is_(None))
                .order_by(SalesFile.id)
                .limit(batch)
            ).scalars()
        ]
    for row in rows:
        name, error = _write(docs, folder, row)
        with db.write() as s:
            live = s.get(SalesFile, row.id)
            assert live is not None
            live.name, live.error, live.written_at = name, error, now_text()
    return len(rows)


def _write(docs: Documents, folder: Path, row: Queued) -> tuple[str, str | None]:
    try:
        doc = docs.build(row)
        if doc is None:
            return NO_FILE, None
        name = export_file_name(doc)
        data = render_export(doc)
    except ExportDataError as exc:
        log.error("sales file of %s #%d not written: %s", row.doc_type, row.id, exc)
        return NO_FILE, str(exc)
    if not _same(folder / name, data):
        write_atomically(folder, name, data)
        log.info("sales file %s written", name)
    return name, None


class SalesWriter(Ticking):
    """Drains the sales-file rows into the sales folder every ``poll`` seconds (and when
    told that a document was queued)."""

    def __init__(
        self, db: Database, folder: Path, poll: float, pruning: PruneSchedule | None = None
    ) -> None:
        super().__init__()
        self.db = db
        self.folder = folder
        self.poll = poll
        self.pruning = pruning or PruneSchedule(0)

    def on_start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        removed = clean_leftovers(self.folder)
        if removed:
            log.info("sales folder: %d unfinished temporary file(s) removed", removed)
        self.schedule(0)

    def tick(self) -> None:
        try:
            self.write()
            self.pruning.when_due(self.prune)
        finally:
            self.schedule(self.poll)

    def prune(self, before: datetime | None = None) -> int:
        """Delete the rows written before ``before`` (default: ``exchange_keep_days`` ago)
        whose shift is closed; how many went."""
        n = prune_sales_files(self.db, before or cutoff(self.pruning.keep_days))
        self.pruning.done(n)
        if n:
            log.info("sales files: %d old row(s) pruned", n)
        return n

    @crash_on(OSError)
    def write(self) -> int:
        """Write what is queued now; how many rows were settled."""
        total = 0
        while n := drain(self.db, self.folder):
            total += n
        return total
