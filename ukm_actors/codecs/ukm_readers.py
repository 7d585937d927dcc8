"""Turning one record element of an import file into a record.

Each ``read_<kind>`` takes the complete element (``<item>``, ``<cashier>``
...) and returns a frozen record, raises :class:`ImportFormatError` naming
the line and the field (what the vendor documents as wrong, a key that is
missing or cannot be stored), or :class:`SkipRecord` (a record of a type
whose shape is ours [INF] that cannot be used: noted, the file goes on).
Fields whose meaning is not documented take a stated default when their
value cannot be used, noted in ``ReadContext.notes``. Tag names come from
:data:`ukm_schema.RECORD_TAGS`; nothing here spells a tag. The common
field rules are in :mod:`ukm_fields`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from functools import cache

from ukm_actors.codecs.ukm_fields import (
    MAX_INT,
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
from ukm_actors.domain.money import ONE
from ukm_actors.i18n import N_, _

__all__ = ["READERS", "Element", "ReadContext", "check_store_code", "record_keys"]

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_NOT_PRICE = _("not an amount of money (0 or more, at most 2 decimals); this price is not loaded")
# an item's lenient fields: made once (a file may hold a million items)
_NO_MEASURE = _("missing; the item is sold in pieces (шт)")
_NO_GROUP = _("missing; the item is in no group")
_NO_TAXGROUP = _("missing; the item has no tax group (no VAT is exported for it)")
_BAD_EGAIS = _("not a whole number from 0 to 99; taken as 0")
_BAD_MIN_PRICE = _("not an amount of money; no minimum price")
_BAD_AGE_LIMIT = _("not an age from 0 to 150; no age limit from this item")
MAX_MEASPREC = 40
DEFAULT_TIMEZONE = "Europe/Moscow"
_ALC_SPLIT = re.compile(r"[\s,;]+")


def _barcodes(f: Fields) -> tuple[BarcodeRecord, ...]:
    out: list[BarcodeRecord] = []
    seen: set[str] = set()
    for el in f.children("barcodes"):
        b = Fields(el, "barcode", f.ctx, prefix=f"{f.path}/")
        code = b.code("barcode")
        if code in seen:
            raise b.fail("barcode", _("barcode {code} appears twice in this item", code=code))
        qty = b.quantity_or_none("quantity")
        if isinstance(qty, str):
            b.assume(
                "quantity",
                _(
                    "not a quantity above 0 with at most 3 decimals; "
                    "this barcode is not loaded (the item is)"
                ),
                qty,
            )
            continue
        seen.add(code)
        out.append(BarcodeRecord(code, ONE if qty is None else qty))
    return tuple(out)


def _alc_codes(f: Fields) -> tuple[str, ...]:
    codes: list[str] = []
    found = f.children("alc_codes")
    if len(found) > 1:
        f.assume("alc_codes", _("appears more than once; the codes of all are taken"))
    for el in found:
        codes.extend(c for c in _ALC_SPLIT.split(el.text or "") if c)
        for child in el:
            if isinstance(child.tag, str):
                codes.extend(c for c in _ALC_SPLIT.split("".join(child.itertext())) if c)
            codes.extend(c for c in _ALC_SPLIT.split(child.tail or "") if c)
    return tuple(codes)


def _measprec(f: Fields) -> str | None:
    """``<measprec>`` as received (its meaning is not documented); a comma is still refused."""
    value = f.raw("measprec", required=False)
    if value is None:
        return None
    f._no_comma("measprec", value)
    if len(value) > MAX_MEASPREC:
        f.assume("measprec", _("longer than {n} characters; not kept", n=MAX_MEASPREC), value)
        return None
    return value


def read_item(el: Element, ctx: ReadContext) -> ItemRecord:
    """An ``<item>`` of ``updateItems``."""
    f = Fields(el, "item", ctx)
    return ItemRecord(
        article=f.code("article"),
        name=f.text("name"),
        measure=f.lenient_text("measure", "шт", _NO_MEASURE),
        measprec=_measprec(f),
        group_id=f.lenient_code("group_id", _NO_GROUP),
        taxgroup_id=f.lenient_code("taxgroup_id", _NO_TAXGROUP),
        egais_type=f.lenient_integer("egais_type", 0, 99, 0, _BAD_EGAIS) or 0,
        alc_codes=_alc_codes(f),
        sub_excise=f.lenient_flag("sub_excise"),
        barcodes=_barcodes(f),
        min_price=f.lenient_money("min_price", _BAD_MIN_PRICE),
        age_limit=f.lenient_integer("age_limit", 0, 150, None, _BAD_AGE_LIMIT),
        deleted=f.deleted,
    )


def read_group(el: Element, ctx: ReadContext) -> ClassifRecord:
    """A ``<group>`` of ``classif``."""
    f = Fields(el, "group", ctx)
    group_id = f.code("id")
    parent = f.opt_code("parent_id")
    if parent is not None and parent == group_id:
        f.assume("parent_id", _("the group is its own parent; made a top-level group"), parent)
        parent = None
    return ClassifRecord(group_id, parent, f.text("name"), f.deleted)


def read_tax(el: Element, ctx: ReadContext) -> TaxRecord:
    """A ``<tax>`` of ``taxes``; ``<rate>`` is a percentage with up to 2 decimals."""
    f = Fields(el, "tax", ctx)
    tax_id = f.code("id")
    what = _("not a rate from 0 to 100 (%) with at most 2 decimals; this tax is not loaded")
    rate = f.money_or_skip("rate_bp", what)
    if rate > 10_000:
        raise f.skip("rate_bp", what, f"{rate / 100:.2f}")
    return TaxRecord(tax_id, f.text("name"), rate, f.deleted)


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
        return DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        f.assume(
            "timezone",
            _("not an IANA time zone name; {zone} is used", zone=DEFAULT_TIMEZONE),
            value,
        )
        return DEFAULT_TIMEZONE
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


def _role(f: Fields) -> int:
    value = f.raw("role_id", required=True)
    if value is None:
        return 0
    if value.isascii() and value.isdigit() and int(value) <= MAX_INT:
        return int(value)
    raise f.skip("role_id", _("not a role number; this cashier is not loaded"), value)


def read_cashier(el: Element, ctx: ReadContext) -> CashierRecord:
    """A ``<cashier>`` of ``storeCashiers``."""
    f = Fields(el, "cashier", ctx)
    return CashierRecord(
        store_id=f.store_id(),
        id=f.integer("id"),
        name=f.text("name"),
        role_id=_role(f),
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
    article = f.code("article")
    price = f.money_or_skip("price", _NOT_PRICE)
    return PriceRecord(f.store_id(), article, price, f.deleted)


def read_additional_price(el: Element, ctx: ReadContext) -> AdditionalPriceRecord:
    """An ``<additionalPrice>`` of ``storePrices``."""
    f = Fields(el, "additionalPrice", ctx)
    return AdditionalPriceRecord(
        store_id=f.store_id(),
        article=f.code("article"),
        price_type=f.code("price_type"),
        name=f.opt_text("name") or "",
        price=f.money_or_skip("price", _NOT_PRICE),
        deleted=f.deleted,
    )


def _target(f: Fields) -> tuple[str | None, str | None]:
    article = f.opt_code("article")
    group_id = f.opt_code("group_id")
    if article is not None and group_id is not None:
        raise f.skip(
            "group_id",
            _(
                "both <{article}> and <{group}> are given (a restriction applies to one item, "
                "one group, or with neither the whole store); not loaded",
                article=f.tags["article"],
                group=f.tags["group_id"],
            ),
        )
    return article, group_id


def _time(f: Fields, attr: str) -> str:
    value = f.raw(attr, required=True)
    if value is None:
        return "00:00"
    m = _TIME.match(value)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise f.skip(attr, _("not a time of day HH:MM from 00:00 to 23:59; not loaded"), value)
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _days(f: Fields) -> str | None:
    value = f.opt_text("days")
    if value is None:
        return None
    digits = value.replace(",", "").replace(" ", "")
    if not digits or any(d not in "1234567" for d in digits) or len(set(digits)) != len(digits):
        raise f.skip(
            "days", _("not a list of weekdays, digits 1 (Monday) to 7 (Sunday); not loaded"), value
        )
    return "".join(sorted(digits))


def read_time_restriction(el: Element, ctx: ReadContext) -> TimeRestrictionRecord:
    """A ``<timeRestriction>`` of ``storeRestrictions``."""
    f = Fields(el, "timeRestriction", ctx)
    article, group_id = _target(f)
    start, end = _time(f, "start"), _time(f, "end")
    if start == end and not f.deleted:
        raise f.skip(
            "end", _("from and to are equal, the rule would cover no time; not loaded"), end
        )
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


def _min_age(f: Fields) -> int:
    value = f.raw("min_age", required=True)
    if value is None:
        return 0
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 150:
        return int(value)
    raise f.skip("min_age", _("not an age from 1 to 150; not loaded"), value)


def read_age_restriction(el: Element, ctx: ReadContext) -> AgeRestrictionRecord:
    """An ``<ageRestriction>`` of ``storeRestrictions``."""
    f = Fields(el, "ageRestriction", ctx)
    article, group_id = _target(f)
    return AgeRestrictionRecord(
        store_id=f.store_id(),
        id=f.opt_code("id"),
        article=article,
        group_id=group_id,
        min_age=_min_age(f),
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


@cache
def _id_label(element: str) -> str:
    return f"{element} id"


TWICE = {
    "article": N_(
        "article {key} appears twice in this file (first at line {first}); each must appear once"
    ),
    "barcode": N_(
        "barcode {key} appears twice in this file (first at line {first}); each must appear once"
    ),
    "price of article": N_(
        "price of article {key} appears twice in this file (first at line {first}); "
        "each must appear once"
    ),
    "additional price (article, type)": N_(
        "additional price (article, type) {key} appears twice in this file "
        "(first at line {first}); each must appear once"
    ),
}
"""The message of a key found twice in one file, by the label ``record_keys`` gives it
(other labels, ``<element> id``, take the general one)."""


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
        if record.id is None:
            return []
        return [(f"{el}/{tags['id']}", _id_label(el), record.id)]
    assert not isinstance(record, ItemRecord)
    return [(f"{el}/{tags['id']}", _id_label(el), record.id)]
