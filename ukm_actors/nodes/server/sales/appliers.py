"""Applying what tills send: shift open, receipt, cash in/out, shift close.

Each applier runs inside the bridge's write transaction (one per document)
and is idempotent by construction: a receipt is unique by its
``receipt_id`` and by ``(store, till, shift_num, number)``, a cash move by
its ``doc_id`` and number, a shift by ``(store, till, shift_num)``; a
document met again through any path changes nothing. In the same
transaction the applier queues the export (one ``sales_export`` row per
document) and, once the transaction commits, wakes the exporter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import Appliers, PermanentApplyError
from ukm_actors.bridge.policy import Subject
from ukm_actors.codecs.tilldocs import (
    CASH_MOVE,
    RECEIPT,
    SHIFT_CLOSE,
    SHIFT_OPEN,
    CashMoveDoc,
    ReceiptDoc,
    ShiftCloseDoc,
    ShiftOpenDoc,
    TillDocError,
    decode,
)
from ukm_actors.db.hooks import after_commit
from ukm_actors.nodes.server.sales import returns
from ukm_actors.nodes.server.sales.records import (
    SalesDataError,
    child_values,
    local_text,
    now_ms,
    receipt_values,
    utc_ms,
    vat_rates_now,
)
from ukm_actors.nodes.server.sales.shifts import count_existing, count_receipt, missing_receipts
from ukm_actors.nodes.server.sales.tables import (
    SaleCashMove,
    SaleExport,
    SaleLine,
    SaleLineDiscount,
    SalePayment,
    SaleReceipt,
    SaleReceiptTag,
    SaleShift,
)

log = logging.getLogger(__name__)

PENDING = "pending"
HELD = "held"
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


# Core statements on the receipt path (no ORM bulk machinery, compiled once)
_INSERT_RECEIPT = insert(_table(SaleReceipt)).returning(_table(SaleReceipt).c.id)
_INSERT_LINES = insert(_table(SaleLine))
_INSERT_DISCOUNTS = insert(_table(SaleLineDiscount))
_INSERT_PAYMENTS = insert(_table(SalePayment))
_INSERT_TAGS = insert(_table(SaleReceiptTag))
_INSERT_EXPORT = insert(_table(SaleExport))

KINDS = ("sale", "return")
STATES = ("completed", "cancelled")
DIRECTIONS = ("in", "out")


def _decode(doc: Document) -> Any:
    try:
        return decode(doc.type, doc.body)
    except TillDocError as exc:
        raise PermanentApplyError(
            f"{doc.channel}#{doc.seq}: {exc.message}", hint="the till sent a malformed document"
        ) from exc


def till_subject(doc: Document) -> Subject | None:
    """What a till document is about, for the bridge's authorisation table: its store
    and the till ``till-<store>-<number>`` it names (None: the body does not say)."""
    try:
        data = json.loads(doc.body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    store, till = data.get("store"), data.get("till")
    if not isinstance(store, str) or type(till) is not int:
        return None
    return Subject.of(store, node=f"till-{store}-{till}")


def _check_sender(doc: Document, store: str, till: int) -> None:
    """A till may only send its own documents (``till-<store>-<number>``): the bridge's
    authorisation table refuses others before this; here again, for any other path."""
    sender = doc.header.sender
    if sender != f"till-{store}-{till}":
        raise PermanentApplyError(
            f"{doc.channel}#{doc.seq}: {sender} sent a document of till {till} of store {store}",
            hint="a till may only send its own receipts and shifts; check its [till] store "
            "and number",
        )


def queue_export(session: Session, kind: str, ref_id: int, store: str, state: str) -> None:
    """Add the export row of a new document (in the caller's transaction)."""
    now = now_ms()
    session.execute(
        _INSERT_EXPORT,
        {
            "kind": kind,
            "ref_id": ref_id,
            "store": store,
            "state": state,
            "version": 1,
            "attempts": 0,
            "created_ms": now,
            "updated_ms": now,
        },
    )


class SalesAppliers:
    """The four appliers, sharing the export store filter and the exporter's wake-up."""

    def __init__(self, export_stores: Collection[str], wake: Callable[[], None]) -> None:
        self.export_stores = frozenset(export_stores)
        self._wake = wake

    def register(self, appliers: Appliers) -> None:
        appliers.register(SHIFT_OPEN, self.shift_open, till_subject)
        appliers.register(RECEIPT, self.receipt, till_subject)
        appliers.register(CASH_MOVE, self.cash_move, till_subject)
        appliers.register(SHIFT_CLOSE, self.shift_close, till_subject)

    # -- helpers -------------------------------------------------------------------------

    def _export_state(self, store: str) -> str:
        return PENDING if not self.export_stores or store in self.export_stores else SKIPPED

    def _wake_after_commit(self, session: Session) -> None:
        if session.info.get("sales_wake"):
            return
        session.info["sales_wake"] = True
        wake = self._wake

        def committed() -> None:
            try:
                wake()
            except Exception:  # the periodic scan picks the document up
                log.debug("could not wake the exporter", exc_info=True)

        after_commit(session, committed)

    def _shift(self, session: Session, store: str, till: int, shift_num: int) -> SaleShift | None:
        return session.execute(
            select(SaleShift)
            .where(
                SaleShift.store == store, SaleShift.till == till, SaleShift.shift_num == shift_num
            )
            .with_for_update()
        ).scalar_one_or_none()

    def _shift_row(
        self, session: Session, d: ShiftOpenDoc | ShiftCloseDoc, started_ms: int
    ) -> SaleShift:
        """The shift's row, created (locked, counted) when this is the first we hear of it."""
        shift = self._shift(session, d.store, d.till, d.shift_num)
        if shift is None:
            shift = SaleShift(
                shift_id=d.shift_id,
                store=d.store,
                till=d.till,
                shift_num=d.shift_num,
                started_ms=started_ms,
            )
            count_existing(session, shift)
            session.add(shift)
        return shift

    # -- appliers ------------------------------------------------------------------------

    def shift_open(self, session: Session, doc: Document) -> None:
        d: ShiftOpenDoc = _decode(doc)
        _check_sender(doc, d.store, d.till)
        opened_at, opened_ms = _times(doc, d.opened_at, d.opened_at_utc, "shift.open opened_at")
        shift = self._shift_row(session, d, opened_ms)
        if shift.opened_at is not None:
            return
        shift.opened_at = opened_at
        shift.opened_ms = opened_ms
        shift.started_ms = opened_ms
        shift.open_cashier_code = d.cashier_code
        shift.open_cashier_name = d.cashier_name
        shift.kkm_shift_number = d.kkm_shift_number
        session.flush()
        queue_export(session, "shift_open", shift.id, d.store, self._export_state(d.store))
        self._wake_after_commit(session)

    def receipt(self, session: Session, doc: Document) -> None:
        d: ReceiptDoc = _decode(doc)
        _check_sender(doc, d.store, d.till)
        where = f"{doc.channel}#{doc.seq} receipt {d.number}"
        problem = _receipt_problem(d)
        if problem:
            raise PermanentApplyError(f"{where}: {problem}")
        existing = session.execute(
            select(SaleReceipt.id, SaleReceipt.receipt_id).where(
                (SaleReceipt.receipt_id == d.receipt_id)
                | (
                    (SaleReceipt.store == d.store)
                    & (SaleReceipt.till == d.till)
                    & (SaleReceipt.shift_num == d.shift_num)
                    & (SaleReceipt.number == d.number)
                )
            )
        ).first()
        if existing is not None:
            if existing.receipt_id != d.receipt_id:
                raise PermanentApplyError(
                    f"{where}: till {d.till} of store {d.store} already sent receipt "
                    f"{d.number} of shift {d.shift_num} as {existing.receipt_id}, now as "
                    f"{d.receipt_id}",
                    hint="a receipt number may be used once per shift",
                )
            log.debug("receipt %s is already on the server; not applied again", d.receipt_id)
            return
        try:
            values = receipt_values(d, now_ms())
        except SalesDataError as exc:
            raise PermanentApplyError(f"{where}: {exc.message}") from exc
        pk = int(session.execute(_INSERT_RECEIPT, values).scalar_one())
        rates = vat_rates_now(session, (ln.taxgroup_id for ln in d.lines))
        lines, discounts, payments, tags = child_values(d, pk, values["closed_ms"], rates)
        for stmt, rows in (
            (_INSERT_LINES, lines),
            (_INSERT_DISCOUNTS, discounts),
            (_INSERT_PAYMENTS, payments),
            (_INSERT_TAGS, tags),
        ):
            if rows:
                session.execute(stmt, rows)
        if d.kind == "return" and d.original is not None:
            returns.confirm(session, d)
        if d.state == "completed":
            queue_export(session, "receipt", pk, d.store, self._export_state(d.store))
        shift = self._shift(session, d.store, d.till, d.shift_num)
        if shift is not None:
            count_receipt(shift, d.kind, d.state, d.total)
            if shift.closed_at is not None:
                self._release_shift_close(session, shift)
        self._wake_after_commit(session)

    def _release_shift_close(self, session: Session, shift: SaleShift) -> None:
        """A receipt arrived: a shift close held back for it may be complete now."""
        held = session.execute(
            select(SaleExport.id).where(
                SaleExport.kind == "shift_close",
                SaleExport.ref_id == shift.id,
                SaleExport.state == HELD,
            )
        ).scalar_one_or_none()
        if held is None or missing_receipts(session, shift):
            return
        session.execute(
            update(SaleExport)
            .where(SaleExport.id == held)
            .values(state=self._export_state(shift.store), last_error=None, updated_ms=now_ms())
        )
        log.info(
            "shift %s of till %s/%s: every receipt is here; exporting its close",
            shift.shift_num,
            shift.store,
            shift.till,
        )

    def cash_move(self, session: Session, doc: Document) -> None:
        d: CashMoveDoc = _decode(doc)
        _check_sender(doc, d.store, d.till)
        where = f"{doc.channel}#{doc.seq} cash move {d.number}"
        if d.direction not in DIRECTIONS or d.amount <= 0:
            raise PermanentApplyError(
                f"{where}: direction {d.direction!r} must be in/out and amount above 0"
            )
        existing = session.execute(
            select(SaleCashMove.id, SaleCashMove.doc_id).where(
                (SaleCashMove.doc_id == d.doc_id)
                | (
                    (SaleCashMove.store == d.store)
                    & (SaleCashMove.till == d.till)
                    & (SaleCashMove.shift_num == d.shift_num)
                    & (SaleCashMove.number == d.number)
                )
            )
        ).first()
        if existing is not None:
            if existing.doc_id != d.doc_id:
                raise PermanentApplyError(
                    f"{where}: number {d.number} of shift {d.shift_num} was already used by "
                    f"cash document {existing.doc_id}"
                )
            return
        try:
            at = local_text(d.at, "cash.move at")
            at_ms = utc_ms(d.at_utc, "cash.move at_utc")
        except SalesDataError as exc:
            raise PermanentApplyError(f"{where}: {exc.message}") from exc
        pk = int(
            session.execute(
                insert(SaleCashMove)
                .values(
                    doc_id=d.doc_id,
                    store=d.store,
                    till=d.till,
                    shift_num=d.shift_num,
                    number=d.number,
                    direction=d.direction,
                    amount=d.amount,
                    at=at,
                    at_ms=at_ms,
                    cashier_code=d.cashier_code,
                    cashier_name=d.cashier_name,
                )
                .returning(SaleCashMove.id)
            ).scalar_one()
        )
        queue_export(session, "cash_move", pk, d.store, self._export_state(d.store))
        self._wake_after_commit(session)

    def shift_close(self, session: Session, doc: Document) -> None:
        d: ShiftCloseDoc = _decode(doc)
        _check_sender(doc, d.store, d.till)
        closed_at, closed_ms = _times(doc, d.closed_at, d.closed_at_utc, "shift.close closed_at")
        shift = self._shift_row(session, d, closed_ms)
        if shift.closed_at is not None:
            return
        shift.closed_at = closed_at
        shift.closed_ms = closed_ms
        shift.close_cashier_code = d.cashier_code
        shift.close_cashier_name = d.cashier_name
        shift.close_kkm_shift_number = d.kkm_shift_number
        shift.receipt_numbers = json.dumps(sorted(set(d.receipt_numbers)))
        shift.cash_move_numbers = json.dumps(sorted(set(d.cash_move_numbers)))
        shift.till_totals = json.dumps(d.totals, ensure_ascii=False, sort_keys=True)
        session.flush()
        missing = missing_receipts(session, shift)
        state = HELD if missing else self._export_state(d.store)
        queue_export(session, "shift_close", shift.id, d.store, state)
        if missing:
            log.info(
                "shift %s of till %s/%s closed; its close waits for receipts %s",
                d.shift_num,
                d.store,
                d.till,
                _numbers(missing),
            )
        self._wake_after_commit(session)


def _numbers(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _receipt_problem(d: ReceiptDoc) -> str | None:
    if d.kind not in KINDS:
        return f"kind {d.kind!r} is not one of {', '.join(KINDS)}"
    if d.state not in STATES:
        return f"state {d.state!r} is not one of {', '.join(STATES)}"
    positions = [ln.position for ln in d.lines]
    if len(set(positions)) != len(positions):
        return "a line position appears twice"
    return None


def _times(doc: Document, local: str, utc: str, what: str) -> tuple[str, int]:
    """A document's local time text and its UTC milliseconds; bad ones park the document."""
    try:
        return local_text(local, what), utc_ms(utc, f"{what}_utc")
    except SalesDataError as exc:
        raise PermanentApplyError(f"{doc.channel}#{doc.seq}: {exc.message}") from exc
