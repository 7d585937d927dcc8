"""A loyalty card on the receipt and the items' loyalty-card prices.

An item's additional price is a *card price* when ``SaleEnv.is_card_price``
says so (its type is in ``card_price_types`` or its name mentions a card).
It is never offered without a card on the receipt; when a card comes, lines
of items whose only additional price is a card price switch to it, and when
the card is taken off, lines at a card price go back to the store price.
"""

from __future__ import annotations

from ukm_actors.domain.receipt import Receipt, set_price
from ukm_actors.nodes.till.catalog.public import TillCatalog
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.items import card_price


def with_card_prices(receipt: Receipt, catalog: TillCatalog, env: SaleEnv, card: bool) -> Receipt:
    """``receipt`` with its lines at the prices a card (``card``) or no card gives."""
    if receipt.payments:
        return receipt
    out = receipt
    for line in receipt.active_lines:
        item = catalog.item(line.article)
        if item is None:
            continue
        if card and line.price_type is None:
            add = card_price(item, env)
            if add is not None:
                out = set_price(out, line.position, add.price, add.price_type, add.name or None)
        elif not card and line.price_type is not None:
            add = item.addprice(line.price_type)
            if add is not None and env.is_card_price(add) and item.price is not None:
                out = set_price(out, line.position, item.price, None)
    return out
