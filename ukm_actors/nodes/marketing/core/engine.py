"""The marketing server's PromotionEngine actor: online pricing and the tills' copies.

It keeps one indexed ``Engine`` per store, built from the same campaign set
the store's tills hold (``campaigns.store_set``), and drops them when
campaigns, coupons, certificates or the catalog change. Every
``[marketing] campaigns_refresh`` seconds it re-publishes the tills' copies
(ended campaigns leave them; only changed copies are sent) and marks
certificates past their date expired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ukm_actors.db import Database
from ukm_actors.domain.promotions import Engine, PriceContext, Pricing
from ukm_actors.domain.receipt import Receipt
from ukm_actors.nodes.marketing.core import certificates
from ukm_actors.nodes.marketing.core.campaigns import publish, store_set, utcnow
from ukm_actors.supervision import Ticking

log = logging.getLogger(__name__)

NAME = "promotion_engine"


class PromotionEngine(Ticking):
    """Prices receipts online for any store; keeps the tills' copies current."""

    def __init__(
        self, db: Database, refresh_every: float, notify: Callable[[list[str]], None]
    ) -> None:
        super().__init__()
        self.db = db
        self.refresh_every = refresh_every
        self.notify = notify
        self._engines: dict[str, Engine] = {}

    def on_start(self) -> None:
        self.schedule(0.0)

    def tick(self) -> None:
        try:
            self.refresh()
        finally:
            self.schedule(self.refresh_every)

    # -- messages --------------------------------------------------------------------------

    def engine(self, store: str) -> Engine:
        """The indexed engine of ``store`` (built on first use after a change)."""
        found = self._engines.get(store)
        if found is None:
            with self.db.read() as session:
                found = Engine(store_set(session, store))
            self._engines[store] = found
        return found

    def price(self, store: str, receipt: Receipt, ctx: PriceContext) -> Pricing:
        return self.engine(store).price(receipt, ctx)

    def version(self, store: str) -> str:
        return self.engine(store).set.version

    def invalidate(self) -> None:
        """Forget the built engines (campaigns or the catalog changed)."""
        self._engines.clear()

    def refresh(self) -> dict[str, int]:
        """Re-publish changed copies and expire certificates; what it did."""
        with self.db.write() as session:
            channels = publish(session)
            expired = certificates.expire_due(session, utcnow())
        self._engines.clear()
        if channels:
            self.notify(channels)
        if channels or expired:
            log.info(
                "refresh: %d till copies sent, %d certificates expired", len(channels), expired
            )
        return {"published": len(channels), "expired": expired}
