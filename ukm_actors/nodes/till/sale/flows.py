"""The cashier's operations from start to finish, across the sale's actors and devices.

``SaleFlows`` (``ctx.services["sale_flows"]``) is what the HTTP routes and
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

from ukm_actors.domain.receipt import tender_label
from ukm_actors.domain.rights import Right
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant, TillAuth
from ukm_actors.nodes.till.sale.errors import DeviceMissing, SaleError
from ukm_actors.nodes.till.sale.items import AddRequest, NeedsWeight
from ukm_actors.nodes.till.sale.model import Closed
from ukm_actors.nodes.till.sale.printing import Printing
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.nodes.till.sale.returns import build_return, release

if TYPE_CHECKING:
    from ukm_actors.nodes.till.devices.service import Devices
    from ukm_actors.nodes.till.sale.payments import PaymentDeskProxy
    from ukm_actors.nodes.till.sale.session import SaleSessionProxy
    from ukm_actors.nodes.till.sale.shift import ShiftManagerProxy

log = logging.getLogger(__name__)

ASK = 10.0


class SaleFlows:
    """Adding lines (with the scales), paying (and printing), cancelling, returns."""

    def __init__(self, ctx: Any, auth: TillAuth, printing: Printing) -> None:
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

    def add_line(self, grant: Grant, req: AddRequest) -> dict[str, Any]:
        """Add a line; a weighed item without a weight is weighed on the scales."""
        try:
            out: dict[str, Any] = self.sale().add(grant, req).get(timeout=ASK)
            return out
        except NeedsWeight as exc:
            devices: Devices | None = self.ctx.services.get("devices")
            if devices is None or not devices.scales.configured:
                raise
            wait = self.settings.device_timeout
            try:
                grams = devices.scales.call(lambda s: s.read_weight(wait), timeout=wait + 2)
            except UkmError as scale_exc:
                raise NeedsWeight(
                    _(
                        "{message}: the scales could not weigh it ({message2})",
                        message=exc.message,
                        message2=scale_exc.message,
                    ),
                    hint=_("weigh again, or enter the weight"),
                ) from scale_exc
            weighed: dict[str, Any] = (
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

    def screens(self, kind: str, closed: Mapping[str, Any] | None = None) -> None:
        """Tell the cashier screens that the receipt changed (``closed``: its final view)."""
        events = self.ctx.services.get("ui_events")
        if events is None:
            return
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
    ) -> dict[str, Any]:
        """Take a payment and wait for its outcome; a receipt it covers is closed and printed."""
        pending = (
            self.desk().pay(grant, type_, amount, reference=reference, rrn=rrn).get(timeout=ASK)
        )
        wait = self.settings.pay_timeout + 30
        try:
            answer: dict[str, Any] = pending.get(timeout=wait)
        except gevent.Timeout:
            raise SaleError(
                _("the payment is still in progress; look at the terminal"),
                code="sale.payment_in_progress",
            ) from None
        if answer.get("closed"):
            self.screens("closed", answer["closed"])
            answer["print"] = self.after_close(answer.get("print_job"), bool(answer.get("cash")))
        return answer

    def after_close(self, job: int | None, cash: bool) -> dict[str, Any] | None:
        """Open the drawer (cash) and print the job; the answer says if it printed."""
        devices: Devices | None = self.ctx.services.get("devices")
        if cash and devices is not None:
            devices.printer.tell(lambda p: p.kick_drawer())
        if job is None:
            return None
        return self.printing.print_job(job)

    def register(self, grant: Grant, new_register_shift: bool = False) -> dict[str, Any]:
        """Register the paid receipt on the fiscal register again (after paper out, offline...);
        with ``new_register_shift`` after closing the register's shift that is over 24 h."""
        fiscal = self.ctx.services["fiscal"]
        calls = 6 if new_register_shift else 3
        wait = fiscal.call_timeout() * calls + ASK if fiscal.enabled else ASK
        closed: Closed = self.sale().register(grant, new_register_shift).get(timeout=wait)
        return {
            "closed": closed.receipt,
            "print": self.after_close(closed.print_job, closed.cash),
        }

    def cancel(self, grant: Grant) -> dict[str, Any]:
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
        return {"cancelled": closed.receipt}

    def remove_payment(self, grant: Grant, tender_id: int) -> dict[str, Any]:
        """Take a payment off the open receipt, giving the money back."""
        out: dict[str, Any] = (
            self.desk()
            .reverse(grant, tender_id)
            .get(timeout=ASK)
            .get(timeout=self.settings.pay_timeout + 30)
        )
        return out

    # -- returns -------------------------------------------------------------------------

    def make_return(self, grant: Grant, body: Mapping[str, Any]) -> dict[str, Any]:
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
        refunds: list[dict[str, Any]] = []
        answer: dict[str, Any] = {}
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
                refunds.append(
                    {"type": payment.type, "amount": payment.amount, "error": exc.message}
                )
                view = self.sale().view().get(timeout=ASK)
                return {
                    "return_id": spec.return_id,
                    "offline_return": spec.offline,
                    "refunds": refunds,
                    "closed": None,
                    "receipt": view["receipt"],
                    "message": _(
                        "{type} refund failed: {message}; refund the rest in cash or cancel "
                        "the return",
                        type=tender_label(payment.type),
                        message=exc.message,
                    ),
                }
            refunds.append({"type": payment.type, "amount": payment.amount, "ok": True})
        return {
            "return_id": spec.return_id,
            "offline_return": spec.offline,
            "refunds": refunds,
            "closed": answer.get("closed"),
            "receipt": answer.get("receipt"),
            "print": answer.get("print"),
        }
