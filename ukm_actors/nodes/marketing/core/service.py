"""The marketing server's shared object (``ctx.services.marketing``) and its asks.

Asks (``POST /mailbox/v1/ask/<name>`` through the bridge; messages are JSON,
money in kopecks; a refusal reaches the till as a ``RemoteError`` with its code):

- ``promo.price`` {receipt, context{store, till, at, card, coupons}} →
  {discounts, card, coupons{code: "ok" or why not}, coupon_codes{code: "ok" or
  the refusal's code}, coupons_used, earned, missing_gifts, version}; refusal
  ``marketing.bad_request``;
- ``coupon.check`` {code} and ``coupon.redeem`` {code, receipt_id} →
  {code, campaign_id, state, expires_at, valid}; ``coupon.unknown``,
  ``coupon.mistyped``, ``coupon.used``, ``coupon.expired``;
- ``coupon.issue`` {campaign_id, receipt_id} → {code, campaign_id, expires_at}
  (the same coupon when asked again for the receipt); ``marketing.not_found``;
- ``certificate.check`` {number} → {number, series_id, state, face_value,
  balance, expires_at}; ``certificate.unknown``;
- ``certificate.activate`` {number, receipt_id, store} → certificate;
  ``certificate.already_sold``;
- ``certificate.redeem`` {number, amount, receipt_id, store} → {amount (paid),
  certificate}; ``certificate.unknown``, ``.not_sold``, ``.used_up``, ``.expired``;
- ``certificate.void`` {number, receipt_id, amount} → certificate;
- ``card.info`` {card} → {number, holder, state, level, accumulated,
  bonus{spendable, pending}}; ``card.unknown``;
- ``bonus.balance`` {card} → {spendable, pending};
- ``bonus.spend`` {card, amount, receipt_id, receipt_total} → {amount,
  balance}; ``card.unknown``, ``card.blocked``, ``bonus.insufficient``, ``bonus.limit``;
- ``bonus.void`` {card, receipt_id, amount} → {spendable, pending}.

The asking till is the ``till`` of every operation it causes (the bridge
authenticates it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ukm_actors.bridge.policy import Subject
from ukm_actors.db.hooks import after_commit
from ukm_actors.domain.promotions.codec import (
    context_from_json,
    discounts_to_json,
    receipt_from_json,
)
from ukm_actors.domain.promotions.model import CampaignError, PriceContext
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.marketing.core import certificates, coupons, loyalty
from ukm_actors.nodes.marketing.core.campaigns import publish, utcnow
from ukm_actors.nodes.marketing.core.engine import NAME as ENGINE
from ukm_actors.nodes.marketing.core.errors import BadRequest, require_amount, require_text
from ukm_actors.nodes.marketing.services import MarketingContext

ENGINE_TIMEOUT = 10.0


def ask_subject(message: Any) -> Subject | None:
    """The store a till's ask names (``store``, or a price's ``context.store``), for
    the bridge's authorisation table."""
    if not isinstance(message, dict):
        return None
    context = message.get("context")
    if isinstance(context, dict) and context.get("store") is not None:
        return Subject.of(str(context["store"]), *_store(message))
    return Subject.of(*_store(message))


def _store(message: dict[str, Any]) -> tuple[str, ...]:
    store = message.get("store")
    return () if store is None else (str(store),)


class Marketing:
    """What the marketing feature's asks, appliers and routes share."""

    def __init__(self, ctx: MarketingContext) -> None:
        self.ctx = ctx
        self.db = ctx.require_db()
        self.settings = ctx.config.marketing

    def now(self) -> datetime:
        return utcnow()

    # -- after changes -------------------------------------------------------------------

    def notify(self, channels: list[str]) -> None:
        if not self.ctx.services.is_set("bridge"):
            return  # a Marketing made without a node (tests of its logic)
        for channel in channels:
            self.ctx.services.bridge.notify(channel)

    def invalidate(self) -> None:
        ref = self.ctx.names.find(ENGINE)
        if ref is not None:
            ref.proxy().invalidate.defer()

    def on_commit(self, session: Session, channels: list[str]) -> None:
        """Wake ``channels`` and drop the built engines once ``session`` commits."""

        def committed() -> None:
            self.notify(channels)
            self.invalidate()

        after_commit(session, committed)

    @contextmanager
    def changing(self) -> Iterator[Session]:
        """A write transaction after which the tills' copies are re-published."""
        with self.db.write() as session:
            yield session
            channels = publish(session)
        self.notify(channels)
        self.invalidate()

    # -- asks ------------------------------------------------------------------------------

    def price(self, message: dict[str, Any], peer: str) -> dict[str, Any]:
        try:
            receipt = receipt_from_json(message.get("receipt"))
            raw = dict(message.get("context") or {})
            card_no = raw.pop("card", None)
            codes = raw.pop("coupons", None) or []
            base = context_from_json({**raw, "card": None, "coupons": []})
        except CampaignError as exc:
            raise BadRequest(f"promo.price: {exc.message}") from None
        if not base.store:
            raise BadRequest("promo.price: context 'store' is required")
        with self.db.read() as session:
            card = loyalty.pricing_card(session, card_no if isinstance(card_no, str) else None)
            ok, verdicts, refusals = coupons.usable(session, [str(c) for c in codes], self.now())
        ctx = PriceContext(base.store, base.at, base.till, card, tuple(ok))
        engine = self.ctx.names.proxy(ENGINE)
        pricing = engine.price(base.store, receipt, ctx).get(timeout=ENGINE_TIMEOUT)
        version = engine.version(base.store).get(timeout=ENGINE_TIMEOUT)
        return {
            "discounts": discounts_to_json(pricing.discounts),
            "card": None
            if card is None
            else {"number": card.number, "level": card.level, "state": card.state},
            "coupons": verdicts,
            "coupon_codes": refusals,
            "coupons_used": list(pricing.coupons_used),
            "earned": [[e.campaign_id, e.points] for e in pricing.earned],
            "missing_gifts": [
                [m.campaign_id, m.article, m.quantity] for m in pricing.missing_gifts
            ],
            "version": version,
        }

    def coupon_check(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        code = require_text(message, "code", "coupon.check")
        with self.db.read() as session:
            return coupons.check(session, code, self.now()).to_json()

    def coupon_redeem(self, message: dict[str, Any], peer: str) -> dict[str, Any]:
        code = require_text(message, "code", "coupon.redeem")
        receipt = require_text(message, "receipt_id", "coupon.redeem")
        with self.db.write() as session:
            return coupons.redeem(session, code, receipt, peer, self.now()).to_json()

    def coupon_issue(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        campaign = require_text(message, "campaign_id", "coupon.issue")
        receipt = require_text(message, "receipt_id", "coupon.issue")
        with self.db.write() as session:
            row = coupons.issue_for_receipt(session, campaign, receipt, self.now())
            return {
                "code": row.code,
                "campaign_id": row.campaign_id,
                "expires_at": iso_utc(row.expires_at, z=True),
            }

    def _ref(self, message: dict[str, Any], peer: str, what: str) -> dict[str, Any]:
        return {
            "receipt_id": require_text(message, "receipt_id", what),
            "till": peer,
            "store": message.get("store"),
        }

    def certificate_check(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        number = require_text(message, "number", "certificate.check")
        with self.db.write() as session:
            return certificates.check(session, number, self.now()).to_json()

    def certificate_activate(self, message: dict[str, Any], peer: str) -> dict[str, Any]:
        number = require_text(message, "number", "certificate.activate")
        ref = self._ref(message, peer, "certificate.activate")
        with self.db.write() as session:
            return certificates.activate(session, number, ref, None, self.now()).to_json()

    def certificate_redeem(self, message: dict[str, Any], peer: str) -> dict[str, Any]:
        number = require_text(message, "number", "certificate.redeem")
        amount = require_amount(message, "amount", "certificate.redeem")
        ref = self._ref(message, peer, "certificate.redeem")
        partial = self.settings.certificate_partial
        with self.db.write() as session:
            paid, view = certificates.redeem(session, number, amount, ref, partial, self.now())
        return {"amount": paid, "certificate": view.to_json()}

    def certificate_void(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        number = require_text(message, "number", "certificate.void")
        receipt = require_text(message, "receipt_id", "certificate.void")
        amount = require_amount(message, "amount", "certificate.void")
        with self.db.write() as session:
            return certificates.void(session, number, receipt, amount, self.now()).to_json()

    def card_info(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        number = require_text(message, "card", "card.info")
        with self.db.read() as session:
            return loyalty.card_info(session, number, self.now())

    def bonus_balance(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        number = require_text(message, "card", "bonus.balance")
        with self.db.read() as session:
            loyalty.card_info(session, number, self.now())
            return loyalty.balance(session, number, self.now()).to_json()

    def bonus_spend(self, message: dict[str, Any], peer: str) -> dict[str, Any]:
        number = require_text(message, "card", "bonus.spend")
        amount = require_amount(message, "amount", "bonus.spend")
        total = require_amount(message, "receipt_total", "bonus.spend")
        ref = self._ref(message, peer, "bonus.spend")
        with self.db.write() as session:
            spent, left = loyalty.spend(
                session, number, amount, total, ref, self.settings, self.now()
            )
        return {"amount": spent, "balance": left.to_json()}

    def bonus_void(self, message: dict[str, Any], _peer: str) -> dict[str, Any]:
        number = require_text(message, "card", "bonus.void")
        receipt = require_text(message, "receipt_id", "bonus.void")
        amount = require_amount(message, "amount", "bonus.void")
        with self.db.write() as session:
            return loyalty.void_spend(session, number, receipt, amount, self.now()).to_json()

    def register_asks(self) -> None:
        for name, fn in (
            ("promo.price", self.price),
            ("coupon.check", self.coupon_check),
            ("coupon.redeem", self.coupon_redeem),
            ("coupon.issue", self.coupon_issue),
            ("certificate.check", self.certificate_check),
            ("certificate.activate", self.certificate_activate),
            ("certificate.redeem", self.certificate_redeem),
            ("certificate.void", self.certificate_void),
            ("card.info", self.card_info),
            ("bonus.balance", self.bonus_balance),
            ("bonus.spend", self.bonus_spend),
            ("bonus.void", self.bonus_void),
        ):
            self.ctx.asks.register(name, fn, ask_subject)
