"""Turning one record element of an import file into a record.

Each ``read_<kind>`` takes the complete element (``<item>``, ``<cashier>``
...) and returns a frozen record or raises :class:`ImportFormatError`
naming the line and the field. Tag names come from
:data:`ukm_schema.RECORD_TAGS`; nothing here spells a tag.

Rules common to all fields: values are stripped of surrounding whitespace;
a required field must be present and non-empty; an optional field that is
empty counts as absent; a field may appear once unless it is a list
(barcodes); an unknown child element is an error in strict mode and is
counted in ``ReadContext.ignored`` otherwise. In a record marked
``<deleted>1</deleted>`` only the key fields are required.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from ukm_actors.codecs.errors import ImportFormatError
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
from ukm_actors.codecs.ukm_schema import DELETED, RECORD_TAGS, record_keys_of
from ukm_actors.domain.inn import InnError, validate_inn
from ukm_actors.domain.money import (
    ONE,
    AmountFormatError,
    Money,
    Quantity,
    parse_money,
    parse_quantity,
)

Element = Any  # lxml's _Element; kept loose so the stubs' generics do not leak everywhere

MAX_CODE = 40
MAX_STORE_CODE = 100
MAX_INT = 2**31 - 1
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_ALC_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class ReadContext:
    """What a record reader needs to know about the file it reads."""

    file: str
    type_name: str
    store_id: str | None
    strict: bool = True
    ignored: Counter[str] = field(default_factory=Counter)

    def error(self, line: int | None, path: str | None, message: str) -> ImportFormatError:
        """An :class:`ImportFormatError` for this file."""
        return ImportFormatError(self.file, line, path, message)


@cache
def _attr_by_tag(kind: str) -> dict[str, str]:
    return {tag: attr for attr, tag in RECORD_TAGS[kind].items() if attr != "element"}


def check_store_code(text: str) -> str | None:
    """Why ``text`` is not a valid store code (letters and digits), or ``None``."""
    if not text:
        return "the store code is empty"
    if len(text) > MAX_STORE_CODE:
        return f"the store code has {len(text)} characters; at most {MAX_STORE_CODE} are allowed"
    if not text.isalnum():
        return f"store code {text!r} must consist of letters and digits only (no spaces)"
    return None


class Fields:
    """The children of one record element, read by attribute name."""

    def __init__(self, el: Element, kind: str, ctx: ReadContext, prefix: str = "") -> None:
        self.el = el
        self.kind = kind
        self.ctx = ctx
        self.tags = RECORD_TAGS[kind]
        self.path = f"{prefix}{self.tags['element']}"
        self.line: int | None = el.sourceline
        self._children: dict[str, list[Element]] = {}
        self.deleted = False
        self.keys = record_keys_of(kind)
        known = _attr_by_tag(kind)
        for child in el.iterchildren(etree.Element):
            attr = known.get(child.tag)
            if attr is None:
                where = f"{self.path}/{child.tag}"
                if ctx.strict:
                    names = ", ".join(sorted(known))
                    raise ctx.error(
                        child.sourceline,
                        where,
                        f"unknown element <{child.tag}> in <{self.tags['element']}>; "
                        f"known elements: {names}",
                    )
                ctx.ignored[where] += 1
                continue
            self._children.setdefault(attr, []).append(child)
        self.deleted = DELETED in self.tags and self.flag(DELETED)

    def where(self, attr: str) -> str:
        """The field path of ``attr`` for messages (``item/barcode``)."""
        return f"{self.path}/{self.tags[attr]}"

    def fail(self, attr: str, message: str, line: int | None = None) -> ImportFormatError:
        """An error about field ``attr`` (at its line when present, else the record's)."""
        if line is None:
            found = self._children.get(attr)
            line = found[0].sourceline if found else self.line
        return self.ctx.error(line, self.where(attr), message)

    def children(self, attr: str) -> list[Element]:
        """All child elements for a list field (e.g. barcodes), in file order."""
        return self._children.get(attr, [])

    def _one(self, attr: str) -> Element | None:
        found = self._children.get(attr)
        if not found:
            return None
        if len(found) > 1:
            raise self.fail(
                attr,
                f"<{self.tags[attr]}> appears {len(found)} times; only one is allowed",
                found[1].sourceline,
            )
        return found[0]

    def raw(self, attr: str, *, required: bool) -> str | None:
        """The stripped text of ``attr``; ``None`` when absent/empty and not required."""
        required = required and (not self.deleted or attr in self.keys)
        found = self._children.get(attr)
        child = found[0] if found and len(found) == 1 else self._one(attr)
        if child is None:
            if required:
                raise self.ctx.error(
                    self.line,
                    self.where(attr),
                    f"missing: every <{self.tags['element']}> needs a <{self.tags[attr]}>",
                )
            return None
        if len(child):
            sub = next((c for c in child if isinstance(c.tag, str)), None)
            if sub is not None:
                raise self.fail(attr, f"must hold a value, not the element <{sub.tag}>")
        text = child.text or ""
        for sub in child:
            text += sub.tail or ""
        text = text.strip()
        if not text:
            if required:
                raise self.fail(attr, f"is empty; <{self.tags[attr]}> needs a value")
            return None
        return text

    def text(self, attr: str) -> str:
        """A required text value ("" in a deleted record when absent)."""
        return self.raw(attr, required=True) or ""

    def opt_text(self, attr: str) -> str | None:
        """An optional text value."""
        return self.raw(attr, required=False)

    def _check_code(self, attr: str, value: str, max_len: int) -> str:
        if len(value) > max_len:
            raise self.fail(attr, f"{value[:50]!r} has {len(value)} characters; at most {max_len}")
        if " " in value or not value.isprintable():
            raise self.fail(attr, f"{value!r} contains spaces or control characters; codes may not")
        return value

    def code(self, attr: str, max_len: int = MAX_CODE) -> str:
        """A required code (article, id ...): no spaces, at most ``max_len`` characters."""
        value = self.raw(attr, required=True)
        return "" if value is None else self._check_code(attr, value, max_len)

    def opt_code(self, attr: str, max_len: int = MAX_CODE) -> str | None:
        """An optional code."""
        value = self.raw(attr, required=False)
        return None if value is None else self._check_code(attr, value, max_len)

    def _int(self, attr: str, value: str, lo: int, hi: int) -> int:
        if not (value.isascii() and value.isdigit()):
            raise self.fail(attr, f"{value!r} is not a whole number (digits only)")
        number = int(value)
        if not lo <= number <= hi:
            raise self.fail(attr, f"{number} is out of range; allowed {lo}..{hi}")
        return number

    def integer(self, attr: str, lo: int = 0, hi: int = MAX_INT) -> int:
        """A required whole number in ``lo..hi`` (0 in a deleted record when absent)."""
        value = self.raw(attr, required=True)
        return lo if value is None else self._int(attr, value, lo, hi)

    def opt_integer(self, attr: str, lo: int = 0, hi: int = MAX_INT) -> int | None:
        """An optional whole number in ``lo..hi``."""
        value = self.raw(attr, required=False)
        return None if value is None else self._int(attr, value, lo, hi)

    def flag(self, attr: str) -> bool:
        """An optional 0/1 flag; absent means false."""
        value = self.raw(attr, required=False)
        if value is None or value == "0":
            return False
        if value == "1":
            return True
        raise self.fail(attr, f"{value!r} is not a flag; write 0 or 1")

    def _amount(self, attr: str, value: str, parse: Callable[..., int]) -> int:
        try:
            return parse(value, what="")
        except AmountFormatError as exc:
            raise self.fail(attr, exc.message.strip()) from None

    def money(self, attr: str) -> Money:
        """A required amount of money, 0 or more, at most 2 decimals (kopecks)."""
        value = self.raw(attr, required=True)
        return 0 if value is None else self._amount(attr, value, parse_money)

    def opt_money(self, attr: str) -> Money | None:
        """An optional amount of money."""
        value = self.raw(attr, required=False)
        return None if value is None else self._amount(attr, value, parse_money)

    def positive_quantity(self, attr: str, default: Quantity = ONE) -> Quantity:
        """An optional quantity above 0, at most 3 decimals; ``default`` when absent."""
        value = self.raw(attr, required=False)
        if value is None:
            return default
        qty = self._amount(attr, value, parse_quantity)
        if qty <= 0:
            raise self.fail(attr, f"{value!r} must be more than 0")
        return qty

    def inn(self, attr: str) -> str | None:
        """An optional INN, checked (length and check digits)."""
        value = self.raw(attr, required=False)
        if value is None:
            return None
        try:
            return validate_inn(value)
        except InnError as exc:
            raise self.fail(attr, exc.message) from None

    def store_id(self) -> str:
        """The file's store code (store-scoped types only)."""
        assert self.ctx.store_id is not None
        return self.ctx.store_id


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
