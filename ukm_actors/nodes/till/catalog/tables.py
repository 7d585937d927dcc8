"""The till's copy of the server's directories, for its own store only.

Filled by the ``catalog.full`` / ``catalog.delta`` appliers
(``ukm_actors.nodes.till.catalog.apply``); read by the sale and by the
``prices.lookup`` ask. Keys are the catalog document's key fields.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.till.tables import TillBase


class CatStore(TillBase):
    """The till's store (one row)."""

    __tablename__ = "till_cat_store"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")


class CatTax(TillBase):
    __tablename__ = "till_cat_tax"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)


class CatTaxGroup(TillBase):
    __tablename__ = "till_cat_taxgroup"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str | None] = mapped_column(String(40))


class CatGroup(TillBase):
    """A node of the item hierarchy."""

    __tablename__ = "till_cat_group"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")


class CatItem(TillBase):
    """An item. ``step`` is the quantity step (thousandths), ``weighted`` sold by weight."""

    __tablename__ = "till_cat_item"

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


class CatBarcode(TillBase):
    """A barcode of an item; scanning it adds ``quantity`` (thousandths) of the item."""

    __tablename__ = "till_cat_barcode"

    barcode: Mapped[str] = mapped_column(String(64), primary_key=True)
    article: Mapped[str] = mapped_column(String(40), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1000)


class CatPrice(TillBase):
    """The item's price in this store, kopecks."""

    __tablename__ = "till_cat_price"

    article: Mapped[str] = mapped_column(String(40), primary_key=True)
    price: Mapped[int] = mapped_column(BigInteger)


class CatAddPrice(TillBase):
    """An additional price of an item (the cashier chooses it at the sale)."""

    __tablename__ = "till_cat_addprice"

    article: Mapped[str] = mapped_column(String(40), primary_key=True)
    price_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[int] = mapped_column(BigInteger)


class CatCashier(TillBase):
    """A cashier: ``rights`` is a JSON list of right names; ``card`` an optional login card."""

    __tablename__ = "till_cat_cashier"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    inn: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    rights: Mapped[str] = mapped_column(Text, default="[]")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    card: Mapped[str | None] = mapped_column(String(64), index=True)


class CatSeller(TillBase):
    __tablename__ = "till_cat_seller"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class CatTimeRule(TillBase):
    """No sale of the item (or group) between ``start`` and ``end`` ("HH:MM"), on ``days``."""

    __tablename__ = "till_cat_timerule"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    article: Mapped[str | None] = mapped_column(String(40))
    group_id: Mapped[str | None] = mapped_column(String(40))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
    days: Mapped[str | None] = mapped_column(String(40))
    """JSON list of weekdays (0 = Monday), or NULL for every day."""
    message: Mapped[str] = mapped_column(Text)


class CatAgeRule(TillBase):
    __tablename__ = "till_cat_agerule"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    article: Mapped[str | None] = mapped_column(String(40))
    group_id: Mapped[str | None] = mapped_column(String(40))
    min_age: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class CatSetting(TillBase):
    """A till setting sent by the server; ``value`` is JSON."""

    __tablename__ = "till_cat_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


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
