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
from typing import Any

import gevent
import pykka

from ukm_actors.db import Database
from ukm_actors.domain.promotions import Engine, PriceContext, Pricing
from ukm_actors.domain.receipt import Receipt
from ukm_actors.nodes.marketing.core import certificates
from ukm_actors.nodes.marketing.core.campaigns import publish, store_set, utcnow
from ukm_actors.supervision import SupervisedActor

log = logging.getLogger(__name__)

NAME = "promotion_engine"


class _Refresh:
    pass


class PromotionEngine(SupervisedActor):
    """Prices receipts online for any store; keeps the tills' copies current."""

    def __init__(
        self, db: Database, refresh_every: float, notify: Callable[[list[str]], None]
    ) -> None:
        super().__init__()
        self.db = db
        self.refresh_every = refresh_every
        self.notify = notify
        self._engines: dict[str, Engine] = {}
        self._timer: gevent.Greenlet[Any, Any] | None = None

    def on_start(self) -> None:
        self._schedule(0.0)

    def on_stop(self) -> None:
        if self._timer is not None:
            self._timer.kill(block=False)

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, _Refresh):
            try:
                self.refresh()
            finally:
                self._schedule(self.refresh_every)
        return None

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.kill(block=False)

        def tell() -> None:
            try:
                self.actor_ref.tell(_Refresh())
            except pykka.ActorDeadError:
                pass

        self._timer = gevent.spawn_later(delay, tell)

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
