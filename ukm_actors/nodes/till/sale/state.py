"""``SaleState``: what the ``SaleSession`` holds between messages, shared with its parts.

The open receipt (None when there is none), the question waiting for the
cashier (age, price) with the request it held back, and the last notice.
The session and the parts it is composed of (``TenderBook``,
``CustomerDesk``, ``ReceiptCloser``) each get this one object; they all run
in the session's actor, one message at a time.
"""

from __future__ import annotations

import time
from typing import Any

from ukm_actors.domain.receipt import tender_label
from ukm_actors.i18n import Text, _
from ukm_actors.nodes.till.sale.errors import DevicesChanging, SaleError
from ukm_actors.nodes.till.sale.items import AddRequest
from ukm_actors.nodes.till.sale.model import OpenReceipt, SaleView
from ukm_actors.nodes.till.sale.pricing import Repricer, with_outcome
from ukm_actors.nodes.till.sale.registrar import ReceiptRegistrar


class SaleState:
    """The open receipt, the question waiting and the last notice; the view of them."""

    def __init__(self, repricer: Repricer, registrar: ReceiptRegistrar) -> None:
        self.repricer = repricer
        self.registrar = registrar
        self.current: OpenReceipt | None = None
        self.question: tuple[AddRequest, dict[str, Any]] | None = None
        self.notice: str | None = None
        self.held_until: float | None = None
        """Until when (``time.monotonic()``) no receipt may open: the devices are changing."""
        self.printing: tuple[int, float] | None = None
        """The print job of the receipt just closed, and until when it may take to print."""

    def view(self) -> SaleView:
        """The open receipt (None when there is none), the question waiting, the last notice.

        ``fiscal_error``: why the paid receipt is not registered yet (and what to do).
        """
        self.current = with_outcome(self.repricer, self.current)
        return SaleView(
            receipt=self.current,
            question=self.question[1] if self.question else None,
            notice=self.notice,
            fiscal_error=self.registrar.error if self.current else None,
        )

    def hold(self, seconds: float) -> Text | None:
        """Keep new receipts from opening for at most ``seconds`` (the till's devices are being
        changed) and answer None; or, with a receipt open, answer why not."""
        r = self.current
        if r is not None:
            return _("receipt {number} is open", number=r.number)
        if self.printing is not None and time.monotonic() < self.printing[1]:
            return _("the last receipt is being printed")
        self.held_until = time.monotonic() + seconds
        return None

    def release(self) -> None:
        """Receipts may open again."""
        self.held_until = None

    def closed(self, job: int | None, print_within: float) -> None:
        """A receipt was closed; its print job (if any) prints within ``print_within`` s."""
        self.printing = None if job is None else (job, time.monotonic() + print_within)

    def printed(self, job: int) -> None:
        """The print job of the receipt closed last was tried (printed or not)."""
        if self.printing is not None and self.printing[0] == job:
            self.printing = None

    def require_not_held(self) -> None:
        """Refuse to open a receipt while the till's devices are being changed."""
        if self.held_until is not None and time.monotonic() < self.held_until:
            raise DevicesChanging(
                _("the till's devices are being changed; repeat in a moment"),
                hint=_("nothing was changed; the change takes a few seconds"),
            )

    def require(self) -> OpenReceipt:
        """The open receipt; ``sale.no_receipt`` when there is none."""
        if self.current is None:
            raise SaleError(_("there is no open receipt"), code="sale.no_receipt")
        return self.current


def require_unlocked(r: OpenReceipt) -> None:
    """Refuse a change to ``r`` while one of its payments is pending or unknown."""
    live = r.live
    if not live:
        return
    t = live[0]
    if t.state == "pending":
        raise SaleError(
            _(
                "a {type} payment of {amount:.2f} is in progress; wait for it or cancel it "
                "on the terminal",
                type=tender_label(t.type),
                amount=t.amount / 100,
            ),
            code="sale.payment_in_progress",
        )
    raise SaleError(
        _(
            "the outcome of the {type} payment {id} of {amount:.2f} is unknown; check the "
            "terminal and resolve it first",
            type=tender_label(t.type),
            id=t.id,
            amount=t.amount / 100,
        ),
        code="sale.payment_unresolved",
    )
