"""What the till's sale code calls: ``ctx.services.promotions`` and
``ctx.services.marketing_payments``.

Pricing asks the marketing server (``promo.price``, ``[marketing]
price_deadline``) and, when it does not answer in time, prices from the
till's own copy of the store's campaigns, which is the very set the marketing
server prices with: both give the same discounts. After a failure it prices
offline for ``RETRY_ONLINE`` seconds before asking again. Offline differences are
limited to what only the marketing server knows: whether a well-formed coupon
was already used, and the level of a card the till has never seen (priced as
level 0).

Certificates and bonus points (``payments.MarketingPayments``) are money held
by the marketing server, so they need it online.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable
from ukm_actors.codecs.tilldocs import ReceiptDoc
from ukm_actors.db.hooks import after_commit
from ukm_actors.domain.promotions import CardInfo, PresentedCoupon, PriceContext
from ukm_actors.domain.promotions import accrual as accruals
from ukm_actors.domain.promotions.codec import (
    discounts_from_json,
    receipt_to_json,
)
from ukm_actors.domain.promotions.codes import recognise
from ukm_actors.domain.receipt import Line, LineDiscount, Receipt
from ukm_actors.errors import UkmError
from ukm_actors.nodes.till.promotions.couponcheck import (
    Asker,
    CouponCheck,
    check_coupon,
    check_offline,
)
from ukm_actors.nodes.till.promotions.engine import NAME, TillPromotionEngineProxy
from ukm_actors.nodes.till.promotions.outcome import (
    PricingOutcome,
    coupon_states,
    offline_outcome,
    offline_reason,
    online_outcome,
)
from ukm_actors.supervision import defer

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)


MARKETING = "marketing"
ACTOR_TIMEOUT = 5.0
RETRY_ONLINE = 10.0
"""Seconds the till prices offline after the marketing server failed to answer."""


class PromotionsService:
    """``ctx.services.promotions``: ``price`` and ``on_receipt_closed``."""

    def __init__(self, ctx: TillContext, ask: Asker) -> None:
        self.ctx = ctx
        self.ask = ask
        self.settings = ctx.config.marketing
        self.node_id: str = ctx.node_id
        self.online: bool | None = None
        self.last_error: str | None = None
        self.last_total = 0
        self.offline_code: str | None = None
        """Why the last pricing was offline (``outcome.OFFLINE_REASONS``)."""
        self._last_coupons: dict[str, str] = {}
        self._offline_until = 0.0

    def _engine(self) -> TillPromotionEngineProxy:
        return cast(TillPromotionEngineProxy, self.ctx.names.proxy(NAME))

    def certificate_articles(self) -> frozenset[str]:
        """Articles that sell gift certificates, from this till's copy of the campaigns."""
        cs = self._engine().campaign_set().get(timeout=ACTOR_TIMEOUT)
        return frozenset(cs.certificate_articles)

    # -- pricing -------------------------------------------------------------------------

    def price(
        self, receipt: Receipt, context: Mapping[str, Any]
    ) -> dict[int, tuple[LineDiscount, ...]]:
        """Every line's campaign discounts (online if the marketing server answers in time)."""
        return self.outcome(receipt, context).discounts

    def outcome(self, receipt: Receipt, context: Mapping[str, Any]) -> PricingOutcome:
        """The discounts and what else pricing gave: online or offline and why, bonus points,
        missing gifts, each coupon's state. ``context["coupon_checks"]``: code → how the
        coupon was checked when it was added (``online`` / ``offline``)."""
        codes = [str(c) for c in context.get("coupons") or []]
        engine = self._engine()
        cs = engine.campaign_set().get(timeout=ACTOR_TIMEOUT)
        self._last_coupons = {
            code: rule.campaign_id for code in codes if (rule := recognise(code, cs.coupon_rules))
        }
        answer = None
        if time.monotonic() >= self._offline_until:
            answer = self._price_online(receipt, context, codes)
        offline = self.context_offline(context) if answer is None or codes else None
        if answer is not None:
            result = online_outcome(answer, cs, self._item_name)
        else:
            assert offline is not None
            pricing = engine.price(receipt, offline).get(timeout=ACTOR_TIMEOUT)
            code = self.offline_code or "marketing.unreachable"
            reason = offline_reason(code, self.settings.price_deadline)
            result = offline_outcome(pricing, cs, code, reason, self._item_name)
        if codes and offline is not None:
            used = tuple(result.used)
            verdicts = engine.verdicts(receipt, offline, used).get(timeout=ACTOR_TIMEOUT)
            refusals = answer.get("coupon_codes") if answer is not None else None
            checks = dict(context.get("coupon_checks") or {})
            states = coupon_states(codes, verdicts, used, refusals, checks)
            result = replace(result, coupons=states)
        self.last_total = sum(
            ln.amount - sum(d.amount for d in result.discounts.get(ln.position, ()))
            for ln in receipt.active_lines
        )
        return result

    def check_coupon(self, code: str) -> CouponCheck:
        """Whether ``code`` may go on the receipt (``couponcheck``); raises ``CouponRefused``.

        While pricing is offline after a failure, the till checks alone at once."""
        rules = self._engine().campaign_set().get(timeout=ACTOR_TIMEOUT).coupon_rules
        if time.monotonic() < self._offline_until:
            return check_offline(code, rules)
        return check_coupon(code, rules, self.ask, self.settings.payment_deadline)

    def _item_name(self, article: str) -> str:
        services = self.ctx.services
        item = services.catalog.item(article) if services.is_set("catalog") else None
        return str(item.name) if item is not None else article

    def _price_online(
        self, receipt: Receipt, context: Mapping[str, Any], codes: list[str]
    ) -> dict[str, Any] | None:
        """The marketing server's ``promo.price`` answer, or None (then price offline)."""
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
            answer["discounts"] = discounts_from_json(answer["discounts"])
        except AskTimeout as exc:
            self._went_offline("marketing.timeout", exc)
            return None
        except PeerUnreachable as exc:
            unset = not self.ctx.config.till.marketing_url
            self._went_offline(
                "marketing.not_configured" if unset else "marketing.unreachable", exc
            )
            return None
        except (KeyError, TypeError, ValueError, UkmError) as exc:
            self._went_offline("marketing.bad_answer", exc)
            return None
        self.online, self.last_error, self.offline_code = True, None, None
        card = answer.get("card")
        if isinstance(card, dict):
            info = CardInfo(str(card["number"]), int(card["level"]), str(card["state"]))
            defer(self._engine().remember_card, info)
        return dict(answer)

    def _went_offline(self, code: str, exc: Exception) -> None:
        """Price offline for ``RETRY_ONLINE`` seconds: a marketing server that does not
        answer must not cost every scan of the next receipts its deadline."""
        if code == "marketing.bad_answer":
            log.warning("pricing offline: the marketing server's answer is unusable: %r", exc)
        else:
            log.info("pricing offline: %s", exc)
        self.online, self.last_error, self.offline_code = False, str(exc), code
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

        def committed() -> None:
            if self.ctx.services.is_set("bridge"):
                self.ctx.services.bridge.notify(channel)

        after_commit(session, committed)

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
        out["offline_code"] = self.offline_code
        out["last_error"] = self.last_error
        return out
