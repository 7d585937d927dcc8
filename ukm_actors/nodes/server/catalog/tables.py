"""Chain-wide directories: stores, regions, store types, taxes, the item hierarchy, items.

Every key is the trade system's own code (store code, article, group id,
tax group id ...), so files and documents speak the same language.
References that come from the trade system (an item's group, its tax
group) are checked by the loader, not by foreign keys: a full ``classif``
file may drop a group before the ``updateItems`` file that moves its
items is loaded. Barcodes, prices and additional prices do belong to an
item and go with it (``ON DELETE CASCADE``).

``version`` on every row is the id of the change (``catalog_load``) that
last changed it; the publisher sends the rows of one version as a delta.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.tables import ServerBase

CODE = 40
STORE_CODE = 100


class Region(ServerBase):
    __tablename__ = "catalog_region"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class StoreType(ServerBase):
    __tablename__ = "catalog_store_type"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Store(ServerBase):
    """A store, known by its code in the trade system (letters and digits)."""

    __tablename__ = "catalog_store"

    code: Mapped[str] = mapped_column(String(STORE_CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    region_id: Mapped[str | None] = mapped_column(String(CODE))
    store_type_id: Mapped[str | None] = mapped_column(String(CODE))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    """False once the trade system deleted the store (its history stays)."""
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Tax(ServerBase):
    __tablename__ = "catalog_tax"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    rate_bp: Mapped[int] = mapped_column(Integer)
    """Rate in basis points: 2000 = 20%."""
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class TaxGroup(ServerBase):
    __tablename__ = "catalog_tax_group"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    tax_id: Mapped[str] = mapped_column(String(CODE))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Group(ServerBase):
    """A group of the item hierarchy (``classif``); ``parent_id`` None = top level."""

    __tablename__ = "catalog_group"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(String(CODE))
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Item(ServerBase):
    """An item; quantities in thousandths, money in kopecks. ``measprec`` is the text the
    trade system sent (meaning undocumented); ``step`` and ``weighted`` are what the server
    decided from the unit and its rule (``domain.units``)."""

    __tablename__ = "catalog_item"

    article: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_lc: Mapped[str] = mapped_column(Text)
    """The name in lower case, for case-insensitive search in any alphabet."""
    measure: Mapped[str] = mapped_column(String(CODE))
    measprec: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer, default=1000)
    """Quantity step in thousandths (1000 = whole units, 1 = grams)."""
    weighted: Mapped[bool] = mapped_column(Boolean)
    group_id: Mapped[str] = mapped_column(String(CODE))
    taxgroup_id: Mapped[str] = mapped_column(String(CODE))
    egais_type: Mapped[int] = mapped_column(Integer, default=0)
    alc_codes: Mapped[str] = mapped_column(Text, default="")
    """EGAIS alcohol codes, comma-separated."""
    sub_excise: Mapped[bool] = mapped_column(Boolean, default=False)
    min_price: Mapped[int | None] = mapped_column(BigInteger)
    age_limit: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[int] = mapped_column(BigInteger)
    """64-bit hash of everything above and the barcodes: unchanged items are not rewritten."""
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Barcode(ServerBase):
    """A barcode of an item; one scan means ``quantity`` thousandths of the item."""

    __tablename__ = "catalog_barcode"

    barcode: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    article: Mapped[str] = mapped_column(
        String(CODE), ForeignKey("catalog_item.article", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, default=1000)
