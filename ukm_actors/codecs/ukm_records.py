"""Records read from (and written to) UKM import files.

Plain frozen values: money in kopecks (``Money``), quantities in thousandths
(``Quantity``), never floats. Codes from the trade system (articles, group
ids, store codes ...) stay strings so leading zeros survive. Records of
store-scoped types carry the store code from the root ``storeId``.

``deleted`` is true only for records of incremental files marked
``<deleted>1</deleted>``; for such records only the key fields are
meaningful, the others hold neutral defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from ukm_actors.domain.money import ONE, Money, Quantity


@dataclass(frozen=True, slots=True)
class ImportInfo:
    """What an import file's root says: type (= root tag), fullness, version, store.

    ``file`` is the file's name; ``store_id`` is ``None`` for chain-wide types.
    """

    type: str
    fullness: str
    version: str | None
    store_id: str | None
    file: str


@dataclass(frozen=True, slots=True)
class BarcodeRecord:
    """One barcode of an item; a scan means ``quantity`` of the item (1000 = one unit)."""

    barcode: str
    quantity: Quantity = ONE


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """An item of ``updateItems``.

    ``measprec`` is the text of ``<measprec>`` exactly as received (its meaning
    is not documented; ``None`` when absent): whether the item is weighed, and
    its quantity step, are decided by the loader from the unit and a
    configured rule (``ukm_actors.domain.units``).
    """

    article: str
    name: str
    measure: str
    measprec: str | None
    group_id: str
    taxgroup_id: str
    egais_type: int = 0
    alc_codes: tuple[str, ...] = ()
    sub_excise: bool = False
    barcodes: tuple[BarcodeRecord, ...] = ()
    min_price: Money | None = None
    age_limit: int | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class ClassifRecord:
    """A group of the item hierarchy; ``parent_id`` is ``None`` for a top group."""

    id: str
    parent_id: str | None
    name: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class TaxRecord:
    """A tax rate; ``rate_bp`` in basis points (2000 = 20%)."""

    id: str
    name: str
    rate_bp: int
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class TaxGroupRecord:
    """A tax group items refer to by ``taxgroupId``; it applies tax ``tax_id``."""

    id: str
    name: str
    tax_id: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class RegionRecord:
    """A region (``regions``, incremental only)."""

    id: str
    name: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class StoreTypeRecord:
    """A store type (``storeTypes``, incremental only)."""

    id: str
    name: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class StoreRecord:
    """A store; ``id`` is its code in the trade system (letters and digits)."""

    id: str
    name: str
    region_id: str | None = None
    store_type_id: str | None = None
    timezone: str = "Europe/Moscow"
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class CashierRecord:
    """A cashier of one store; rights come from the role ``role_id``."""

    store_id: str
    id: int
    name: str
    role_id: int
    inn: str | None
    password: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class SellerRecord:
    """A seller (sales consultant) of one store."""

    store_id: str
    id: str
    name: str
    inn: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class PriceRecord:
    """The price of an item in one store."""

    store_id: str
    article: str
    price: Money
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class AdditionalPriceRecord:
    """An additional price of an item in one store (e.g. a card price), keyed by type."""

    store_id: str
    article: str
    price_type: str
    name: str
    price: Money
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class TimeRestrictionRecord:
    """No sale between ``start`` and ``end`` (``"HH:MM"``, store-local; may cross midnight).

    Applies to one item (``article``), one group (``group_id``), or the whole
    store when both are ``None``. ``days`` lists ISO weekdays as digits
    (``"12345"`` = Monday to Friday); ``None`` means every day.
    """

    store_id: str
    id: str | None
    article: str | None
    group_id: str | None
    start: str
    end: str
    days: str | None = None
    message: str = ""
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class AgeRestrictionRecord:
    """Sale only to buyers of ``min_age`` years or more (item, group, or whole store)."""

    store_id: str
    id: str | None
    article: str | None
    group_id: str | None
    min_age: int
    message: str = ""
    deleted: bool = False


ImportRecord = (
    ItemRecord
    | ClassifRecord
    | TaxRecord
    | TaxGroupRecord
    | RegionRecord
    | StoreTypeRecord
    | StoreRecord
    | CashierRecord
    | SellerRecord
    | PriceRecord
    | AdditionalPriceRecord
    | TimeRestrictionRecord
    | AgeRestrictionRecord
)
"""Any record an import file yields."""
