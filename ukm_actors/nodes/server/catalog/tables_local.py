"""Per-store directories: prices, additional prices, cashiers and their roles, sellers,
sale restrictions, tills.

Rows that come from the trade system carry ``source = "import"``; rows an
employee created through the admin API carry ``"admin"``. A full import
file replaces only the imported rows of its store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.catalog.tables import CODE, STORE_CODE
from ukm_actors.nodes.server.tables import ServerBase

IMPORT = "import"
ADMIN = "admin"
CHAIN = ""
"""The store value of chain-wide rows (restrictions for every store)."""


class Price(ServerBase):
    """The shelf price of an item in one store, in kopecks."""

    __tablename__ = "catalog_price"

    store: Mapped[str] = mapped_column(String(STORE_CODE), primary_key=True)
    article: Mapped[str] = mapped_column(
        String(CODE),
        ForeignKey("catalog_item.article", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    price: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class AdditionalPrice(ServerBase):
    """One more price of an item in a store that the cashier may choose (card price, tobacco)."""

    __tablename__ = "catalog_addprice"

    store: Mapped[str] = mapped_column(String(STORE_CODE), primary_key=True)
    article: Mapped[str] = mapped_column(
        String(CODE),
        ForeignKey("catalog_item.article", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    price_type: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class CashierRole(ServerBase):
    """A role cashiers are given (``roleId`` in ``storeCashiers``); rights are right names."""

    __tablename__ = "catalog_cashier_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    rights: Mapped[str] = mapped_column(Text, default="")
    """Comma-separated ``ukm_actors.domain.rights.Right`` values."""
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Cashier(ServerBase):
    """A cashier of one store. ``rights`` set = this cashier's own rights instead of the role's."""

    __tablename__ = "catalog_cashier"

    store: Mapped[str] = mapped_column(String(STORE_CODE), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    role_id: Mapped[int] = mapped_column(Integer, index=True)
    inn: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(200))
    rights: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(10), default=IMPORT)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Seller(ServerBase):
    """A seller (sales consultant) of one store; ``id`` is what receipt lines carry."""

    __tablename__ = "catalog_seller"

    store: Mapped[str] = mapped_column(String(STORE_CODE), primary_key=True)
    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    inn: Mapped[str | None] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Restriction(ServerBase):
    """A sale restriction: ``kind`` "time" (no sale from ``time_from`` to ``time_to``) or "age".

    Applies to one item (``article``), one group (``group_id``) or every
    item (neither), in one store (``store``) or everywhere (``store`` = "").
    ``code`` is the trade system's id, or ours for rules made in the admin API.
    """

    __tablename__ = "catalog_restriction"
    __table_args__ = (UniqueConstraint("store", "kind", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(STORE_CODE), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    code: Mapped[str] = mapped_column(String(CODE))
    article: Mapped[str | None] = mapped_column(String(CODE))
    group_id: Mapped[str | None] = mapped_column(String(CODE))
    time_from: Mapped[str | None] = mapped_column(String(5))
    """Start of the forbidden window, store-local ``HH:MM`` (time rules)."""
    time_to: Mapped[str | None] = mapped_column(String(5))
    """End of the window (not included); may be earlier than ``time_from`` (crosses midnight)."""
    days: Mapped[str | None] = mapped_column(String(7))
    """ISO weekdays as digits, ``"67"`` = Saturday and Sunday; None = every day."""
    min_age: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default=IMPORT)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class Till(ServerBase):
    """A till of a store; ``node_id`` is ``till-<store>-<number>``, its bridge peer id.

    ``settings`` is JSON: receipt ``header`` and ``footer`` lines, ``devices``,
    ``timeouts`` and anything else the till reads from its catalog. With a
    ``type_id`` the till gets its type's settings, its own ones winning.
    """

    __tablename__ = "catalog_till"
    __table_args__ = (UniqueConstraint("store", "number"),)

    node_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    store: Mapped[str] = mapped_column(String(STORE_CODE), index=True)
    number: Mapped[int] = mapped_column(Integer)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    type_id: Mapped[str | None] = mapped_column(String(40), index=True)


class TillType(ServerBase):
    """A till type: settings shared by every till of the type (a till's own settings win)."""

    __tablename__ = "catalog_till_type"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[str] = mapped_column(Text, default="{}")
    version: Mapped[int] = mapped_column(BigInteger, default=0)
