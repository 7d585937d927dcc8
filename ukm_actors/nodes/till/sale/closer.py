"""``ReceiptCloser``: the open receipt closed, completed or cancelled.

A completed sale is registered on the fiscal register first (the
``ReceiptRegistrar``); then, in one transaction, the receipt is written
closed with its document to the cash server and its print job, and the
register's request is marked done. Only after the commit does the
session's state forget the receipt, and the customer display show the
change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ukm_actors.db import Database
from ukm_actors.nodes.till.sale.clock import zoned_text
from ukm_actors.nodes.till.sale.closing import finish_receipt
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import Closed, LineSums, OpenReceipt
from ukm_actors.nodes.till.sale.pricing import show_on_display
from ukm_actors.nodes.till.sale.registrar import ReceiptRegistrar
from ukm_actors.nodes.till.sale.repo import update_receipt
from ukm_actors.nodes.till.sale.state import SaleState

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)


class ReceiptCloser:
    """Closes the session's open receipt (see the module doc)."""

    def __init__(
        self,
        ctx: TillContext,
        state: SaleState,
        db: Database,
        env: SaleEnv,
        registrar: ReceiptRegistrar,
        sums: LineSums,
    ) -> None:
        self.ctx = ctx
        self.state = state
        self.db = db
        self.env = env
        self.registrar = registrar
        self.sums = sums

    def finish(self, r: OpenReceipt, state: str) -> Closed:
        """Close ``r`` as ``completed`` (registered first) or ``cancelled``."""
        registered = self.registrar.register(r) if state == "completed" else None
        fiscal = registered.fiscal if registered else None
        now = self.env.now()
        with self.db.write() as s:
            if r.supervisor_code:
                update_receipt(s, r.id, supervisor_code=r.supervisor_code)
            doc, job = finish_receipt(s, r, state, now, self.env, fiscal)
            self.registrar.committed(s, registered)
        self.state.current = None
        self.state.question = None
        self.state.closed(job, self.ctx.config.till.device_timeout + 5.0)
        self.sums.clear()
        self.env.notify_server()
        show_on_display(self.ctx, line=None, receipt=r.receipt, closed=state == "completed")
        log.info("receipt %s number %s %s, total %s", r.id, r.number, state, doc.total)
        return Closed(
            receipt=r,
            state=state,
            closed_at=zoned_text(doc.closed_at, doc.closed_at_utc),
            change=doc.change,
            fiscal=fiscal,
            print_job=job,
            cash=any(t.type == "cash" for t in r.approved),
        )

    def close_if_paid(self) -> Closed | None:
        """Complete the open receipt when its approved payments cover it and none is
        pending; None when it stays open (not paid, or the register has not registered it)."""
        r = self.state.current
        if r is None or r.live or not r.receipt.is_paid:
            return None
        try:
            return self.finish(r, "completed")
        except SaleError as exc:
            if not exc.code.startswith(("fiscal.", "device.")):
                raise
            log.warning("receipt %s paid but not registered: %s", r.id, exc)
            return None
