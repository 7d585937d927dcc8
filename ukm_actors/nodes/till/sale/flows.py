"""The cashier's operations from start to finish, across the sale's actors and devices.

``SaleFlows`` (``ctx.services.sale_flows``) is what the HTTP routes and
the scanner call. It runs in the caller's greenlet and does the waiting
there (the scales, the terminal, the printer), so no actor waits on a
device: the actors only record what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import gevent
import pykka

from ukm_actors.domain.receipt import tender_label
from ukm_actors.domain.rights import Right
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant, TillAuth
from ukm_actors.nodes.till.sale.errors import DeviceMissing, SaleError
from ukm_actors.nodes.till.sale.items import AddRequest, NeedsWeight
from ukm_actors.nodes.till.sale.model import (
    Closed,
    LineAdded,
    Paid,
    PrintResult,
    Refund,
    ReturnDone,
    SaleView,
)
from ukm_actors.nodes.till.sale.printing import Printing
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.nodes.till.sale.returns import build_return, release
from ukm_actors.supervision import ActorNotRunning, defer

if TYPE_CHECKING:
    from ukm_actors.nodes.till.sale.payments import PaymentDeskProxy
    from ukm_actors.nodes.till.sale.session import SaleSessionProxy
    from ukm_actors.nodes.till.sale.shift import ShiftManagerProxy
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

ASK = 10.0


class SaleFlows:
    """Adding lines (with the scales), paying (and printing), cancelling, returns."""

    def __init__(self, ctx: TillContext, auth: TillAuth, printing: Printing) -> None:
        self.ctx = ctx
        self.auth = auth
        self.printing = printing
        self.settings = ctx.config.till
        self.proxies = Proxies(ctx.names)

    def sale(self) -> SaleSessionProxy:
        return self.proxies.sale()

    def shift(self) -> ShiftManagerProxy:
        return self.proxies.shift()

    def desk(self) -> PaymentDeskProxy:
        return self.proxies.payments()

    # -- lines ----------------------------------------------------------------------

    def add_line(self, grant: Grant, req: AddRequest) -> LineAdded:
        """Add a line; a weighed item without a weight is weighed on the scales."""
        try:
            out: LineAdded = self.sale().add(grant, req).get(timeout=ASK)
            return out
        except NeedsWeight as exc:
            scales = self.ctx.services.devices.scales
            if not scales.configured:
                raise
            wait = self.settings.device_timeout
            try:
                grams = scales.call(lambda s: s.read_weight(wait), timeout=wait + 2)
            except UkmError as scale_exc:
                raise NeedsWeight(
                    _(
                        "{message}: the scales could not weigh it ({message2})",
                        message=exc.message,
                        message2=scale_exc.message,
                    ),
                    hint=_("weigh again, or enter the weight"),
                ) from scale_exc
            weighed: LineAdded = (
                self.sale().add(grant, replace(req, quantity=grams, weighed=True)).get(timeout=ASK)
            )
            return weighed

    def scan(self, code: str) -> None:
        """A scan from the scanner: added for the logged-in cashier, or noted on the receipt."""
        sale = self.sale()
        try:
            grant = self.auth.authorize(Right.SELL)
            self.add_line(grant, AddRequest(barcode=code))
        except UkmError as exc:
            log.info("scan %s: %s", code, exc.message)
            sale.note(_("scan {code}: {message}", code=code, message=exc.message)).get(timeout=ASK)
        self.screens("scan")

    def screens(self, kind: str, closed: Closed | None = None) -> None:
        """Tell the cashier screens that the receipt changed (``closed``: it just closed)."""
        events = self.ctx.services.ui_events
        if closed is not None:
            events.closed(closed)
        else:
            events.bump(kind)

    # -- paying -------------------------------------------------------------------------

    def pay(
        self,
        grant: Grant,
        type_: str,
        amount: int,
        *,
        reference: str | None = None,
        rrn: str | None = None,
    ) -> Paid:
        """Take a payment and wait for its outcome; a receipt it covers is closed and printed."""
        pending = (
            self.desk().pay(grant, type_, amount, reference=reference, rrn=rrn).get(timeout=ASK)
        )
        wait = self.settings.pay_timeout + 30
        try:
            answer: Paid = pending.get(timeout=wait)
        except gevent.Timeout:
            raise SaleError(
                _("the payment is still in progress; look at the terminal"),
                code="sale.payment_in_progress",
            ) from None
        return self.paid(answer)

    def paid(self, answer: Paid) -> Paid:
        """A payment's answer; the receipt it closed is shown as closed and printed."""
        if answer.closed is None:
            return answer
        self.screens("closed", answer.closed)
        return replace(answer, closed=self.printed(answer.closed))

    def printed(self, closed: Closed) -> Closed:
        """``closed`` after the drawer opened (cash) and its receipt printed."""
        return replace(closed, printed=self.after_close(closed.print_job, closed.cash))

    def after_close(self, job: int | None, cash: bool) -> PrintResult | None:
        """Open the drawer (cash) and print the job; the answer says if it printed."""
        if cash:
            self.ctx.services.devices.printer.tell(lambda p: p.kick_drawer())
        if job is None:
            return None
        try:
            return self.printing.print_job(job)
        finally:
            try:
                defer(self.sale().printed, job)  # the devices may change now
            except (ActorNotRunning, pykka.ActorDeadError):
                pass

    def register(self, grant: Grant, new_register_shift: bool = False) -> Closed:
        """Register the paid receipt on the fiscal register again (after paper out, offline...);
        with ``new_register_shift`` after closing the register's shift that is over 24 h."""
        fiscal = self.ctx.services.fiscal
        calls = 6 if new_register_shift else 3
        wait = fiscal.call_timeout() * calls + ASK if fiscal.enabled else ASK
        closed: Closed = self.sale().register(grant, new_register_shift).get(timeout=wait)
        return self.printed(closed)

    def cancel(self, grant: Grant) -> Closed:
        """Cancel the open receipt: card and other tenders are given back first."""
        r = self.sale().snapshot().get(timeout=ASK)
        if r is None:
            raise SaleError(_("there is no open receipt"), code="sale.no_receipt")
        for tender in r.approved:
            if tender.type != "cash":
                self.desk().reverse(grant, tender.id).get(timeout=ASK).get(
                    timeout=self.settings.pay_timeout + 30
                )
        closed: Closed = self.sale().cancel(grant).get(timeout=ASK)
        if r.kind == "return" and not r.offline_return:
            release(self.ctx, r.id)
        return closed

    def remove_payment(self, grant: Grant, tender_id: int) -> SaleView:
        """Take a payment off the open receipt, giving the money back."""
        out: SaleView = (
            self.desk()
            .reverse(grant, tender_id)
            .get(timeout=ASK)
            .get(timeout=self.settings.pay_timeout + 30)
        )
        return out

    # -- returns -------------------------------------------------------------------------

    def make_return(self, grant: Grant, body: Mapping[str, Any]) -> ReturnDone:
        """Open a return receipt for the request and refund it by the plan."""
        if self.sale().snapshot().get(timeout=ASK) is not None:
            raise SaleError(
                _("a receipt is open; finish or cancel it before a return"),
                code="sale.receipt_open",
            )
        spec = build_return(self.ctx, self.auth, grant, body)
        try:
            self.sale().open_return(grant, spec).get(timeout=ASK)
        except Exception:
            if not spec.offline:
                release(self.ctx, spec.return_id)
            raise
        refunds: list[Refund] = []
        answer: Paid | None = None
        for payment in spec.plan:
            try:
                answer = self.pay(
                    grant,
                    payment.type,
                    payment.amount,
                    reference=payment.reference,
                    rrn=payment.rrn,
                )
            except (UkmError, DeviceMissing) as exc:
                refunds.append(Refund(payment.type, payment.amount, exc.message))
                view: SaleView = self.sale().view().get(timeout=ASK)
                return ReturnDone(
                    return_id=spec.return_id,
                    offline_return=spec.offline,
                    refunds=tuple(refunds),
                    paid=None,
                    receipt=view.receipt,
                    message=_(
                        "{type} refund failed: {message}; refund the rest in cash or cancel "
                        "the return",
                        type=tender_label(payment.type),
                        message=exc.message,
                    ),
                )
            refunds.append(Refund(payment.type, payment.amount))
        return ReturnDone(
            return_id=spec.return_id,
            offline_return=spec.offline,
            refunds=tuple(refunds),
            paid=answer,
        )
