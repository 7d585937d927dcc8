"""``ctx.services.marketing_payments``: gift certificates and bonus points as tenders.

Certificates and bonus points are money held by the marketing server, so
they need it online; there is no offline fallback (a clear refusal instead).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError
from ukm_actors.domain.receipt import Payment
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

if TYPE_CHECKING:
    from ukm_actors.nodes.till.promotions.couponcheck import Asker
    from ukm_actors.nodes.till.promotions.service import PromotionsService
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

UNREACHABLE = {
    "certificate": _(
        "gift certificates need the marketing server, which does not answer; "
        "take another means of payment"
    ),
    "bonus": _(
        "bonus points need the marketing server, which does not answer; "
        "take another means of payment"
    ),
}


class PaymentRefused(UkmError):
    """The marketing server refused a certificate or bonus payment (its code is kept)."""

    code = "marketing.refused"


class MarketingPayments:
    """``ctx.services.marketing_payments``: certificates and bonus points as tenders.

    The returned ``Payment`` keeps the receipt id in ``rrn``: that is the key the
    marketing server recorded the payment under, so ``void`` can undo it even
    after a till restart.
    """

    def __init__(self, ctx: TillContext, ask: Asker, promotions: PromotionsService) -> None:
        self.ctx = ctx
        self.ask = ask
        self.promotions = promotions
        self.settings = ctx.config.marketing

    def _store(self) -> str:
        return str(self.ctx.config.till.store)

    def _call(self, kind: str, name: str, message: dict[str, Any]) -> Any:
        try:
            return self.ask(name, message, self.settings.payment_deadline)
        except RemoteError as exc:
            raise PaymentRefused(exc.message, code=exc.code, hint=exc.hint) from None
        except (PeerUnreachable, AskTimeout) as exc:
            log.warning("%s %s: %s", name, message.get("receipt_id", ""), exc)
            raise UkmError(UNREACHABLE[kind], code="marketing.unreachable") from None

    def _check_type(self, type_: str) -> None:
        if type_ not in UNREACHABLE:
            raise PaymentRefused(
                _("{type_!r} is not a marketing payment; use certificate or bonus", type_=type_),
                code="receipt.payment_type",
            )

    def authorize(self, type_: str, amount: int, reference: str, receipt_id: str) -> Payment:
        """Take ``amount`` (at most) from certificate or card ``reference`` for ``receipt_id``.

        The payment may be smaller than asked (the certificate's balance).
        Unreachable marketing server: ``UkmError`` ``marketing.unreachable``.
        """
        self._check_type(type_)
        if type_ == "certificate":
            message = {
                "number": reference,
                "amount": amount,
                "receipt_id": receipt_id,
                "store": self._store(),
            }
            name = "certificate.redeem"
        else:
            total = self.promotions.last_total or amount
            message = {
                "card": reference,
                "amount": amount,
                "receipt_id": receipt_id,
                "receipt_total": max(total, amount),
                "store": self._store(),
            }
            name = "bonus.spend"
        try:
            answer = self._call(type_, name, message)
        except UkmError as exc:
            if exc.code == "marketing.unreachable":
                self._undo_quietly(type_, reference, receipt_id, amount)
            raise
        return Payment(type_, int(answer["amount"]), rrn=receipt_id, reference=reference)

    def _undo_quietly(self, type_: str, reference: str, receipt_id: str, amount: int) -> None:
        """After a lost answer the payment may have been taken: try to undo it at once."""
        try:
            self._void(type_, reference, receipt_id, amount)
        except UkmError:
            log.warning(
                "could not undo a possibly taken %s payment of %s on %s",
                type_,
                reference,
                receipt_id,
            )

    def _void(self, type_: str, reference: str, receipt_id: str, amount: int) -> None:
        if type_ == "certificate":
            self._call(
                type_,
                "certificate.void",
                {"number": reference, "receipt_id": receipt_id, "amount": amount},
            )
        else:
            self._call(
                type_, "bonus.void", {"card": reference, "receipt_id": receipt_id, "amount": amount}
            )

    def void(self, payment: Payment) -> None:
        """Give a certificate or bonus payment back (the receipt was cancelled)."""
        self._check_type(payment.type)
        if not payment.rrn or not payment.reference:
            raise PaymentRefused(
                _(
                    "{label} payment of {amount} lacks its receipt or reference; it cannot be "
                    "undone here",
                    label=payment.label,
                    amount=payment.amount,
                ),
                code="marketing.void_unknown",
            )
        self._void(payment.type, payment.reference, payment.rrn, payment.amount)

    def balance(self, type_: str, reference: str) -> int:
        """What certificate ``reference`` can still pay, or card ``reference``'s points."""
        self._check_type(type_)
        if type_ == "certificate":
            answer = self._call(type_, "certificate.check", {"number": reference})
            state = str(answer["state"])
            if state != "sold":
                word = {"created": "not sold yet", "redeemed": "used up"}.get(state, state)
                code = {"created": "not_sold", "redeemed": "used_up"}.get(state, state)
                raise PaymentRefused(
                    _(
                        "certificate {reference} is {word}; it cannot pay",
                        reference=reference,
                        word=word,
                    ),
                    code=f"certificate.{code}",
                )
            return int(answer["balance"])
        answer = self._call(type_, "bonus.balance", {"card": reference})
        return int(answer["spendable"])
