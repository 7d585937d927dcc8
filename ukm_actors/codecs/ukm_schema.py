"""The import side of the UKM exchange as tables: types, fullness, tag names.

Everything a trade system may spell differently lives here, so that fixing a
tag after seeing a real file is a one-line change. ``docs/exchange.md``
says which entries are documented by the vendor ([DOC]) and which are our
provisional choice ([INF]).
"""

from __future__ import annotations

from dataclasses import dataclass

FULL = "F"
INCREMENTAL = "I"

ROOT_FULLNESS = "fullness"
ROOT_STORE_ID = "storeId"
VERSION_TAG = "version"


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One information type: root tag (= file prefix), allowed fullness, records.

    ``records`` are keys of :data:`RECORD_TAGS` allowed directly under the
    root; an empty tuple means we know the type exists but do not read it.
    ``version`` is what our writer puts in ``<version>``.
    """

    name: str
    fullness: frozenset[str]
    store_scoped: bool
    records: tuple[str, ...]
    version: str = "1.0"

    @property
    def supported(self) -> bool:
        """True when this codec can read and write files of the type."""
        return bool(self.records)

    @property
    def incremental_only(self) -> bool:
        """True for types that only ever come as ``I`` files (regions, stores ...)."""
        return self.fullness == frozenset({INCREMENTAL})


_F = frozenset({FULL})
_I = frozenset({INCREMENTAL})
_FI = frozenset({FULL, INCREMENTAL})

IMPORT_TYPES: dict[str, TypeSpec] = {
    spec.name: spec
    for spec in (
        # chain-wide, in load order ([DOC] fullness; order [INF])
        TypeSpec("regions", _I, False, ("region",)),
        TypeSpec("storeTypes", _I, False, ("storeType",)),
        TypeSpec("stores", _I, False, ("store",)),
        TypeSpec("taxes", _F, False, ("tax", "taxGroup")),
        TypeSpec("classif", _F, False, ("group",)),
        TypeSpec("updateItems", _FI, False, ("item",), version="1.5"),
        TypeSpec("barcodeProperty", _F, False, ()),
        TypeSpec("properties", _F, False, ()),
        TypeSpec("kit", _FI, False, ()),
        TypeSpec("picklists", _FI, False, ()),
        TypeSpec("stocks", _F, False, ()),
        TypeSpec("TNVDCode", _F, False, ()),
        # store-scoped: storeCashiers [OBS, F seen; I accepted], the rest ours [INF]
        TypeSpec("storeCashiers", _FI, True, ("cashier",)),
        TypeSpec("storeSellers", _FI, True, ("seller",)),
        TypeSpec("storePrices", _FI, True, ("price", "additionalPrice")),
        TypeSpec("storeRestrictions", _F, True, ("timeRestriction", "ageRestriction")),
    )
}
"""Every known type, in the order files of different types are loaded."""

LOAD_ORDER: tuple[str, ...] = tuple(IMPORT_TYPES)
"""Type names, references first: a type may refer only to types before it."""

DELETED = "deleted"
"""Attribute name (in every record table) of the ``<deleted>1</deleted>`` flag."""

RECORD_TAGS: dict[str, dict[str, str]] = {
    # record kind: {"element": record tag, attribute: child tag, ...}
    "item": {
        "element": "item",
        "article": "article",
        "name": "name",
        "measure": "measure",
        "measprec": "measprec",
        "group_id": "groupId",
        "egais_type": "egaisType",
        "alc_codes": "ProductAlcCodes",
        "taxgroup_id": "taxgroupId",
        "barcodes": "barcode",
        "sub_excise": "SubExcise",
        "min_price": "minPrice",
        "age_limit": "ageLimit",
        "deleted": "deleted",
    },
    "barcode": {"element": "barcode", "barcode": "id", "quantity": "quantity"},
    "alc_code": {"element": "code"},
    "group": {
        "element": "group",
        "id": "id",
        "parent_id": "parentId",
        "name": "name",
        "deleted": "deleted",
    },
    "tax": {"element": "tax", "id": "id", "name": "name", "rate_bp": "rate", "deleted": "deleted"},
    "taxGroup": {
        "element": "taxGroup",
        "id": "id",
        "name": "name",
        "tax_id": "taxId",
        "deleted": "deleted",
    },
    "region": {"element": "region", "id": "id", "name": "name", "deleted": "deleted"},
    "storeType": {"element": "storeType", "id": "id", "name": "name", "deleted": "deleted"},
    "store": {
        "element": "store",
        "id": "id",
        "name": "name",
        "region_id": "regionId",
        "store_type_id": "storeTypeId",
        "timezone": "timezone",
        "deleted": "deleted",
    },
    "cashier": {
        "element": "cashier",
        "role_id": "roleId",
        "id": "id",
        "name": "name",
        "inn": "INN",
        "password": "password",
        "deleted": "deleted",
    },
    "seller": {"element": "seller", "id": "id", "name": "name", "inn": "INN", "deleted": "deleted"},
    "price": {"element": "price", "article": "article", "price": "value", "deleted": "deleted"},
    "additionalPrice": {
        "element": "additionalPrice",
        "article": "article",
        "price_type": "priceType",
        "name": "name",
        "price": "value",
        "deleted": "deleted",
    },
    "timeRestriction": {
        "element": "timeRestriction",
        "id": "id",
        "article": "article",
        "group_id": "groupId",
        "start": "from",
        "end": "to",
        "days": "days",
        "message": "message",
        "deleted": "deleted",
    },
    "ageRestriction": {
        "element": "ageRestriction",
        "id": "id",
        "article": "article",
        "group_id": "groupId",
        "min_age": "minAge",
        "message": "message",
        "deleted": "deleted",
    },
}
"""Tag names per record kind. Rename a tag here and both reader and writer follow."""


RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "item": ("article",),
    "barcode": ("barcode",),
    "price": ("article",),
    "additionalPrice": ("article", "price_type"),
    "timeRestriction": (),
    "ageRestriction": (),
}
"""Key attributes per record kind (default ``("id",)``): the fields a deleted record
still needs, and all our writer puts in one."""


def record_keys_of(kind: str) -> tuple[str, ...]:
    """The key attributes of record kind ``kind``."""
    return RECORD_KEYS.get(kind, ("id",))


def tag(kind: str, attr: str) -> str:
    """The XML tag of attribute ``attr`` of record kind ``kind``."""
    return RECORD_TAGS[kind][attr]


def element_kinds(type_name: str) -> dict[str, str]:
    """Record element tag → record kind for the records of one type."""
    return {RECORD_TAGS[kind]["element"]: kind for kind in IMPORT_TYPES[type_name].records}
