"""Turning one record element of an import file into a record.

Each ``read_<kind>`` takes the complete element (``<item>``, ``<cashier>``
...) and returns a frozen record or raises :class:`ImportFormatError`
naming the line and the field. Tag names come from
:data:`ukm_schema.RECORD_TAGS`; nothing here spells a tag. The common
field rules are in :mod:`ukm_fields`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable

from ukm_actors.codecs.ukm_fields import (
    MAX_STORE_CODE,
    Element,
    Fields,
    ReadContext,
    check_store_code,
)
from ukm_actors.codecs.ukm_records import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    BarcodeRecord,
    CashierRecord,
    ClassifRecord,
    ImportRecord,
    ItemRecord,
    PriceRecord,
    RegionRecord,
    SellerRecord,
    StoreRecord,
    StoreTypeRecord,
    TaxGroupRecord,
    TaxRecord,
    TimeRestrictionRecord,
)
from ukm_actors.codecs.ukm_schema import RECORD_TAGS

__all__ = ["READERS", "Element", "ReadContext", "check_store_code", "record_keys"]

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_ALC_SPLIT = re.compile(r"[\s,;]+")


def _barcodes(f: Fields) -> tuple[BarcodeRecord, ...]:
    out: list[BarcodeRecord] = []
    seen: set[str] = set()
    for el in f.children("barcodes"):
        b = Fields(el, "barcode", f.ctx, prefix=f"{f.path}/")
        code = b.code("barcode")
        if code in seen:
            raise b.fail("barcode", f"barcode {code} appears twice in this item")
        seen.add(code)
        out.append(BarcodeRecord(code, b.positive_quantity("quantity")))
    return tuple(out)


def _alc_codes(f: Fields) -> tuple[str, ...]:
    found = f.children("alc_codes")
    if not found:
        return ()
    if len(found) > 1:
        raise f.fail("alc_codes", "<ProductAlcCodes> appears twice", found[1].sourceline)
    el = found[0]
    codes = [c for c in _ALC_SPLIT.split(el.text or "") if c]
    for child in el:
        if isinstance(child.tag, str):
            codes.extend(c for c in _ALC_SPLIT.split("".join(child.itertext())) if c)
        codes.extend(c for c in _ALC_SPLIT.split(child.tail or "") if c)
    return tuple(codes)


def read_item(el: Element, ctx: ReadContext) -> ItemRecord:
    """An ``<item>`` of ``updateItems``."""
    f = Fields(el, "item", ctx)
    return ItemRecord(
        article=f.code("article"),
        name=f.text("name"),
        measure=f.text("measure"),
        measprec=f.positive_quantity("measprec"),
        group_id=f.code("group_id"),
        taxgroup_id=f.code("taxgroup_id"),
        egais_type=f.opt_integer("egais_type", 0, 99) or 0,
        alc_codes=_alc_codes(f),
        sub_excise=f.flag("sub_excise"),
        barcodes=_barcodes(f),
        min_price=f.opt_money("min_price"),
        age_limit=f.opt_integer("age_limit", 0, 150),
        deleted=f.deleted,
    )


def read_group(el: Element, ctx: ReadContext) -> ClassifRecord:
    """A ``<group>`` of ``classif``."""
    f = Fields(el, "group", ctx)
    group_id = f.code("id")
    parent = f.opt_code("parent_id")
    if parent is not None and parent == group_id:
        raise f.fail("parent_id", f"group {group_id} cannot be its own parent")
    return ClassifRecord(group_id, parent, f.text("name"), f.deleted)


def read_tax(el: Element, ctx: ReadContext) -> TaxRecord:
    """A ``<tax>`` of ``taxes``; ``<rate>`` is a percentage with up to 2 decimals."""
    f = Fields(el, "tax", ctx)
    rate = f.money("rate_bp")
    if rate > 10_000:
        raise f.fail("rate_bp", f"a tax rate of {rate / 100:.2f}% is above 100%")
    return TaxRecord(f.code("id"), f.text("name"), rate, f.deleted)


def read_tax_group(el: Element, ctx: ReadContext) -> TaxGroupRecord:
    """A ``<taxGroup>`` of ``taxes``."""
    f = Fields(el, "taxGroup", ctx)
    return TaxGroupRecord(f.code("id"), f.text("name"), f.code("tax_id"), f.deleted)


def read_region(el: Element, ctx: ReadContext) -> RegionRecord:
    """A ``<region>`` of ``regions``."""
    f = Fields(el, "region", ctx)
    return RegionRecord(f.code("id"), f.text("name"), f.deleted)


def read_store_type(el: Element, ctx: ReadContext) -> StoreTypeRecord:
    """A ``<storeType>`` of ``storeTypes``."""
    f = Fields(el, "storeType", ctx)
    return StoreTypeRecord(f.code("id"), f.text("name"), f.deleted)


def _timezone(f: Fields) -> str:
    value = f.opt_text("timezone")
    if value is None:
        return "Europe/Moscow"
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        message = f"{value!r} is not an IANA time zone name (e.g. Europe/Samara)"
        raise f.fail("timezone", message) from None
    return value


def read_store(el: Element, ctx: ReadContext) -> StoreRecord:
    """A ``<store>`` of ``stores``; ``<id>`` is the store's code in the trade system."""
    f = Fields(el, "store", ctx)
    code = f.code("id", MAX_STORE_CODE)
    problem = check_store_code(code) if code else None
    if problem is not None:
        raise f.fail("id", problem)
    return StoreRecord(
        id=code,
        name=f.text("name"),
        region_id=f.opt_code("region_id"),
        store_type_id=f.opt_code("store_type_id"),
        timezone=_timezone(f),
        deleted=f.deleted,
    )


def read_cashier(el: Element, ctx: ReadContext) -> CashierRecord:
    """A ``<cashier>`` of ``storeCashiers``."""
    f = Fields(el, "cashier", ctx)
    return CashierRecord(
        store_id=f.store_id(),
        id=f.integer("id"),
        name=f.text("name"),
        role_id=f.integer("role_id"),
        inn=f.inn("inn"),
        password=f.text("password"),
        deleted=f.deleted,
    )


def read_seller(el: Element, ctx: ReadContext) -> SellerRecord:
    """A ``<seller>`` of ``storeSellers``."""
    f = Fields(el, "seller", ctx)
    return SellerRecord(f.store_id(), f.code("id"), f.text("name"), f.inn("inn"), f.deleted)


def read_price(el: Element, ctx: ReadContext) -> PriceRecord:
    """A ``<price>`` of ``storePrices``."""
    f = Fields(el, "price", ctx)
    return PriceRecord(f.store_id(), f.code("article"), f.money("price"), f.deleted)


def read_additional_price(el: Element, ctx: ReadContext) -> AdditionalPriceRecord:
    """An ``<additionalPrice>`` of ``storePrices``."""
    f = Fields(el, "additionalPrice", ctx)
    return AdditionalPriceRecord(
        store_id=f.store_id(),
        article=f.code("article"),
        price_type=f.code("price_type"),
        name=f.opt_text("name") or "",
        price=f.money("price"),
        deleted=f.deleted,
    )


def _target(f: Fields) -> tuple[str | None, str | None]:
    article = f.opt_code("article")
    group_id = f.opt_code("group_id")
    if article is not None and group_id is not None:
        raise f.fail(
            "group_id",
            f"both <{f.tags['article']}> and <{f.tags['group_id']}> are given; a restriction "
            "applies to one item, one group, or (with neither) the whole store",
        )
    return article, group_id


def _time(f: Fields, attr: str) -> str:
    value = f.raw(attr, required=True)
    if value is None:
        return "00:00"
    m = _TIME.match(value)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise f.fail(attr, f"{value!r} is not a time of day; write HH:MM from 00:00 to 23:59")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _days(f: Fields) -> str | None:
    value = f.opt_text("days")
    if value is None:
        return None
    digits = value.replace(",", "").replace(" ", "")
    if not digits or any(d not in "1234567" for d in digits) or len(set(digits)) != len(digits):
        raise f.fail(
            "days", f"{value!r} is not a list of weekdays; write digits 1 (Monday) to 7 (Sunday)"
        )
    return "".join(sorted(digits))


def read_time_restriction(el: Element, ctx: ReadContext) -> TimeRestrictionRecord:
    """A ``<timeRestriction>`` of ``storeRestrictions``."""
    f = Fields(el, "timeRestriction", ctx)
    article, group_id = _target(f)
    start, end = _time(f, "start"), _time(f, "end")
    if start == end and not f.deleted:
        raise f.fail("end", f"from and to are both {start}; the restriction would cover no time")
    return TimeRestrictionRecord(
        store_id=f.store_id(),
        id=f.opt_code("id"),
        article=article,
        group_id=group_id,
        start=start,
        end=end,
        days=_days(f),
        message=f.opt_text("message") or "",
        deleted=f.deleted,
    )


def read_age_restriction(el: Element, ctx: ReadContext) -> AgeRestrictionRecord:
    """An ``<ageRestriction>`` of ``storeRestrictions``."""
    f = Fields(el, "ageRestriction", ctx)
    article, group_id = _target(f)
    return AgeRestrictionRecord(
        store_id=f.store_id(),
        id=f.opt_code("id"),
        article=article,
        group_id=group_id,
        min_age=f.integer("min_age", 1 if not f.deleted else 0, 150),
        message=f.opt_text("message") or "",
        deleted=f.deleted,
    )


READERS: dict[str, Callable[[Element, ReadContext], ImportRecord]] = {
    "item": read_item,
    "group": read_group,
    "tax": read_tax,
    "taxGroup": read_tax_group,
    "region": read_region,
    "storeType": read_store_type,
    "store": read_store,
    "cashier": read_cashier,
    "seller": read_seller,
    "price": read_price,
    "additionalPrice": read_additional_price,
    "timeRestriction": read_time_restriction,
    "ageRestriction": read_age_restriction,
}
"""Record kind → reader."""


def record_keys(kind: str, record: ImportRecord) -> list[tuple[str, str, object]]:
    """What must be unique within one file: ``(field path, label, key)`` triples."""
    tags = RECORD_TAGS[kind]
    el = tags["element"]
    if isinstance(record, ItemRecord):
        keys: list[tuple[str, str, object]] = [
            (f"{el}/{tags['article']}", "article", record.article)
        ]
        bc = f"{el}/{tags['barcodes']}/{RECORD_TAGS['barcode']['barcode']}"
        keys.extend((bc, "barcode", b.barcode) for b in record.barcodes)
        return keys
    if isinstance(record, PriceRecord):
        return [(f"{el}/{tags['article']}", "price of article", record.article)]
    if isinstance(record, AdditionalPriceRecord):
        label = "additional price (article, type)"
        return [(f"{el}/{tags['article']}", label, (record.article, record.price_type))]
    if isinstance(record, TimeRestrictionRecord | AgeRestrictionRecord):
        return [] if record.id is None else [(f"{el}/{tags['id']}", f"{el} id", record.id)]
    assert not isinstance(record, ItemRecord)
    return [(f"{el}/{tags['id']}", f"{el} id", record.id)]
