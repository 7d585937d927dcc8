"""``PaymentDesk``: taking payments — cash, card, certificates and bonus points — and giving back.

Cash is recorded at once. A card payment is recorded as "pending" before
the terminal is asked, then runs in its own greenlet: the desk and the
rest of the till stay free, and ``cancel_card`` reaches the terminal while
the customer is still at the PIN pad. The outcome is recorded before it is
reported: approved (counts on the receipt, closes it when covered),
declined or cancelled (the receipt stays open and intact), or unknown (no
answer in time, or the terminal went away mid-operation: the cashier must
look at the terminal and resolve it; the till never charges again on its
own). Certificates and bonus points go the same way through
``ctx.services.marketing_payments`` (``authorize(type, amount, reference,
receipt_id) -> Payment``, ``void(payment)``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import gevent
import gevent.event
from pykka.typing import ActorMemberMixin, proxy_method

from ukm_actors.domain.receipt import Payment, tender_label
from ukm_actors.errors import UkmError
from ukm_actors.hw.errors import CardDeclined, DeviceError
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.errors import DeviceMissing, SaleError
from ukm_actors.nodes.till.sale.model import CardCancel
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.supervision import SupervisedActor

if TYPE_CHECKING:
    from ukm_actors.nodes.till.devices.proxies import BankProxy
    from ukm_actors.nodes.till.devices.service import Device, Devices
    from ukm_actors.nodes.till.promotions.payments import MarketingPayments
    from ukm_actors.nodes.till.sale.session import SaleSessionProxy
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

ASK = 10.0
MARKETING_MISSING = _("gift certificates need the marketing server; it is not configured")


class PaymentDeclined(SaleError):
    """The terminal or the marketing server said no; the receipt is still open."""

    code = "payment.declined"
    http_status = 402


class PaymentUnknown(SaleError):
    """The outcome of a payment is not known; the cashier must check the terminal."""

    code = "payment.unknown"
    http_status = 409


NOT_SENT = ("device.busy", "device.not_connected")
"""Device errors raised before the request reached the terminal: no money moved."""


class PaymentDesk(SupervisedActor):
    """Runs each tender to its outcome and records it on the ``SaleSession``."""

    def __init__(self, ctx: TillContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.settings = ctx.config.till
        self.inflight: dict[str, Any] | None = None
        self.proxies = Proxies(ctx.names)

    def _sale(self) -> SaleSessionProxy:
        return self.proxies.sale()

    def _devices(self) -> Devices:
        return self.ctx.services.devices

    def _marketing_payments(self) -> MarketingPayments:
        svc = self.ctx.services.marketing_payments
        if svc is None:
            raise DeviceMissing(MARKETING_MISSING, code="marketing.not_configured")
        return svc

    def _pay_timeout(self, bank: Device[BankProxy]) -> float:
        """Seconds a card operation may wait for the customer (the terminal's, else the till's)."""
        own = bank.config.pay_timeout if bank.config is not None else None
        return float(own or self.settings.pay_timeout)

    def _done(self, value: Any = None, error: BaseException | None = None) -> Any:
        result = gevent.event.AsyncResult()
        if error is not None:
            result.set_exception(error)
        else:
            result.set(value)
        return result

    # -- taking -----------------------------------------------------------------

    def pay(
        self,
        grant: Grant,
        type_: str,
        amount: int,
        *,
        reference: str | None = None,
        rrn: str | None = None,
    ) -> gevent.event.AsyncResult:
        """Take (on a return: give back) ``amount`` by ``type_``; wait on the result."""
        sale = self._sale()
        if type_ == "cash":
            try:
                return self._done(sale.tenders.take_cash(grant, amount).get(timeout=ASK))
            except UkmError as exc:
                return self._done(error=exc)
        if self.inflight is not None:
            return self._done(
                error=SaleError(
                    _("another payment is in progress; wait for it or cancel it"),
                    code="sale.payment_in_progress",
                )
            )
        if type_ in ("certificate", "bonus") and not reference:
            return self._done(
                error=SaleError(
                    _('a certificate payment needs the certificate number in "reference"')
                    if type_ == "certificate"
                    else _('a bonus payment needs the loyalty card number in "reference"'),
                    code="request.invalid",
                )
            )
        try:
            runner = self._runner(type_)
            op = sale.tenders.begin(grant, type_, amount, rrn, reference).get(timeout=ASK)
        except UkmError as exc:
            return self._done(error=exc)
        self.inflight = op
        result = gevent.event.AsyncResult()
        gevent.spawn(self._run, op, runner, result)
        return result

    def _runner(self, type_: str) -> Any:
        if type_ == "card":
            self._devices().bank.require()
            return self._card
        if type_ in ("certificate", "bonus"):
            self._marketing_payments()
            return self._marketing
        raise SaleError(
            _(
                "payment type {type_!r} is unknown; use cash, card, certificate or bonus",
                type_=type_,
            ),
            code="receipt.payment_type",
        )

    def _card(self, op: dict[str, Any]) -> dict[str, Any]:
        bank = self._devices().bank
        timeout = self._pay_timeout(bank)
        amount, ref = int(op["amount"]), str(op["ref"])
        if op["refund"]:
            rrn = op["rrn"]
            if not rrn:
                raise SaleError(
                    _("a card refund needs the rrn of the original card payment"),
                    code="request.invalid",
                )
            pending = bank.call(lambda b: b.refund(amount, rrn, ref, timeout), timeout=ASK)
        else:
            pending = bank.call(lambda b: b.pay(amount, ref, timeout), timeout=ASK)
        card = pending.get(timeout=timeout + 10)
        return {"rrn": card.rrn, "card_mask": card.card_mask, "auth_code": card.auth_code}

    def _marketing(self, op: dict[str, Any]) -> dict[str, Any]:
        svc = self._marketing_payments()
        if op["refund"]:
            refund = getattr(svc, "refund", None)
            if refund is None:
                raise PaymentDeclined(
                    _(
                        "{type} refunds are not supported; refund this part in cash",
                        type=tender_label(op["type"]),
                    ),
                    code="payment.refund_unsupported",
                )
            payment: Payment = refund(op["type"], op["amount"], op["reference"], op["receipt_id"])
        else:
            payment = svc.authorize(op["type"], op["amount"], op["reference"], op["receipt_id"])
        return {
            "rrn": payment.rrn,
            "card_mask": payment.card_mask,
            "reference": payment.reference,
            "amount": payment.amount,
        }

    def _run(self, op: dict[str, Any], runner: Any, result: gevent.event.AsyncResult) -> None:
        sale = self._sale()
        tender = op["tender"]
        try:
            try:
                answer = runner(op)
            except CardDeclined as exc:
                sale.tenders.fail(tender, "declined", exc.message).get(timeout=ASK)
                raise PaymentDeclined(
                    _(
                        "{message}; the receipt is still open: pay another way or try again",
                        message=exc.message,
                    ),
                    code=exc.code,
                ) from exc
            except PaymentDeclined as exc:
                sale.tenders.fail(tender, "declined", exc.message).get(timeout=ASK)
                raise
            except DeviceMissing as exc:
                sale.tenders.fail(tender, "failed", exc.message).get(timeout=ASK)
                raise
            except DeviceError as exc:
                if exc.code in NOT_SENT:
                    sale.tenders.fail(tender, "failed", exc.message).get(timeout=ASK)
                    raise
                raise self._unknown(sale, tender, exc) from exc
            except (gevent.Timeout, TimeoutError) as exc:
                raise self._unknown(sale, tender, exc) from exc
            except UkmError as exc:
                sale.tenders.fail(tender, "declined", exc.message).get(timeout=ASK)
                raise PaymentDeclined(
                    _("{message}; the receipt is still open: pay another way", message=exc.message),
                    code=exc.code,
                ) from exc
            result.set(sale.tenders.complete(tender, **answer).get(timeout=ASK))
        except BaseException as exc:  # noqa: BLE001 - every outcome goes to the waiting caller
            result.set_exception(exc)
        finally:
            self._clear(op)

    def _unknown(self, sale: SaleSessionProxy, tender: int, exc: BaseException) -> PaymentUnknown:
        message = _(
            "the outcome of this payment is unknown ({reason}); look at the terminal: if it "
            "approved the payment, resolve it as approved with the slip's rrn, otherwise as "
            "not approved",
            reason=getattr(exc, "message", None) or str(exc) or type(exc).__name__,
        )
        sale.tenders.fail(tender, "unknown", message).get(timeout=ASK)
        return PaymentUnknown(message)

    def _clear(self, op: dict[str, Any]) -> None:
        try:
            cast(PaymentDeskProxy, self.actor_ref.proxy()).forget(op["tender"])
        except Exception:  # noqa: BLE001, S110 - the desk is stopping
            pass

    def forget(self, tender: int) -> None:
        if self.inflight is not None and self.inflight["tender"] == tender:
            self.inflight = None

    def current(self) -> dict[str, Any] | None:
        """The tender waiting for a device now, if any."""
        return self.inflight

    def cancel_card(self) -> CardCancel:
        """Ask the terminal to abort the card payment in progress."""
        op = self.inflight
        if op is None or op["type"] != "card":
            raise SaleError(_("no card payment is in progress"), code="sale.no_payment")
        ref = str(op["ref"])
        sent = self._devices().bank.call(lambda b: b.cancel(ref), timeout=ASK)
        return CardCancel(sent=bool(sent), tender=int(op["tender"]))

    # -- giving back -------------------------------------------------------------------

    def reverse(self, grant: Grant, tender_id: int) -> gevent.event.AsyncResult:
        """Take an approved payment off the receipt, giving the money back (card: refund)."""
        snapshot = self._sale().snapshot().get(timeout=ASK)
        tender = snapshot.tender(tender_id) if snapshot is not None else None
        if tender is None or tender.state != "approved":
            return self._done(
                error=SaleError(
                    _(
                        "payment {tender_id} is not an approved payment of the open receipt",
                        tender_id=tender_id,
                    ),
                    code="sale.payment_unknown",
                )
            )
        result = gevent.event.AsyncResult()
        gevent.spawn(self._reverse, snapshot, tender, result)
        return result

    def _reverse(self, snapshot: Any, tender: Any, result: gevent.event.AsyncResult) -> None:
        try:
            if tender.type == "card":
                bank = self._devices().bank
                timeout = self._pay_timeout(bank)
                ref = tender.terminal_ref or snapshot.id
                pending = bank.call(
                    lambda b: b.refund(tender.amount, tender.rrn, ref, timeout), timeout=ASK
                )
                pending.get(timeout=timeout + 10)
            elif tender.type in ("certificate", "bonus"):
                self._marketing_payments().void(tender.payment)
            result.set(self._sale().tenders.reverse(tender.id, "given back").get(timeout=ASK))
        except BaseException as exc:  # noqa: BLE001 - to the waiting caller
            result.set_exception(exc)


class PaymentDeskProxy(ActorMemberMixin):
    """``PaymentDesk`` through its proxy: each method answers a ``pykka.Future``."""

    pay = proxy_method(PaymentDesk.pay)
    reverse = proxy_method(PaymentDesk.reverse)
    cancel_card = proxy_method(PaymentDesk.cancel_card)
    current = proxy_method(PaymentDesk.current)
    forget = proxy_method(PaymentDesk.forget)
