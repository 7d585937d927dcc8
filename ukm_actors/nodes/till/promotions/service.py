"""What the till's sale code calls: ``ctx.services["promotions"]`` and
``ctx.services["marketing_payments"]``.

Pricing asks the marketing server (``promo.price``, ``[marketing]
price_deadline``) and, when it does not answer in time, prices from the
till's own copy of the store's campaigns, which is the very set the marketing
server prices with: both give the same discounts. After a failure it prices
offline for ``RETRY_ONLINE`` seconds before asking again. Offline differences are
limited to what only the marketing server knows: whether a well-formed coupon
was already used, and the level of a card the till has never seen (priced as
level 0).

Certificates and bonus points are money held by the marketing server, so
they need it online; there is no offline fallback (a clear refusal instead).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError
from ukm_actors.codecs.tilldocs import ReceiptDoc
from ukm_actors.domain.promotions import CardInfo, PresentedCoupon, PriceContext
from ukm_actors.domain.promotions import accrual as accruals
from ukm_actors.domain.promotions.codec import (
    discounts_from_json,
    receipt_to_json,
)
from ukm_actors.domain.promotions.codes import recognise
from ukm_actors.domain.receipt import Line, LineDiscount, Payment, Receipt
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _
from ukm_actors.nodes.till.promotions.engine import NAME

log = logging.getLogger(__name__)

Asker = Callable[[str, dict[str, Any], float], Any]
"""``ask(name, message, timeout)``: an ask to the marketing server; raises the bridge's
``PeerUnreachable``, ``AskTimeout`` or ``RemoteError``."""

MARKETING = "marketing"
ACTOR_TIMEOUT = 5.0
RETRY_ONLINE = 10.0
"""Seconds the till prices offline after the marketing server failed to answer."""
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


class PromotionsService:
    """``ctx.services["promotions"]``: ``price`` and ``on_receipt_closed``."""

    def __init__(self, ctx: Any, ask: Asker) -> None:
        self.ctx = ctx
        self.ask = ask
        self.settings = ctx.config.marketing
        self.node_id: str = ctx.node_id
        self.online: bool | None = None
        self.last_error: str | None = None
        self.last_total = 0
        self._last_coupons: dict[str, str] = {}
        self._offline_until = 0.0

    def _engine(self) -> Any:
        return self.ctx.names.proxy(NAME)

    # -- pricing -------------------------------------------------------------------------

    def price(
        self, receipt: Receipt, context: Mapping[str, Any]
    ) -> dict[int, tuple[LineDiscount, ...]]:
        """Every line's campaign discounts (online if the marketing server answers in time)."""
        codes = [str(c) for c in context.get("coupons") or []]
        rules = self._engine().campaign_set().get(timeout=ACTOR_TIMEOUT).coupon_rules
        self._last_coupons = {
            code: rule.campaign_id for code in codes if (rule := recognise(code, rules))
        }
        result = None
        if time.monotonic() >= self._offline_until:
            result = self._price_online(receipt, context, codes)
        if result is None:
            result = self.price_offline(receipt, context)
        self.last_total = sum(
            ln.amount - sum(d.amount for d in result.get(ln.position, ()))
            for ln in receipt.active_lines
        )
        return result

    def _price_online(
        self, receipt: Receipt, context: Mapping[str, Any], codes: list[str]
    ) -> dict[int, tuple[LineDiscount, ...]] | None:
        message = {
            "receipt": receipt_to_json(receipt),
            "context": {
                "store": str(context.get("store") or ""),
                "till": context.get("till"),
                "at": str(context.get("at")),
                "card": context.get("card"),
                "coupons": codes,
            },
        }
        try:
            answer = self.ask("promo.price", message, self.settings.price_deadline)
            discounts = discounts_from_json(answer["discounts"])
        except (PeerUnreachable, AskTimeout, RemoteError) as exc:
            self._went_offline(str(exc))
            log.info("pricing offline: %s", exc)
            return None
        except (KeyError, TypeError, ValueError, UkmError) as exc:
            self._went_offline(f"bad promo.price answer: {exc!r}")
            log.warning("pricing offline: the marketing server's answer is unusable: %r", exc)
            return None
        self.online, self.last_error = True, None
        card = answer.get("card")
        if isinstance(card, dict):
            info = CardInfo(str(card["number"]), int(card["level"]), str(card["state"]))
            self._engine().remember_card.defer(info)
        return discounts

    def _went_offline(self, error: str) -> None:
        """Price offline for ``RETRY_ONLINE`` seconds: a marketing server that does not
        answer must not cost every scan of the next receipts its deadline."""
        self.online, self.last_error = False, error
        self._offline_until = time.monotonic() + RETRY_ONLINE

    def context_offline(self, context: Mapping[str, Any]) -> PriceContext:
        """The pricing context the till's copy uses: known cards at their level, unknown
        ones at level 0; coupons recognised by their code's layout."""
        engine = self._engine()
        number = context.get("card")
        card: CardInfo | None = None
        if number:
            card = engine.card(str(number)).get(timeout=ACTOR_TIMEOUT) or CardInfo(str(number))
        rules = engine.campaign_set().get(timeout=ACTOR_TIMEOUT).coupon_rules
        coupons = []
        for code in context.get("coupons") or []:
            rule = recognise(str(code), rules)
            if rule is not None:
                coupons.append(PresentedCoupon(str(code), rule.campaign_id))
        till = context.get("till")
        return PriceContext(
            store=str(context.get("store") or ""),
            at=datetime.fromisoformat(str(context.get("at"))),
            till=int(till) if till is not None else None,
            card=card,
            coupons=tuple(coupons),
        )

    def price_offline(
        self, receipt: Receipt, context: Mapping[str, Any]
    ) -> dict[int, tuple[LineDiscount, ...]]:
        """Discounts from the till's own copy of campaigns."""
        pricing = (
            self._engine().price(receipt, self.context_offline(context)).get(timeout=ACTOR_TIMEOUT)
        )
        return dict(pricing.discounts)

    # -- closing ---------------------------------------------------------------------------

    def on_receipt_closed(self, session: Session, doc: ReceiptDoc) -> None:
        """Queue the receipt's ``loyalty.accrual`` (in the closing transaction) when it
        touches marketing; the marketing server applies it once, now or when it is back."""
        accrual = self.accrual(doc)
        if accrual is None:
            return
        channel = channel_name(self.node_id, MARKETING)
        outbox.put(session, channel, accruals.DOC_TYPE, accruals.encode(accrual))

        def committed(_session: Session) -> None:
            bridge = self.ctx.services.get("bridge")
            if bridge is not None:
                bridge.notify(channel)

        event.listen(session, "after_commit", committed, once=True)

    def accrual(self, doc: ReceiptDoc) -> accruals.Accrual | None:
        """What ``doc`` owes marketing, or None when it touches nothing of it."""
        engine = self._engine()
        cs = engine.campaign_set().get(timeout=ACTOR_TIMEOUT)
        lines = [ln for ln in doc.lines if not ln.voided]
        used_ids = {d.campaign_id for ln in lines for d in ln.discounts}
        certs = tuple(
            (ln.barcode, ln.total)
            for ln in lines
            if ln.article in cs.certificate_articles and ln.barcode
        )
        by_id = {c.id: c for c in cs.campaigns}
        receipt = Receipt(
            kind="sale",
            lines=tuple(
                Line(
                    position=ln.position,
                    article=ln.article,
                    name=ln.name,
                    barcode=ln.barcode,
                    quantity=ln.quantity,
                    price=ln.price,
                    measure=ln.measure,
                    taxgroup_id=ln.taxgroup_id,
                    price_type=ln.price_type,
                    seller_code=ln.seller_code,
                    discounts=tuple(
                        LineDiscount(d.campaign_id, d.name, d.amount) for d in ln.discounts
                    ),
                )
                for ln in lines
            ),
        )
        presented = [PresentedCoupon(code, cc) for code, cc in self._last_coupons.items()]
        earned: tuple[tuple[str, int], ...] = ()
        if doc.card and doc.kind == "sale":
            card = engine.card(doc.card).get(timeout=ACTOR_TIMEOUT) or CardInfo(doc.card)
            ctx = PriceContext(
                doc.store, datetime.fromisoformat(doc.closed_at), doc.till, card, tuple(presented)
            )
            bonus_paid = sum(p.amount for p in doc.payments if p.type == "bonus")
            found = engine.earn(receipt, ctx, bonus_paid).get(timeout=ACTOR_TIMEOUT)
            earned = tuple((e.campaign_id, e.points) for e in found)
        enabled = used_ids | {cid for cid, _ in earned}
        coupons = tuple(
            p.code
            for p in presented
            if any(by_id[cid].conditions.coupon == p.campaign_id for cid in enabled if cid in by_id)
        )
        marketing_pay = any(p.type in ("certificate", "bonus") for p in doc.payments)
        if not (doc.card or used_ids or coupons or certs or marketing_pay):
            return None
        return accruals.Accrual(
            receipt_id=doc.receipt_id,
            store=doc.store,
            till=self.node_id,
            kind=doc.kind,
            closed_at=doc.closed_at,
            closed_at_utc=doc.closed_at_utc,
            total=doc.total,
            card=doc.card,
            lines=tuple(
                accruals.AccrualLine(
                    ln.position,
                    ln.article,
                    ln.amount,
                    ln.total,
                    tuple((d.campaign_id, d.amount) for d in ln.discounts),
                )
                for ln in lines
            ),
            payments=tuple(
                accruals.AccrualPayment(p.type, p.amount, p.reference) for p in doc.payments
            ),
            coupons=coupons,
            earned=earned,
            certificates_sold=certs,  # type: ignore[arg-type]
            original_receipt_id=doc.original.receipt_id if doc.original else None,
        )

    def status(self) -> dict[str, Any]:
        try:
            out: dict[str, Any] = self._engine().status().get(timeout=ACTOR_TIMEOUT)
        except UkmError as exc:
            out = {"error": exc.message}
        out["online"] = self.online
        out["last_error"] = self.last_error
        return out


class MarketingPayments:
    """``ctx.services["marketing_payments"]``: certificates and bonus points as tenders.

    The returned ``Payment`` keeps the receipt id in ``rrn``: that is the key the
    marketing server recorded the payment under, so ``void`` can undo it even
    after a till restart.
    """

    def __init__(self, ctx: Any, ask: Asker, promotions: PromotionsService) -> None:
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
