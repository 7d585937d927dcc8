"""``ShiftRegistrar``: the shift manager's side of the fiscal register after a crash.

A cash move or X report is sent to the register with a request written
first (``till_fiscal``, with what the till needs to finish it: the cashier
and the time asked), and its request is marked done in the same transaction
that records the move or queues the report. A crash (or a lost answer) in
between leaves the request pending. ``settle`` asks the register what
became of every pending shift-level request, the same uuid approach as for
receipts: one the register did is finished on the till now (the cash move
recorded, sent to the server and its slip printed; the X report's slip
queued), one it did not do is marked failed, and nothing is sent to the
register again. ``ShiftManager`` settles after a restart (in the
background) and before any shift operation; a cash move or shift change is
refused while the register cannot say yet.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from ukm_actors.nodes.till.sale.fiscal import SHIFT_KINDS, FiscalDesk
from ukm_actors.nodes.till.sale.repo import open_shift
from ukm_actors.nodes.till.sale.shiftdocs import CashSpec, record_cash_move, report_job
from ukm_actors.nodes.till.sale.shiftmodel import CashMove
from ukm_actors.nodes.till.sale.tables import CashMoveRow, FiscalRow

if TYPE_CHECKING:
    from ukm_actors.db import Database
    from ukm_actors.nodes.till.sale.env import SaleEnv

log = logging.getLogger(__name__)


class ShiftRegistrar:
    """Finishes what the register did for the shift while the till did not record it."""

    def __init__(self, desk: FiscalDesk, db: Database, env: SaleEnv) -> None:
        self.desk = desk
        self.db = db
        self.env = env

    def settle(self) -> list[CashMove]:
        """Settle every pending shift-level request; the cash moves recorded now (as the
        cashier's answer to each). Raises ``SaleError`` (``fiscal.unknown``) while the
        register cannot tell about one; those settled before stay settled."""
        if not self.desk.enabled:
            return []
        recorded: list[CashMove] = []
        for row in self.desk.pending(SHIFT_KINDS):
            if row.kind in ("openShift", "closeShift"):
                result = self.desk.resolve(row)
                if result is not None:
                    self.desk.done(row.request_id, result)
                continue
            if not self.desk.finished(row):
                continue
            if row.kind == "reportX":
                self._finish_x_report(row)
            else:
                answer = self._finish_cash(row)
                if answer is not None:
                    recorded.append(answer)
        if recorded:
            self.env.notify_server()
        return recorded

    def _finish_cash(self, request: FiscalRow) -> CashMove | None:
        spec = CashSpec.from_request(
            request.ref, request.kind, request.total, json.loads(request.details or "{}")
        )
        with self.db.write() as s:
            if s.get(CashMoveRow, spec.move_id) is not None:
                self.desk.mark(s, request.request_id, "done", None)
                return None
            shift = open_shift(s, lock=True)
            if shift is None:
                log.error(
                    "the register did cash %s %s (request %s) but no shift is open to "
                    "record it in; compare the drawer with the register's X report",
                    spec.direction,
                    spec.amount,
                    request.request_id,
                )
                self.desk.mark(s, request.request_id, "done", None, "no shift open to record it")
                return None
            answer = record_cash_move(s, self.env, shift, spec)
            self.desk.mark(s, request.request_id, "done", None)
        log.warning(
            "cash %s of %s (request %s): the register had done it; recorded now as number %s",
            spec.direction,
            spec.amount,
            request.request_id,
            answer.number,
        )
        return answer

    def _finish_x_report(self, request: FiscalRow) -> None:
        details = json.loads(request.details or "{}")
        with self.db.write() as s:
            shift = open_shift(s, lock=True)
            if shift is not None:
                report_job(
                    s,
                    self.env,
                    "x-report",
                    shift,
                    str(details.get("at") or self.env.local(self.env.now())),
                    str(details.get("at_utc") or self.env.utc(self.env.now())),
                    str(details.get("cashier_name") or ""),
                )
            self.desk.mark(s, request.request_id, "done", None)
        log.info("X report (request %s): the register had printed it", request.request_id)
