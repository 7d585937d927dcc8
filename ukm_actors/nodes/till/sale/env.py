"""What every part of the sale needs to know about its till: who, where, when.

``SaleEnv`` (``ctx.services.sale_env``) combines the node's config with
the till settings the server sends (receipt header and footer, weight
barcode layout, the store's time zone): the server's value wins when it
has sent one.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.domain.barcodes import BarcodeLayoutError, WeightBarcodeLayout
from ukm_actors.nodes.till.catalog.public import AddPrice, TillCatalog
from ukm_actors.nodes.till.sale.clock import Clock, local_text, utc_text, zone

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

CARD_WORDS = re.compile(r"карт|card", re.IGNORECASE)
"""An additional price whose name matches is a loyalty-card price."""


def _lines(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.splitlines())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


class SaleEnv:
    """The till's identity, clock, time zone and printed texts."""

    def __init__(self, ctx: TillContext, catalog: TillCatalog, clock: Clock) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.clock = clock
        self.settings = ctx.config.till
        self.store = str(self.settings.store)
        self.till = int(self.settings.number)
        self._layout: tuple[int, str, str, WeightBarcodeLayout] | None = None

    @property
    def channel(self) -> str:
        """The outbox channel to the cash server."""
        return channel_name(self.ctx.node_id, "server")

    def send(self, session: Session, doc_type: str, body: bytes) -> None:
        """Queue a document for the cash server and, while the till has a sales folder
        (its file's or the cash server's), its sales file, both in the caller's
        transaction."""
        outbox.put(session, self.channel, doc_type, body)
        if self.ctx.services.exchange.writes_sales(session):
            from ukm_actors.nodes.till.exchange.sales import enqueue

            enqueue(session, doc_type, body)

    def tz(self) -> tzinfo:
        """The store's time zone (the config's, else the server's store record's)."""
        name = self.settings.timezone
        if not name:
            store = self.catalog.store()
            name = store.timezone if store is not None else ""
        return zone(name)

    def now(self) -> datetime:
        return self.clock.now()

    def local(self, at: datetime) -> str:
        """``at`` as the store's wall-clock text."""
        return local_text(at, self.tz())

    def local_now(self) -> datetime:
        """The store's wall-clock time now (naive)."""
        return self.now().astimezone(self.tz()).replace(tzinfo=None)

    def utc(self, at: datetime) -> str:
        return utc_text(at)

    def header(self) -> tuple[str, ...]:
        return _lines(self.catalog.setting("header", self.settings.header))

    def footer(self) -> tuple[str, ...]:
        return _lines(self.catalog.setting("footer", self.settings.footer))

    def weight_layout(self) -> WeightBarcodeLayout:
        """The weight barcode layout (the server's setting, else the config's)."""
        pattern = str(self.catalog.setting("weight_barcode", self.settings.weight_barcode))
        prefixes = str(self.catalog.setting("weight_prefixes", self.settings.weight_prefixes))
        cached = self._layout
        if cached is not None and cached[:3] == (self.catalog.version, pattern, prefixes):
            return cached[3]
        try:
            layout = WeightBarcodeLayout.parse(pattern, prefixes)
        except BarcodeLayoutError as exc:
            log.error("weight barcode layout %r/%r refused: %s", pattern, prefixes, exc)
            layout = WeightBarcodeLayout.parse(
                self.settings.weight_barcode, self.settings.weight_prefixes
            )
        self._layout = (self.catalog.version, pattern, prefixes, layout)
        return layout

    def card_price_types(self) -> frozenset[str]:
        """Price types listed as loyalty-card prices (the server's setting, else the config's)."""
        value = self.catalog.setting("card_price_types", self.settings.card_price_types)
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            return frozenset()
        return frozenset(str(v).strip() for v in value if str(v).strip())

    def is_card_price(self, add: AddPrice) -> bool:
        """True for a price sold only with a loyalty card on the receipt: its type is listed
        in ``card_price_types`` or its name mentions a card ("Цена по карте")."""
        return add.price_type in self.card_price_types() or bool(CARD_WORDS.search(add.name))

    def notify_server(self) -> None:
        """Wake the bridge's sender after documents were committed (if there is a bridge)."""
        if not self.ctx.services.is_set("bridge"):
            return
        try:
            self.ctx.services.bridge.notify(self.channel)
        except Exception:
            log.exception("could not notify the bridge")
