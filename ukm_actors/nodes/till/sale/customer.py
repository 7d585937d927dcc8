"""``CustomerDesk``: the customer's loyalty card and coupons on the open receipt.

The ``SaleSession`` holds one, reachable through its proxy
(``sale.customer``, a ``pykka.traversable``), so these run in the session's
actor. A card handed over before the goods opens the receipt. A coupon is
checked before it goes on the receipt (``promotions.check_coupon``: its
layout and check digit at the till, then the marketing server); a refused
one never goes on it, and the refusal says why. How each coupon was checked
(online or offline) is kept with it, so the receipt view can show it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from pykka.typing import proxy_method

from ukm_actors.db import Database
from ukm_actors.i18n import _
from ukm_actors.nodes.till.catalog.public import TillCatalog
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.cards import with_card_prices
from ukm_actors.nodes.till.sale.drafts import new_receipt
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import SaleView, coupons_json
from ukm_actors.nodes.till.sale.pricing import Repricer
from ukm_actors.nodes.till.sale.repo import insert_receipt, save_lines, update_receipt
from ukm_actors.nodes.till.sale.state import SaleState, require_unlocked

if TYPE_CHECKING:
    from ukm_actors.nodes.till.promotions.service import PromotionsService

log = logging.getLogger(__name__)


class NoCoupons(SaleError):
    code = "marketing.not_configured"
    http_status = 503


class CustomerDesk:
    """The card and coupons of the open receipt (see the module doc).

    ``promotions``: the till's promotions service now (None when it runs without)."""

    def __init__(
        self,
        state: SaleState,
        db: Database,
        env: SaleEnv,
        catalog: TillCatalog,
        repricer: Repricer,
        promotions: Callable[[], PromotionsService | None],
    ) -> None:
        self.state = state
        self.db = db
        self.env = env
        self.catalog = catalog
        self.repricer = repricer
        self.promotions = promotions

    def set_card(self, grant: Grant, card: str | None) -> SaleView:
        """Attach a loyalty card to the receipt (None takes it off); prices are recomputed.

        With no receipt open, a card opens one: customers hand the card over first."""
        r = self.state.current
        if r is None and card:
            return self._open_with_card(grant, card)
        r = self.state.require()
        require_unlocked(r)
        receipt = with_card_prices(r.receipt, self.catalog, self.env, bool(card))
        new = self.repricer.reprice(replace(r, card=card or None, receipt=receipt))
        with self.db.write() as s:
            update_receipt(s, r.id, card=new.card)
            save_lines(s, r.id, r.receipt, new.receipt)
        self.state.current = new
        return self.state.view()

    def _open_with_card(self, grant: Grant, card: str) -> SaleView:
        """A new, empty sale receipt with ``card`` on it (cancelled like any other)."""
        self.state.require_not_held()
        with self.db.write() as s:
            r = replace(new_receipt(self.env, s, grant), card=card)
            insert_receipt(s, r)
        r = self.repricer.reprice(r)
        self.state.current = r
        self.state.question = None
        self.state.notice = None
        log.info("receipt %s (number %s) opened by loyalty card", r.id, r.number)
        return self.state.view()

    def add_coupon(self, grant: Grant, code: str) -> SaleView:
        """Check a coupon and put it on the receipt; prices are recomputed.

        A refused coupon (mistyped, unknown, used, expired) raises with its code."""
        r = self.state.require()
        require_unlocked(r)
        if code in r.coupons:
            raise SaleError(
                _("coupon {code} is already on this receipt", code=code), code="sale.coupon_twice"
            )
        svc = self.promotions()
        if svc is None:
            raise NoCoupons(_("coupons need the marketing part, which this till does not run"))
        checker = getattr(svc, "check_coupon", None)  # a hook that only prices has none
        check = checker(code) if checker is not None else None
        checks = r.coupon_checks if check is None else (*r.coupon_checks, (code, check.checked))
        new = self.repricer.reprice(replace(r, coupons=(*r.coupons, code), coupon_checks=checks))
        with self.db.write() as s:
            update_receipt(s, r.id, coupons=json.dumps(coupons_json(new)))
            save_lines(s, r.id, r.receipt, new.receipt)
        self.state.current = new
        how = f"checked {check.checked}" if check is not None else "not checked"
        log.info("coupon %s on receipt %s, %s", code, r.id, how)
        return self.state.view()


class CustomerDeskProxy:
    """``CustomerDesk`` through the session's proxy (``sale.customer``): answers are futures."""

    set_card = proxy_method(CustomerDesk.set_card)
    add_coupon = proxy_method(CustomerDesk.add_coupon)
