"""The till's copy of the server's directories, for its own store only.

Filled by the ``catalog.full`` / ``catalog.delta`` appliers
(``ukm_actors.nodes.till.catalog.apply``); read by the sale and by the
``prices.lookup`` ask. Keys are the catalog document's key fields.

Each table's columns are a mixin (``ItemColumns`` …), so that the staging
tables a full catalog is built in (``stagetables``) are the same tables under
other names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.till.tables import TillBase


class StoreColumns:
    """The till's store (one row)."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")


class CatStore(StoreColumns, TillBase):
    __tablename__ = "till_cat_store"


class TaxColumns:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)


class CatTax(TaxColumns, TillBase):
    __tablename__ = "till_cat_tax"


class TaxGroupColumns:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str | None] = mapped_column(String(40))


class CatTaxGroup(TaxGroupColumns, TillBase):
    __tablename__ = "till_cat_taxgroup"


class GroupColumns:
    """A node of the item hierarchy."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")


class CatGroup(GroupColumns, TillBase):
    __tablename__ = "till_cat_group"


class ItemColumns:
    """An item. ``step`` is the quantity step (thousandths), ``weighted`` sold by weight."""

    article: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    measure: Mapped[str] = mapped_column(String(20), default="шт")
    step: Mapped[int] = mapped_column(Integer, default=1000)
    weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[str | None] = mapped_column(String(40))
    taxgroup_id: Mapped[str | None] = mapped_column(String(40))
    min_price: Mapped[int] = mapped_column(BigInteger, default=0)
    age_limit: Mapped[int] = mapped_column(Integer, default=0)
    egais: Mapped[bool] = mapped_column(Boolean, default=False)
    sub_excise: Mapped[bool] = mapped_column(Boolean, default=False)


class CatItem(ItemColumns, TillBase):
    __tablename__ = "till_cat_item"


class BarcodeColumns:
    """A barcode of an item; scanning it adds ``quantity`` (thousandths) of the item."""

    barcode: Mapped[str] = mapped_column(String(64), primary_key=True)
    article: Mapped[str] = mapped_column(String(40), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1000)


class CatBarcode(BarcodeColumns, TillBase):
    __tablename__ = "till_cat_barcode"


class PriceColumns:
    """The item's price in this store, kopecks."""

    article: Mapped[str] = mapped_column(String(40), primary_key=True)
    price: Mapped[int] = mapped_column(BigInteger)


class CatPrice(PriceColumns, TillBase):
    __tablename__ = "till_cat_price"


class AddPriceColumns:
    """An additional price of an item (the cashier chooses it at the sale)."""

    article: Mapped[str] = mapped_column(String(40), primary_key=True)
    price_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[int] = mapped_column(BigInteger)


class CatAddPrice(AddPriceColumns, TillBase):
    __tablename__ = "till_cat_addprice"


class CashierColumns:
    """A cashier: ``rights`` is a JSON list of right names; ``card`` an optional login card."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    inn: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    rights: Mapped[str] = mapped_column(Text, default="[]")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    card: Mapped[str | None] = mapped_column(String(64), index=True)


class CatCashier(CashierColumns, TillBase):
    __tablename__ = "till_cat_cashier"


class SellerColumns:
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class CatSeller(SellerColumns, TillBase):
    __tablename__ = "till_cat_seller"


class TimeRuleColumns:
    """No sale of the item (or group) between ``start`` and ``end`` ("HH:MM"), on ``days``."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    article: Mapped[str | None] = mapped_column(String(40))
    group_id: Mapped[str | None] = mapped_column(String(40))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    days: Mapped[str | None] = mapped_column(String(40))
    """JSON list of weekdays (0 = Monday), or NULL for every day."""
    message: Mapped[str] = mapped_column(Text)


class CatTimeRule(TimeRuleColumns, TillBase):
    __tablename__ = "till_cat_timerule"


class AgeRuleColumns:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    article: Mapped[str | None] = mapped_column(String(40))
    group_id: Mapped[str | None] = mapped_column(String(40))
    min_age: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class CatAgeRule(AgeRuleColumns, TillBase):
    __tablename__ = "till_cat_agerule"


class SettingColumns:
    """A till setting sent by the server; ``value`` is JSON."""

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CatSetting(SettingColumns, TillBase):
    __tablename__ = "till_cat_setting"


class CatMeta(TillBase):
    """What catalog the till holds: one row, ``id`` = 1."""

    __tablename__ = "till_cat_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    """Grows by one with every catalog document applied."""
    full_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    applied_at: Mapped[str] = mapped_column(String(40), default="")


CATALOG_TABLES = (
    CatStore,
    CatTax,
    CatTaxGroup,
    CatGroup,
    CatItem,
    CatBarcode,
    CatPrice,
    CatAddPrice,
    CatCashier,
    CatSeller,
    CatTimeRule,
    CatAgeRule,
    CatSetting,
)
"""Every table a ``catalog.full`` replaces."""


def _core(model: Any) -> Table:
    table: Table = model.__table__
    return table


LIVE_OF: dict[str, Table] = {
    "store": _core(CatStore),
    "tax": _core(CatTax),
    "taxgroup": _core(CatTaxGroup),
    "group": _core(CatGroup),
    "item": _core(CatItem),
    "barcode": _core(CatBarcode),
    "price": _core(CatPrice),
    "addprice": _core(CatAddPrice),
    "cashier": _core(CatCashier),
    "seller": _core(CatSeller),
    "timerule": _core(CatTimeRule),
    "agerule": _core(CatAgeRule),
    "settings": _core(CatSetting),
}
"""Record kind → its table in the live catalog."""
