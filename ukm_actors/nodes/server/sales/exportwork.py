"""The export work itself, apart from the actor that schedules it.

``export_pending`` takes a batch of pending ``sales_export`` rows, builds
their documents from the database, writes each file atomically and marks
the rows done. Files are written outside any write transaction (SQLite's
writer lock is not held across disk flushes); a row is marked done only if
nobody made it pending again meanwhile (its ``version``). When the folder
cannot be written the batch stops with ``ExportFolderError`` and every row
stays pending. A document whose data cannot be written (``ExportDataError``)
is marked ``failed`` with the reason, and the others go on.

``reexport`` writes the documents of a date range again (``ukm export``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from ukm_actors.codecs.ukm_export import (
    ExportDataError,
    ExportDocument,
    export_file_name,
    render_export,
    write_atomically,
)
from ukm_actors.db import Database, yield_now
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.sales.appliers import DONE, FAILED, HELD, PENDING
from ukm_actors.nodes.server.sales.exportdocs import (
    export_cash_box,
    export_receipt,
    export_shift_close,
    export_shift_open,
)
from ukm_actors.nodes.server.sales.records import line_vat_rates, load_receipts, now_ms
from ukm_actors.nodes.server.sales.shifts import missing_receipts
from ukm_actors.nodes.server.sales.tables import (
    SaleCashMove,
    SaleExport,
    SaleReceipt,
    SaleShift,
)

log = logging.getLogger(__name__)

BATCH = 200


class ExportFolderError(UkmError):
    """The export folder cannot be written; documents stay pending and are retried."""

    code = "export.folder"


@dataclass(frozen=True)
class Job:
    id: int
    version: int
    kind: str
    ref_id: int
    store: str


@dataclass
class RunResult:
    written: int = 0
    failed: int = 0
    more: bool = False
    """The batch was full: run again at once."""


def ensure_folder(directory: Path) -> None:
    """Create the export folder if missing; ``ExportFolderError`` if it cannot be used."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise folder_error(directory, exc) from exc
    if not directory.is_dir():
        raise ExportFolderError(
            f"export folder {directory} is not a folder",
            hint="fix [server] export_dir or remove the file in its place",
        )


def folder_error(directory: Path, exc: OSError) -> ExportFolderError:
    reason = exc.strerror or type(exc).__name__
    return ExportFolderError(
        f"cannot write to the export folder {directory}: {reason}",
        hint="make the folder writable for the server (or fix [server] export_dir); "
        "documents wait and are retried",
    )


def pending_jobs(session: Session, limit: int) -> list[Job]:
    rows = session.execute(
        select(
            SaleExport.id, SaleExport.version, SaleExport.kind, SaleExport.ref_id, SaleExport.store
        )
        .where(SaleExport.state == PENDING)
        .order_by(SaleExport.id)
        .limit(limit)
    )
    return [Job(*row) for row in rows]


def _shift_close_document(session: Session, shift: SaleShift) -> ExportDocument:
    pks = session.scalars(
        select(SaleReceipt.id).where(
            SaleReceipt.store == shift.store,
            SaleReceipt.till == shift.till,
            SaleReceipt.shift_num == shift.shift_num,
        )
    ).all()
    receipts = load_receipts(session, pks).values()
    vat = line_vat_rates(session, pks)
    moves = session.scalars(
        select(SaleCashMove).where(
            SaleCashMove.store == shift.store,
            SaleCashMove.till == shift.till,
            SaleCashMove.shift_num == shift.shift_num,
        )
    ).all()
    return export_shift_close(shift, receipts, moves, vat)


def build_documents(
    session: Session, jobs: Sequence[Job]
) -> list[tuple[Job, ExportDocument | ExportDataError | None]]:
    """Each job's document, its data error, or None when its source row is gone."""
    receipt_pks = [j.ref_id for j in jobs if j.kind == "receipt"]
    receipts = load_receipts(session, receipt_pks)
    vat = line_vat_rates(session, receipt_pks)
    out: list[tuple[Job, ExportDocument | ExportDataError | None]] = []
    for job in jobs:
        try:
            doc: ExportDocument | None
            if job.kind == "receipt":
                r = receipts.get(job.ref_id)
                doc = export_receipt(r, vat.get(r.receipt_id)) if r is not None else None
            elif job.kind == "cash_move":
                m = session.get(SaleCashMove, job.ref_id)
                doc = export_cash_box(m) if m is not None else None
            else:
                s = session.get(SaleShift, job.ref_id)
                if s is None:
                    doc = None
                elif job.kind == "shift_open":
                    doc = export_shift_open(s)
                else:
                    doc = _shift_close_document(session, s)
            out.append((job, doc))
        except ExportDataError as exc:
            out.append((job, exc))
    return out


def _write(directory: Path, doc: ExportDocument) -> str:
    name = export_file_name(doc)
    data = render_export(doc)
    try:
        write_atomically(directory, name, data)
    except OSError as exc:
        raise folder_error(directory, exc) from exc
    return name


def export_pending(
    db: Database,
    directory: Path,
    limit: int = BATCH,
    still_ours: Callable[[], bool] = lambda: True,
) -> RunResult:
    """Write up to ``limit`` pending documents; raises ``ExportFolderError`` (rows stay pending).

    ``still_ours`` is asked before each file (a cluster's export lease): once it says
    no, the batch stops and what is left stays pending for the lease's new holder, so a
    server that was paused past its lease writes no file the trade system may already
    have taken."""
    result = RunResult()
    with db.read() as session:
        jobs = pending_jobs(session, limit)
        if not jobs:
            return result
        built = build_documents(session, jobs)
    ensure_folder(directory)
    written: list[tuple[Job, str | None]] = []
    failed: list[tuple[Job, str]] = []
    try:
        for job, doc in built:
            if not still_ours():
                log.warning("the export lease ran out mid-batch; the rest is left to its holder")
                break
            if isinstance(doc, ExportDataError):
                failed.append((job, str(doc)))
                log.error("export of %s %s failed: %s", job.kind, job.ref_id, doc)
            elif doc is None:
                written.append((job, None))
            else:
                written.append((job, _write(directory, doc)))
    finally:
        _record(db, written, failed)
    result.written = sum(1 for _, name in written if name)
    result.failed = len(failed)
    result.more = len(jobs) == limit
    return result


def _record(
    db: Database, written: list[tuple[Job, str | None]], failed: list[tuple[Job, str]]
) -> None:
    if not written and not failed:
        return
    now = now_ms()
    with db.write() as session:
        for job, name in written:
            session.execute(
                update(SaleExport)
                .where(SaleExport.id == job.id, SaleExport.version == job.version)
                .values(
                    state=DONE,
                    file_name=name,
                    exported_ms=now,
                    updated_ms=now,
                    last_error=None,
                    attempts=SaleExport.attempts + 1,
                )
            )
        for job, error in failed:
            session.execute(
                update(SaleExport)
                .where(SaleExport.id == job.id, SaleExport.version == job.version)
                .values(
                    state=FAILED,
                    last_error=error,
                    updated_ms=now,
                    attempts=SaleExport.attempts + 1,
                )
            )


# -- re-export ----------------------------------------------------------------------------


@dataclass
class ReexportResult:
    written: dict[str, int] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)
    """Shift closes not written because receipts are missing (``store/till/shift``)."""
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.written.values())


def _window(since: date, until: date | None) -> tuple[int, int, str, str]:
    """A UTC ms window wide enough for any time zone, and the local text bounds."""

    def ms(d: date) -> int:
        return int((datetime.combine(d, time()) - datetime(1970, 1, 1)).total_seconds() * 1000)

    lo_ms = ms(since - timedelta(days=1))
    if until is None:
        return lo_ms, 2**62, since.isoformat(), "9999"
    after = until + timedelta(days=1)
    return lo_ms, ms(after + timedelta(days=1)), since.isoformat(), after.isoformat()


def _ids(
    session: Session,
    id_col: InstrumentedAttribute[int],
    ms_col: InstrumentedAttribute[int],
    store_col: InstrumentedAttribute[str],
    lo: int,
    hi: int,
    stores: Collection[str],
) -> Iterator[int]:
    """Row ids with ``lo <= ms < hi`` (and a store in ``stores``), in id order, 500 at a time."""
    last = 0
    while True:
        q = select(id_col).where(id_col > last, ms_col >= lo, ms_col < hi)
        if stores:
            q = q.where(store_col.in_(sorted(stores)))
        chunk = session.scalars(q.order_by(id_col).limit(500)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1]


def reexport(
    db: Database,
    directory: Path,
    since: date,
    until: date | None = None,
    stores: Collection[str] = (),
) -> ReexportResult:
    """Write again every document of ``since``…``until`` (store-local dates, inclusive).

    Files get their documented names, so existing ones are replaced. A shift
    close is written only if every one of its receipts is here. The export
    rows of what was written are marked done.
    """
    ensure_folder(directory)
    result = ReexportResult()
    lo, hi, lo_text, hi_text = _window(since, until)
    marks: list[tuple[str, int]] = []

    def in_range(local: str | None) -> bool:
        return local is not None and lo_text <= local < hi_text

    def emit(kind: str, ref: int, doc: ExportDocument) -> None:
        _write(directory, doc)
        result.written[kind] = result.written.get(kind, 0) + 1
        marks.append((kind, ref))

    with db.read() as session:
        batch: list[int] = []

        def flush_receipts() -> None:
            vat = line_vat_rates(session, batch)
            for pk, r in load_receipts(session, batch).items():
                if r.state != "completed" or not in_range(r.closed_at):
                    continue
                try:
                    emit("receipt", pk, export_receipt(r, vat.get(r.receipt_id)))
                except ExportDataError as exc:
                    result.failed.append(str(exc))
            batch.clear()
            yield_now()

        for pk in _ids(
            session, SaleReceipt.id, SaleReceipt.closed_ms, SaleReceipt.store, lo, hi, stores
        ):
            batch.append(pk)
            if len(batch) >= 500:
                flush_receipts()
        flush_receipts()
        for pk in _ids(
            session, SaleCashMove.id, SaleCashMove.at_ms, SaleCashMove.store, lo, hi, stores
        ):
            m = session.get(SaleCashMove, pk)
            if m is not None and in_range(m.at):
                try:
                    emit("cash_move", pk, export_cash_box(m))
                except ExportDataError as exc:
                    result.failed.append(str(exc))
        for pk in _ids(
            session, SaleShift.id, SaleShift.started_ms, SaleShift.store, lo, hi, stores
        ):
            s = session.get(SaleShift, pk)
            if s is None:
                continue
            try:
                if in_range(s.opened_at):
                    emit("shift_open", pk, export_shift_open(s))
                if in_range(s.closed_at):
                    if missing_receipts(session, s):
                        result.held.append(f"{s.store}/{s.till}/{s.shift_num}")
                    else:
                        emit("shift_close", pk, _shift_close_document(session, s))
            except ExportDataError as exc:
                result.failed.append(str(exc))
    _mark_exported(db, marks)
    return result


def _mark_exported(db: Database, marks: list[tuple[str, int]]) -> None:
    now = now_ms()
    for i in range(0, len(marks), 500):
        with db.write() as session:
            for kind, ref in marks[i : i + 500]:
                session.execute(
                    update(SaleExport)
                    .where(and_(SaleExport.kind == kind, SaleExport.ref_id == ref))
                    .where(SaleExport.state.in_((PENDING, DONE, FAILED, HELD)))
                    .values(state=DONE, exported_ms=now, updated_ms=now, last_error=None)
                )


def export_counts(session: Session) -> dict[str, int]:
    """Number of export rows per state."""
    rows = session.execute(select(SaleExport.state, func.count()).group_by(SaleExport.state))
    return {state: int(n) for state, n in rows}


def folder_writable(directory: Path) -> bool:
    return directory.is_dir() and os.access(directory, os.W_OK)
