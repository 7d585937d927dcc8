"""``ShiftManager``: opening and closing shifts, X and Z reports, cash in and out.

Each operation is one write transaction that changes the shift and puts
its document (``shift.open``, ``cash.move``, ``shift.close``) in the outbox
for the cash server, and queues what is to be printed. A shift cannot be
closed while a receipt is open. Shift totals are kept on the shift row and
updated by every closed receipt (``closing.finish_receipt``).

With a fiscal register every operation goes through it first; what the
register did while the till could not record it (a crash, a lost answer)
is finished by the ``ShiftRegistrar`` (``shiftregistrar.py``) after a
restart and before the next operation, never sent again.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from pykka.typing import ActorMemberMixin, proxy_method
from sqlalchemy import func, select

from ukm_actors.codecs import tilldocs
from ukm_actors.codecs.tilldocs import ShiftCloseDoc, ShiftOpenDoc
from ukm_actors.domain.shift import ShiftTotals
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.clock import epoch_ms, zoned_text
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.fiscal import SHIFT_KINDS
from ukm_actors.nodes.till.sale.registrar import keep_trying
from ukm_actors.nodes.till.sale.repo import open_shift
from ukm_actors.nodes.till.sale.shiftdocs import (
    CashSpec,
    record_cash_move,
    report_job,
    shift_totals,
)
from ukm_actors.nodes.till.sale.shiftmodel import CashMove, ShiftClosed, ShiftView, XReport
from ukm_actors.nodes.till.sale.shiftregistrar import ShiftRegistrar
from ukm_actors.nodes.till.sale.shiftrules import shift_age_hours
from ukm_actors.nodes.till.sale.tables import CashMoveRow, ReceiptRow, ShiftRow
from ukm_actors.supervision import SupervisedActor

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)


class ShiftManager(SupervisedActor):
    """The till's shift: its state lives in the database, this actor serialises changes."""

    def __init__(self, ctx: TillContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = ctx.require_db()
        self.env = ctx.services.sale_env
        self.fiscal = ctx.services.fiscal
        self.registrar = ShiftRegistrar(self.fiscal, self.db, self.env)
        self._settler: Any = None

    def on_start(self) -> None:
        if self.fiscal.enabled and self.fiscal.pending(SHIFT_KINDS):
            proxy = cast(ShiftManagerProxy, self.actor_ref.proxy())
            self._settler = keep_trying(lambda: bool(proxy.settle_fiscal().get(timeout=60)))

    def on_stop(self) -> None:
        if self._settler is not None:
            self._settler.kill(block=False)

    def settle_fiscal(self) -> bool:
        """Finish what the register did for the shift before a restart; True when settled."""
        try:
            self._settle()
        except SaleError as exc:
            log.info("fiscal requests of the shift not settled yet: %s", exc)
            return False
        return True

    def _settle(self) -> list[CashMove]:
        return self.registrar.settle()

    def _require_shift(self) -> None:
        with self.db.read() as s:
            if open_shift(s) is None:
                raise SaleError(_("no shift is open; open a shift first"), code="shift.closed")

    def _view(self, row: ShiftRow) -> ShiftView:
        age = shift_age_hours(row.opened_ms, self.env)
        return ShiftView(
            id=row.id,
            num=row.num,
            state=row.state,
            opened_at=zoned_text(row.opened_at, row.opened_at_utc),
            opened_by_code=row.cashier_code,
            opened_by_name=row.cashier_name,
            closed_at=zoned_text(row.closed_at, row.closed_at_utc),
            age_hours=round(age, 2),
            expired=row.state == "open" and age > self.env.settings.max_shift_hours,
            totals=shift_totals(row),
        )

    def current(self) -> ShiftView | None:
        """The open shift (with its totals and whether it is past the 24 h rule), or None."""
        with self.db.read() as s:
            row = open_shift(s)
            return None if row is None else self._view(row)

    def _require_open(self, s: Any) -> ShiftRow:
        row = open_shift(s, lock=True)
        if row is None:
            raise SaleError(_("no shift is open; open a shift first"), code="shift.closed")
        return row

    def open(self, grant: Grant) -> ShiftView:
        """Open a new shift; refused while one is open."""
        with self.db.read() as s:
            if open_shift(s) is not None:
                raise SaleError(
                    _("a shift is already open; close it (Z report) before opening a new one"),
                    code="shift.open",
                )
        self._settle()
        shift_id = str(uuid.uuid4())
        kkm_shift = self.fiscal.open_shift(grant.cashier.name, shift_id)
        now = self.env.now()
        with self.db.write() as s:
            if open_shift(s, lock=True) is not None:
                raise SaleError(
                    _("a shift is already open; close it (Z report) before opening a new one"),
                    code="shift.open",
                )
            num = int(s.execute(select(func.max(ShiftRow.num))).scalar() or 0) + 1
            row = ShiftRow(
                id=shift_id,
                num=num,
                state="open",
                opened_at=self.env.local(now),
                opened_at_utc=self.env.utc(now),
                opened_ms=epoch_ms(now),
                cashier_code=grant.cashier.code,
                cashier_name=grant.cashier.name,
                totals=json.dumps(ShiftTotals.empty().to_json()),
                next_receipt=1,
                next_cash=1,
            )
            s.add(row)
            doc = ShiftOpenDoc(
                shift_id=row.id,
                store=self.env.store,
                till=self.env.till,
                shift_num=num,
                opened_at=row.opened_at,
                opened_at_utc=row.opened_at_utc,
                cashier_code=row.cashier_code,
                cashier_name=row.cashier_name,
                kkm_shift_number=kkm_shift or num,
            )
            self.env.send(s, tilldocs.SHIFT_OPEN, tilldocs.encode(doc))
            s.flush()
            out = self._view(row)
        self.env.notify_server()
        log.info("shift %s opened by %s", num, grant.cashier.code)
        return out

    def close(self, grant: Grant) -> ShiftClosed:
        """Close the shift (Z report); refused while a receipt is open."""
        with self.db.read() as s:
            found = open_shift(s)
            if found is None:
                raise SaleError(_("no shift is open; open a shift first"), code="shift.closed")
            self._refuse_open_receipt(s, found)
            shift_id = found.id
        self._settle()
        kkm_shift = self.fiscal.close_shift(grant.cashier.name, shift_id)
        now = self.env.now()
        with self.db.write() as s:
            row = self._require_open(s)
            open_receipt = s.execute(
                select(ReceiptRow.number).where(
                    ReceiptRow.shift_id == row.id, ReceiptRow.state == "open"
                )
            ).scalar()
            if open_receipt is not None:
                raise SaleError(
                    _(
                        "receipt {open_receipt} is still open; finish or cancel it before "
                        "closing the shift",
                        open_receipt=open_receipt,
                    ),
                    code="shift.receipt_open",
                )
            numbers = tuple(
                s.scalars(
                    select(ReceiptRow.number)
                    .where(ReceiptRow.shift_id == row.id)
                    .order_by(ReceiptRow.number)
                )
            )
            cash_numbers = tuple(
                s.scalars(
                    select(CashMoveRow.number)
                    .where(CashMoveRow.shift_id == row.id)
                    .order_by(CashMoveRow.number)
                )
            )
            totals = shift_totals(row)
            row.state = "closed"
            row.closed_at = self.env.local(now)
            row.closed_at_utc = self.env.utc(now)
            row.closed_by_code = grant.cashier.code
            row.closed_by_name = grant.cashier.name
            doc = ShiftCloseDoc(
                shift_id=row.id,
                store=self.env.store,
                till=self.env.till,
                shift_num=row.num,
                closed_at=row.closed_at,
                closed_at_utc=row.closed_at_utc,
                cashier_code=grant.cashier.code,
                cashier_name=grant.cashier.name,
                kkm_shift_number=kkm_shift or row.num,
                receipt_numbers=numbers,
                cash_move_numbers=cash_numbers,
                totals=totals.to_json(),
            )
            self.env.send(s, tilldocs.SHIFT_CLOSE, tilldocs.encode(doc))
            job = report_job(
                s,
                self.env,
                "z-report",
                row,
                row.closed_at,
                row.closed_at_utc,
                grant.cashier.name,
            )
            out = self._view(row)
        self.env.notify_server()
        log.info("shift %s closed by %s: %s receipts", row.num, grant.cashier.code, len(numbers))
        return ShiftClosed(shift=out, receipts=numbers, print_job=job)

    def _refuse_open_receipt(self, s: Any, row: ShiftRow) -> None:
        number = s.execute(
            select(ReceiptRow.number).where(
                ReceiptRow.shift_id == row.id, ReceiptRow.state == "open"
            )
        ).scalar()
        if number is not None:
            raise SaleError(
                _(
                    "receipt {open_receipt} is still open; finish or cancel it before "
                    "closing the shift",
                    open_receipt=number,
                ),
                code="shift.receipt_open",
            )

    def x_report(self, grant: Grant, print_it: bool = False) -> XReport:
        """The shift's totals now, without closing it; printed (by the register too) when
        ``print_it``."""
        now = self.env.now()
        job = None
        if print_it:
            self._require_shift()
            self._settle()
            at, at_utc = self.env.local(now), self.env.utc(now)
            details = {"cashier_name": grant.cashier.name, "at": at, "at_utc": at_utc}
            request_id = self.fiscal.x_report(grant.cashier.name, str(uuid.uuid4()), details)
            with self.db.write() as s:
                row = self._require_open(s)
                job = report_job(s, self.env, "x-report", row, at, at_utc, grant.cashier.name)
                self.fiscal.mark(s, request_id, "done", None)
                out = self._view(row)
        else:
            with self.db.read() as s:
                found = open_shift(s)
                if found is None:
                    raise SaleError(_("no shift is open; open a shift first"), code="shift.closed")
                out = self._view(found)
        return XReport(shift=out, print_job=job)

    def cash_move(self, grant: Grant, direction: str, amount: int) -> CashMove:
        """Put cash into (``in``) or take it out of (``out``) the drawer (and the register's).

        A cash move the register did earlier without the till recording it (a crash, a
        lost answer) is recorded first; when it is this same move asked again, that is
        the answer, and it is not done twice.
        """
        self._require_shift()
        for earlier in self._settle():
            if (earlier.direction, earlier.amount) == (direction, amount):
                return replace(
                    earlier,
                    notice=_(
                        "the register had already done this cash move before the till could "
                        "record it; it is recorded now, once"
                    ),
                )
        now = self.env.now()
        spec = CashSpec(
            move_id=str(uuid.uuid4()),
            direction=direction,
            amount=amount,
            cashier_code=grant.cashier.code,
            cashier_name=grant.cashier.name,
            at=self.env.local(now),
            at_utc=self.env.utc(now),
        )
        request_id = self.fiscal.cash(
            direction, amount, grant.cashier.name, spec.move_id, spec.details()
        )
        with self.db.write() as s:
            answer = record_cash_move(s, self.env, self._require_open(s), spec)
            self.fiscal.mark(s, request_id, "done", None)
        self.env.notify_server()
        return answer


class ShiftManagerProxy(ActorMemberMixin):
    """``ShiftManager`` through its proxy: each method answers a ``pykka.Future``."""

    current = proxy_method(ShiftManager.current)
    open = proxy_method(ShiftManager.open)
    close = proxy_method(ShiftManager.close)
    x_report = proxy_method(ShiftManager.x_report)
    cash_move = proxy_method(ShiftManager.cash_move)
    settle_fiscal = proxy_method(ShiftManager.settle_fiscal)
