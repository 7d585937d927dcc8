"""Registering on the fiscal register: receipts, shifts, cash moves, X reports.

``FiscalDesk`` (``ctx.services.fiscal``) is used by ``ShiftManager`` and,
through its ``ReceiptRegistrar`` (``registrar.py``), by ``SaleSession``; it
is a no-op when no ``fiscal`` device is configured. The receipt's form for
the register is in ``fiscalform.py``, the monitoring alerts in
``fiscalalerts.py``.

The register is the truth about "was this registered". Every request is
written to ``till_fiscal`` as "pending" with a fresh uuid **before** it is
sent. A receipt's request becomes "done" in the same transaction that
completes the receipt (``mark``), so a crash in between leaves it
pending; a pending request is resolved before anything else is sent for
that receipt, by asking the register what became of the uuid
(``outcome``) or, when its server forgot it, by comparing the register's
last receipt document with what the till sent (number above ``fd_before``,
same total). It is never registered again under a new uuid unless the
register says it was not registered.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pykka import Future
from sqlalchemy import func, select

from ukm_actors.hw.atol import FiscalRequestUnknown
from ukm_actors.hw.errors import DeviceError, DeviceUnavailable
from ukm_actors.hw.fiscal import FiscalRefused, FiscalResult, FiscalUnknown, ShiftState
from ukm_actors.i18n import Text, _
from ukm_actors.nodes.till.sale.errors import DeviceMissing, SaleError
from ukm_actors.nodes.till.sale.fiscalalerts import FiscalProgress, register_status
from ukm_actors.nodes.till.sale.fiscalform import fiscal_receipt
from ukm_actors.nodes.till.sale.model import OpenReceipt
from ukm_actors.nodes.till.sale.tables import FiscalRow

if TYPE_CHECKING:
    from ukm_actors.db import Database
    from ukm_actors.nodes.till.devices.proxies import FiscalProxy
    from ukm_actors.nodes.till.devices.service import Device
    from ukm_actors.nodes.till.sale.env import SaleEnv
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

T = TypeVar("T")

CALL_SLACK = 5.0
RECEIPT_KINDS = ("sell", "sellReturn")
SHIFT_KINDS = ("openShift", "closeShift", "cashIn", "cashOut", "reportX")
"""Requests of the till's shift (``ShiftManager``), settled by its ``ShiftRegistrar``."""


def _not_said() -> SaleError:
    return SaleError(
        _("the fiscal register has not said yet whether it did this"),
        code="fiscal.unknown",
        hint=_("wait a moment and try again; check the register if it persists"),
    )


class FiscalDesk:
    """The till's side of the register (see the module doc)."""

    def __init__(self, ctx: TillContext, db: Database, env: SaleEnv) -> None:
        self.ctx = ctx
        self.db = db
        self.env = env
        self.progress = FiscalProgress()

    @property
    def device(self) -> Device[FiscalProxy]:
        """The register (``DeviceMissing`` on a call when the till has none)."""
        return self.ctx.services.devices.fiscal

    @property
    def enabled(self) -> bool:
        return self.device.configured

    def call_timeout(self) -> float:
        """Seconds one call to the register may take (its ``timeout`` and some slack)."""
        config = self.device.config
        assert config is not None
        return float(config.settings.get("timeout", 30.0)) + CALL_SLACK

    def _call(self, send: Callable[[FiscalProxy], Future[T]]) -> T:
        return self.device.call(send, timeout=self.call_timeout())

    # -- the request log ----------------------------------------------------------------

    def _new_row(
        self, kind: str, ref: str, total: int, details: dict[str, Any] | None = None
    ) -> FiscalRow:
        at = self.env.utc(self.env.now())
        with self.db.write() as s:
            fd = s.execute(select(func.max(FiscalRow.fd))).scalar() or 0
            row = FiscalRow(
                request_id=str(uuid.uuid4()),
                kind=kind,
                ref=ref,
                state="pending",
                total=total,
                fd_before=int(fd),
                details=None if details is None else json.dumps(details, ensure_ascii=False),
                created_at=at,
                updated_at=at,
            )
            s.add(row)
        return row

    def _set(self, request_id: str, state: str, result: FiscalResult | None, error: str) -> None:
        with self.db.write() as s:
            self.mark(s, request_id, state, result, error)

    def done(self, request_id: str, result: FiscalResult | None) -> None:
        """Record that the register did ``request_id`` (nothing of the till's waits on it)."""
        self._set(request_id, "done", result, "")

    def mark(
        self,
        s: Any,
        request_id: str | None,
        state: str,
        result: FiscalResult | None,
        error: str = "",
    ) -> None:
        """Record a request's end in the caller's transaction ``s`` (None: no request)."""
        if request_id is None:
            return
        row = s.get(FiscalRow, request_id)
        if row is None:
            return
        row.state = state
        row.updated_at = self.env.utc(self.env.now())
        if result is not None:
            row.fd = result.fd
            row.result = json.dumps(result.to_json(), ensure_ascii=False)
        row.error = error or None

    def pending_for(self, ref: str) -> list[FiscalRow]:
        """The requests for ``ref`` whose outcome the till has not recorded."""
        return self._pending(FiscalRow.ref == ref)

    def pending(self, kinds: tuple[str, ...]) -> list[FiscalRow]:
        """The requests of ``kinds`` whose outcome the till has not recorded, oldest first."""
        return self._pending(FiscalRow.kind.in_(kinds))

    def unresolved(self) -> int:
        """How many requests have no outcome recorded: only the register that was sent them
        can tell what became of them (``resolve``, ``finished``)."""
        with self.db.read() as s:
            count = s.execute(
                select(func.count()).select_from(FiscalRow).where(FiscalRow.state == "pending")
            ).scalar()
        return int(count or 0)

    def _pending(self, where: Any) -> list[FiscalRow]:
        with self.db.read() as s:
            rows = s.scalars(
                select(FiscalRow)
                .where(where, FiscalRow.state == "pending")
                .order_by(FiscalRow.created_at)
            ).all()
            for row in rows:
                s.expunge(row)
            return list(rows)

    # -- sending ------------------------------------------------------------------------

    def _send(
        self,
        row: FiscalRow,
        what: Text,
        send: Callable[[FiscalProxy, str], Future[T]],
        *,
        receipt: bool = False,
    ) -> T:
        """Send one request (``send`` gets the register and the request id); a refusal is a
        ``SaleError`` for the cashier (``receipt``: it is a receipt, which stays open)."""
        if self.device.ref() is None:
            self._set(row.request_id, "failed", None, "the register was offline")
            self.device.require()
        self.progress.what, self.progress.ref = what, row.ref
        self.progress.since = time.monotonic()
        request_id = row.request_id
        try:
            result = self._call(lambda f: send(f, request_id))
        except FiscalRefused as exc:
            self._set(row.request_id, "failed", None, exc.message)
            raise self._failed(
                _(
                    "the fiscal register refused {what}: {reason}",
                    what=what,
                    reason=exc.description,
                ),
                exc.code,
                exc.hint,
                receipt,
            ) from exc
        except DeviceUnavailable as exc:
            self._set(row.request_id, "failed", None, exc.message)
            raise self._failed(
                _("the fiscal register cannot be reached; {what} was not registered", what=what),
                "fiscal.offline",
                _("check the register's power and cable, then try again"),
                receipt,
            ) from exc
        except (FiscalUnknown, DeviceMissing, DeviceError) as exc:
            log.warning("fiscal request %s (%s): no answer: %s", row.request_id, what, exc)
            raise self._failed(
                _("the fiscal register has not confirmed {what}", what=what),
                "fiscal.unknown",
                _(
                    "do not repeat it: the till asks the register what became of it "
                    "(try again in a moment)"
                ),
                False,
            ) from exc
        finally:
            elapsed = time.monotonic() - self.progress.since
            self.progress.what = self.progress.ref = None
            self.progress.seconds = [*self.progress.seconds[-99:], elapsed]
        self.progress.last_error = None
        self.progress.done += 1
        return result

    def _failed(self, message: Text, code: str, hint: str | None, receipt: bool) -> SaleError:
        """The cashier's error (also shown by ``GET /fiscal``)."""
        if receipt and code == "fiscal.shift_expired":
            hint = _(
                "register it in a new register shift: press 'Register in a new register "
                "shift' (the register closes its shift with a Z report and opens a new one; "
                "needs the right to close a shift); the receipt stays open"
            )
        elif receipt:
            hint = _(
                "{hint}; the receipt stays open: then press 'register again'",
                hint=hint or _("see the register's display"),
            )
        self.progress.last_error = {"code": code, "message": message, "hint": hint}
        return SaleError(message, code=code, hint=hint)

    # -- receipts ----------------------------------------------------------------------

    def register_receipt(self, r: OpenReceipt) -> tuple[str, FiscalResult]:
        """Register ``r`` (or find it registered): the request id and its fiscal data.

        The caller completes the receipt and ``mark``s the request "done" in one transaction.
        Raises ``SaleError`` (``fiscal.*``): the receipt stays open.
        """
        for row in self.pending_for(r.id):
            found = self.resolve(row)
            if found is not None:
                return row.request_id, found
        receipt = fiscal_receipt(r, self.env.catalog.tax_rates())
        row = self._new_row(receipt.kind, r.id, receipt.total)
        what = _("receipt {number}", number=r.number)
        result = self._send(row, what, lambda f, rid: f.register(receipt, rid), receipt=True)
        return row.request_id, result

    def resolve(self, row: FiscalRow) -> FiscalResult | None:
        """What became of a pending request: its result, or None (marked failed: not registered).

        Raises ``SaleError`` (``fiscal.unknown``) while the register cannot tell.
        """
        try:
            request_id = row.request_id
            result = self._call(lambda f: f.outcome(request_id))
        except FiscalRequestUnknown:
            result = self._by_last_document(row) if row.kind in RECEIPT_KINDS else None
        except (FiscalUnknown, DeviceMissing, DeviceError) as exc:
            raise _not_said() from exc
        if result is None:
            self._set(row.request_id, "failed", None, "the register did not register it")
            log.info("fiscal request %s for %s was not registered", row.request_id, row.ref)
        else:
            log.info(
                "fiscal request %s for %s was registered: FD %s", row.request_id, row.ref, result.fd
            )
        return result

    def finished(self, row: FiscalRow) -> bool:
        """Whether a pending request that makes no fiscal document (cash, X report) was done;
        one not done (or that the register's server no longer knows) is marked failed.

        Raises ``SaleError`` (``fiscal.unknown``) while the register cannot tell.
        """
        try:
            request_id = row.request_id
            done = self._call(lambda f: f.finished(request_id))
        except FiscalRequestUnknown:
            log.warning(
                "fiscal request %s (%s %s) is unknown to the register; taken as not done",
                row.request_id,
                row.kind,
                row.ref,
            )
            done = False
        except (FiscalUnknown, DeviceMissing, DeviceError) as exc:
            raise _not_said() from exc
        if not done:
            self._set(row.request_id, "failed", None, "the register did not do it")
        log.info("fiscal request %s (%s) done by the register: %s", row.request_id, row.kind, done)
        return done

    def _by_last_document(self, row: FiscalRow) -> FiscalResult | None:
        last = self._call(lambda f: f.last_document())
        if last.fd > row.fd_before and last.total == row.total:
            return last
        return None

    # -- shifts, cash, reports --------------------------------------------------------

    def open_shift(self, operator: str, shift_id: str) -> int | None:
        """Open the register's shift (one left open over 24 h is closed first); its number,
        or None without a register. A shift the register has open already is joined."""
        if not self.enabled:
            return None
        state = self._shift_state()
        if state.state == "opened":
            log.info("the register's shift %s is open already: the till joins it", state.number)
            return state.number
        if state.state == "expired":
            self._close(operator, shift_id)
        return self._open(operator, shift_id)

    def close_shift(self, operator: str, shift_id: str) -> int | None:
        """Close the register's shift (Z report); its number, or None without a register."""
        if not self.enabled:
            return None
        state = self._shift_state()
        if state.state == "closed":
            return state.number
        return self._close(operator, shift_id)

    def renew_shift(self, operator: str, ref: str) -> int:
        """Close the register's shift that is over 24 h (Z report) and open a new one, while
        the till's shift stays open (a paid receipt waits to be registered); its number."""
        state = self._shift_state()
        if state.state == "opened":
            return state.number
        if state.state == "expired":
            self._close(operator, ref)
        return self._open(operator, ref)

    def _open(self, operator: str, ref: str) -> int:
        row = self._new_row("openShift", ref, 0)
        what = _("the shift opening")
        result = self._send(row, what, lambda f, rid: f.open_shift(operator, rid))
        self.done(row.request_id, result)
        return result.shift

    def _close(self, operator: str, ref: str) -> int:
        row = self._new_row("closeShift", ref, 0)
        what = _("the shift closing (Z report)")
        result = self._send(row, what, lambda f, rid: f.close_shift(operator, rid))
        self.done(row.request_id, result)
        return result.shift

    def _shift_state(self) -> ShiftState:
        self.device.require()
        try:
            return self._call(lambda f: f.shift_state())
        except DeviceError as exc:
            log.warning("the fiscal register's shift state: %s", exc)
            raise SaleError(
                _("the fiscal register does not answer"),
                code="fiscal.offline",
                hint=_("check the register's power and cable, then try again"),
            ) from exc

    def cash(
        self, direction: str, amount: int, operator: str, ref: str, details: dict[str, Any]
    ) -> str | None:
        """Cash in or out on the register; the request id (None without a register), which
        the caller ``mark``s done in the transaction that records the move."""
        if not self.enabled:
            return None
        row = self._new_row("cashIn" if direction == "in" else "cashOut", ref, amount, details)
        what = _("the cash in") if direction == "in" else _("the cash out")
        self._send(row, what, lambda f, rid: f.cash(direction, amount, operator, rid))
        return row.request_id

    def x_report(self, operator: str, ref: str, details: dict[str, Any]) -> str | None:
        """The register prints its X report; the request id, as for ``cash``."""
        if not self.enabled:
            return None
        row = self._new_row("reportX", ref, 0, details)
        self._send(row, _("the X report"), lambda f, rid: f.x_report(operator, rid))
        return row.request_id

    # -- monitoring ---------------------------------------------------------------------

    def screen(self) -> dict[str, Any]:
        """For the cashier's screen (no actor asked): registering now, the last error."""
        return {"configured": self.enabled, **self.progress.view()}

    def status(self) -> dict[str, Any]:
        """``/status`` → ``fiscal``: the register's health, alerts, requests pending."""
        if not self.enabled:
            return {"configured": False}
        return register_status(self.device, self.unresolved(), self.progress.view(), self.env)
