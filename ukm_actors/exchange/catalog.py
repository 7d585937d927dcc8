"""UKM import records as catalog records: what a till stores of each import type.

The cash server loads import files into its own directories and sends the
tills catalog documents (``codecs.catalogdoc``); a till that reads the trade
system's files itself (a decentralised store) turns the same parsed records
(``codecs.ukm_import.open_import``, the one parser) into the same catalog
records with :func:`to_catalog`, and applies them with the same code that
applies the server's documents. The rules both sides share live here:

- an item's unit and ``<measprec>`` decide weighed/step (``domain.units.WeighRule``);
- a cashier's rights come from its role (``domain.rights.DEFAULT_ROLES`` on a
  till; the server's roles table, seeded with the same roles, on the server);
- a restriction's id is ``"<store>:<code>"`` (``"*:<code>"`` chain-wide), its
  code the file's ``<id>`` or a digest of its fields (:func:`rule_code`);
- weekdays: ISO digits in the file ("12345"), 0 (Monday) … 6 in a catalog record.

:data:`REPLACES` says which catalog kinds a full file of each type replaces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping

from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.codecs.ukm_records import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    CashierRecord,
    ClassifRecord,
    ImportRecord,
    ItemRecord,
    PriceRecord,
    SellerRecord,
    StoreRecord,
    TaxGroupRecord,
    TaxRecord,
    TimeRestrictionRecord,
)
from ukm_actors.domain.passwords import hash_cashier_password
from ukm_actors.domain.rights import Right
from ukm_actors.domain.units import WeighRule

REPLACES: dict[str, tuple[str, ...]] = {
    "stores": ("store",),
    "taxes": ("tax", "taxgroup"),
    "classif": ("group",),
    "updateItems": ("item", "barcode"),
    "storeCashiers": ("cashier",),
    "storeSellers": ("seller",),
    "storePrices": ("price", "addprice"),
    "storeRestrictions": ("timerule", "agerule"),
}
"""Import type → the catalog kinds it carries (a full file replaces all of them).
``regions`` and ``storeTypes`` are read and not kept by a till."""


def text_digest(text: str) -> int:
    """A stable signed 64-bit hash of ``text``, for change detection (never 0)."""
    value = int.from_bytes(
        hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True
    )
    return value or 1


def digest(*parts: object) -> int:
    """:func:`text_digest` of ``parts`` (their ``str``; ``None`` as empty)."""
    return text_digest("\x1f".join("" if p is None else str(p) for p in parts))


def rule_id(store: str, code: str) -> str:
    """The id a till knows a restriction by: ``"17:T1"``, or ``"*:C3"`` for chain-wide rules."""
    return f"{store or '*'}:{code}"


def rule_code(r: TimeRestrictionRecord | AgeRestrictionRecord) -> str:
    """A restriction's code: its ``<id>``, or a digest of what it says when it has none."""
    if r.id:
        return r.id
    if isinstance(r, TimeRestrictionRecord):
        value = digest("time", r.article, r.group_id, r.start, r.end, r.days)
    else:
        value = digest("age", r.article, r.group_id, r.min_age)
    return "h" + format(value & (2**40 - 1), "x")


def weekdays(days: str | None) -> list[int] | None:
    """ISO weekday digits ("12345") as catalog weekdays (0 = Monday); ``None`` = every day."""
    return None if days is None else [int(d) - 1 for d in days]


class Converter:
    """Turns the records of one file into catalog records for the till of ``store``.

    ``roles`` maps a role id to its rights (names); a cashier of an unknown
    role gets no rights and the caller is told through :attr:`unknown_roles`.
    """

    def __init__(
        self, weighing: WeighRule, roles: Mapping[int, frozenset[Right]], store: str
    ) -> None:
        self.weighing = weighing
        self.roles = roles
        self.store = store
        self.unknown_roles: set[int] = set()
        self.unread_measprec = 0

    def convert(self, r: ImportRecord) -> Iterator[CatalogRecord]:
        """The catalog records of one import record (none for kinds a till does not keep)."""
        if isinstance(r, ItemRecord):
            yield self._item(r)
        elif isinstance(r, TaxRecord):
            yield _put_or_del("tax", r.deleted, id=r.id, name=r.name, rate_bp=r.rate_bp)
        elif isinstance(r, TaxGroupRecord):
            yield _put_or_del("taxgroup", r.deleted, id=r.id, name=r.name, tax_id=r.tax_id)
        elif isinstance(r, ClassifRecord):
            yield _put_or_del("group", r.deleted, id=r.id, parent_id=r.parent_id, name=r.name)
        elif isinstance(r, StoreRecord):
            if r.id == self.store:
                yield _put_or_del("store", r.deleted, code=r.id, name=r.name, timezone=r.timezone)
        elif isinstance(r, CashierRecord):
            yield self._cashier(r)
        elif isinstance(r, SellerRecord):
            yield _put_or_del("seller", r.deleted, code=r.id, name=r.name)
        elif isinstance(r, PriceRecord):
            yield _put_or_del("price", r.deleted, article=r.article, price=r.price)
        elif isinstance(r, AdditionalPriceRecord):
            yield _put_or_del(
                "addprice",
                r.deleted,
                article=r.article,
                price_type=r.price_type,
                name=r.name,
                price=r.price,
            )
        elif isinstance(r, TimeRestrictionRecord | AgeRestrictionRecord):
            yield self._rule(r)

    def _item(self, r: ItemRecord) -> CatalogRecord:
        if r.deleted:
            return CatalogRecord("del", "item", {"article": r.article})
        unit = self.weighing.decide(r.measure, r.measprec)
        self.unread_measprec += unit.unread
        return CatalogRecord(
            "put",
            "item",
            {
                "article": r.article,
                "name": r.name,
                "measure": r.measure,
                "step": unit.step,
                "weighted": unit.weighed,
                "group_id": r.group_id or None,
                "taxgroup_id": r.taxgroup_id or None,
                "min_price": r.min_price or 0,
                "age_limit": r.age_limit or 0,
                "egais": bool(r.egais_type),
                "egais_type": r.egais_type,
                "alc_codes": list(r.alc_codes),
                "sub_excise": r.sub_excise,
                "barcodes": sorted([b.barcode, b.quantity] for b in r.barcodes),
            },
        )

    def _cashier(self, r: CashierRecord) -> CatalogRecord:
        if r.deleted:
            return CatalogRecord("del", "cashier", {"code": str(r.id)})
        rights = self.roles.get(r.role_id)
        if rights is None:
            self.unknown_roles.add(r.role_id)
        return CatalogRecord(
            "put",
            "cashier",
            {
                "code": str(r.id),
                "name": r.name,
                "inn": r.inn,
                "password_hash": hash_cashier_password(r.password),
                "role_id": r.role_id,
                "rights": sorted(x.value for x in rights or ()),
                "enabled": True,
            },
        )

    def _rule(self, r: TimeRestrictionRecord | AgeRestrictionRecord) -> CatalogRecord:
        kind = "timerule" if isinstance(r, TimeRestrictionRecord) else "agerule"
        rid = rule_id(r.store_id, rule_code(r))
        if r.deleted:
            return CatalogRecord("del", kind, {"id": rid})
        data: dict[str, object] = {
            "id": rid,
            "article": r.article,
            "group_id": r.group_id,
            "message": r.message,
        }
        if isinstance(r, TimeRestrictionRecord):
            data.update(start=r.start, end=r.end, days=weekdays(r.days))
        else:
            data["min_age"] = r.min_age
        return CatalogRecord("put", kind, data)


_KEYS = {
    "tax": ("id",),
    "taxgroup": ("id",),
    "group": ("id",),
    "store": ("code",),
    "seller": ("code",),
    "price": ("article",),
    "addprice": ("article", "price_type"),
}


def _put_or_del(kind: str, deleted: bool, **data: object) -> CatalogRecord:
    if deleted:
        return CatalogRecord("del", kind, {k: data[k] for k in _KEYS[kind]})
    return CatalogRecord("put", kind, dict(data))
