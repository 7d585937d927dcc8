"""What the till's other features may use of its catalog: this module, nothing deeper.

The sale, the price lookups, the promotions and the screens read the
catalog through ``TillCatalog`` (``ctx.services.catalog``): items by
barcode or article (``find_barcode``, ``item``, ``item_by_barcode``), an
item's additional prices, its time and age rules, the store, its tax rates,
cashiers and sellers, the settings the server pushed; ``reading()`` gives a
``Reader`` to do several reads in one transaction. The answers are the small
frozen records below. The tables, the appliers of catalog documents and
their bulk writes stay inside the package.
"""

from __future__ import annotations

from ukm_actors.nodes.till.catalog.lookup import (
    AddPrice,
    CashierRecord,
    CatalogItem,
    Reader,
    StoreInfo,
    TillCatalog,
)

__all__ = ["AddPrice", "CashierRecord", "CatalogItem", "Reader", "StoreInfo", "TillCatalog"]
