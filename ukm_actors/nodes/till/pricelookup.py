"""Feature "pricelookup": the ``prices.lookup`` ask for the price-checker module.

``{"barcode": "4600000000015"}`` → ``{"found": true, "article", "name",
"price" (kopecks), "measure"}``, or ``{"found": false, "barcode"}``. A
weight barcode is answered for its item (the price per kilogram). Read-only
primary-key lookups on the till's catalog: well under a millisecond on
200,000 items.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.bridge.policy import Subject
from ukm_actors.domain.barcodes import BarcodeError, decode_weight_barcode
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.sale.errors import BadRequest
from ukm_actors.nodes.till.services import TillContext

ASK = "prices.lookup"


def lookup(ctx: TillContext, barcode: str) -> dict[str, Any]:
    """The price-checker's answer for ``barcode``."""
    catalog = ctx.services.catalog
    code = barcode.strip()
    with ctx.require_db().read() as session:
        hit = catalog.find_barcode(code, session)
        article = hit[0] if hit is not None else None
        if article is None:
            try:
                weight = decode_weight_barcode(code, ctx.services.sale_env.weight_layout())
            except BarcodeError:
                weight = None
            if weight is not None:
                article = weight.item_code
                if catalog.item(article, session) is None:
                    article = weight.item_code.lstrip("0") or "0"
        item = catalog.item(article, session) if article is not None else None
    if item is None or item.price is None:
        return {"found": False, "barcode": code}
    return {
        "found": True,
        "barcode": code,
        "article": item.article,
        "name": item.name,
        "price": item.price,
        "measure": item.measure,
    }


def setup(ctx: TillContext) -> None:
    def handle(message: dict[str, Any], peer_id: str) -> dict[str, Any]:
        barcode = message.get("barcode")
        if not isinstance(barcode, str) or not barcode.strip():
            raise BadRequest('prices.lookup needs {"barcode": "..."}')
        return lookup(ctx, barcode)

    store = Subject.of(ctx.config.till.store)
    ctx.asks.register(ASK, handle, lambda _message: store)


FEATURE = Feature(__name__, setup=setup, uses=("catalog", "sale_env"))
