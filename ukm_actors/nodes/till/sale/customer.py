"""The customer's loyalty card and coupons on the receipt (a mixin of ``SaleSession``).

A card handed over before the goods opens the receipt. A coupon is checked
before it goes on the receipt (``promotions.check_coupon``: its layout and
check digit at the till, then the marketing server); a refused one never
goes on it, and the refusal says why. How each coupon was checked (online
or offline) is kept with it, so the receipt view can show it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.cards import with_card_prices
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import OpenReceipt, SaleView, coupons_json
from ukm_actors.nodes.till.sale.pricing import Repricer
from ukm_actors.nodes.till.sale.repo import insert_receipt, save_lines, update_receipt

log = logging.getLogger(__name__)


class NoCoupons(SaleError):
    code = "marketing.not_configured"
    http_status = 503


class CustomerDesk:
    """The loyalty half of ``SaleSession``; it relies on the attributes declared here."""

    ctx: Any
    db: Any
    env: Any
    catalog: Any
    repricer: Repricer
    current: OpenReceipt | None
    question: Any
    notice: str | None

    def _require(self) -> OpenReceipt:
        raise NotImplementedError

    def _require_unlocked(self, r: OpenReceipt) -> None:
        raise NotImplementedError

    def _new_receipt(self, s: Any, grant: Grant, kind: str = "sale") -> OpenReceipt:
        raise NotImplementedError

    def view(self) -> SaleView:
        raise NotImplementedError

    def set_card(self, grant: Grant, card: str | None) -> SaleView:
        """Attach a loyalty card to the receipt (None takes it off); prices are recomputed.

        With no receipt open, a card opens one: customers hand the card over first."""
        r = self.current
        if r is None and card:
            return self._open_with_card(grant, card)
        r = self._require()
        self._require_unlocked(r)
        receipt = with_card_prices(r.receipt, self.catalog, self.env, bool(card))
        new = self.repricer.reprice(replace(r, card=card or None, receipt=receipt))
        with self.db.write() as s:
            update_receipt(s, r.id, card=new.card)
            save_lines(s, r.id, r.receipt, new.receipt)
        self.current = new
        return self.view()

    def _open_with_card(self, grant: Grant, card: str) -> SaleView:
        """A new, empty sale receipt with ``card`` on it (cancelled like any other)."""
        with self.db.write() as s:
            r = replace(self._new_receipt(s, grant), card=card)
            insert_receipt(s, r)
        r = self.repricer.reprice(r)
        self.current = r
        self.question = None
        self.notice = None
        log.info("receipt %s (number %s) opened by loyalty card", r.id, r.number)
        return self.view()

    def add_coupon(self, grant: Grant, code: str) -> SaleView:
        """Check a coupon and put it on the receipt; prices are recomputed.

        A refused coupon (mistyped, unknown, used, expired) raises with its code."""
        r = self._require()
        self._require_unlocked(r)
        if code in r.coupons:
            raise SaleError(
                _("coupon {code} is already on this receipt", code=code), code="sale.coupon_twice"
            )
        svc = self.ctx.services.get("promotions")
        if svc is None:
            raise NoCoupons(_("coupons need the marketing part, which this till does not run"))
        checker = getattr(svc, "check_coupon", None)  # a hook that only prices has none
        check = checker(code) if checker is not None else None
        checks = r.coupon_checks if check is None else (*r.coupon_checks, (code, check.checked))
        new = self.repricer.reprice(replace(r, coupons=(*r.coupons, code), coupon_checks=checks))
        with self.db.write() as s:
            update_receipt(s, r.id, coupons=json.dumps(coupons_json(new)))
            save_lines(s, r.id, r.receipt, new.receipt)
        self.current = new
        how = f"checked {check.checked}" if check is not None else "not checked"
        log.info("coupon %s on receipt %s, %s", code, r.id, how)
        return self.view()
