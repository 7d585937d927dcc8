"""Writing import files from records, streaming (what a trade system would send).

Used by tests and benchmarks across the project to produce real files, and
the reference for the shapes ``docs/exchange.md`` describes. Tag names come
from :data:`ukm_schema.RECORD_TAGS`; child order follows the documented
``updateItems`` example. Money is written with 2 decimals, quantities
with as few decimals as needed (``1``, ``0.001``), tax rates as a
percentage with 2 decimals.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree

from ukm_actors.codecs.ukm_names import import_file_name
from ukm_actors.codecs.ukm_records import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
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
from ukm_actors.codecs.ukm_schema import (
    IMPORT_TYPES,
    RECORD_TAGS,
    ROOT_FULLNESS,
    ROOT_STORE_ID,
    VERSION_TAG,
    record_keys_of,
)
from ukm_actors.domain.money import format_money, format_quantity

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

KIND_OF: dict[type, str] = {
    ItemRecord: "item",
    ClassifRecord: "group",
    TaxRecord: "tax",
    TaxGroupRecord: "taxGroup",
    RegionRecord: "region",
    StoreTypeRecord: "storeType",
    StoreRecord: "store",
    CashierRecord: "cashier",
    SellerRecord: "seller",
    PriceRecord: "price",
    AdditionalPriceRecord: "additionalPrice",
    TimeRestrictionRecord: "timeRestriction",
    AgeRestrictionRecord: "ageRestriction",
}
"""Record class → record kind (key of ``RECORD_TAGS``)."""


def trim_quantity(value: int) -> str:
    """A quantity with as few decimals as needed: ``1000`` → ``"1"``, ``350`` → ``"0.35"``."""
    text = format_quantity(value).rstrip("0")
    return text[:-1] if text.endswith(".") else text


class _Builder:
    def __init__(self, kind: str) -> None:
        self.tags = RECORD_TAGS[kind]
        self.el = etree.Element(self.tags["element"])

    def put(self, attr: str, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = str(value)
        etree.SubElement(self.el, self.tags[attr]).text = text


def _item(b: _Builder, r: ItemRecord) -> None:
    b.put("article", r.article)
    b.put("name", r.name)
    b.put("measure", r.measure)
    b.put("measprec", r.measprec)
    b.put("group_id", r.group_id)
    b.put("egais_type", r.egais_type)
    if r.egais_type == 1 or r.alc_codes:
        codes = etree.SubElement(b.el, b.tags["alc_codes"])
        for code in r.alc_codes:
            etree.SubElement(codes, RECORD_TAGS["alc_code"]["element"]).text = code
    b.put("taxgroup_id", r.taxgroup_id)
    bt = RECORD_TAGS["barcode"]
    for barcode in r.barcodes:
        el = etree.SubElement(b.el, bt["element"])
        etree.SubElement(el, bt["barcode"]).text = barcode.barcode
        etree.SubElement(el, bt["quantity"]).text = trim_quantity(barcode.quantity)
    b.put("sub_excise", r.sub_excise)
    b.put("min_price", None if r.min_price is None else format_money(r.min_price))
    b.put("age_limit", r.age_limit)


def _fill(b: _Builder, r: ImportRecord) -> None:
    if isinstance(r, ItemRecord):
        _item(b, r)
    elif isinstance(r, ClassifRecord):
        b.put("id", r.id)
        etree.SubElement(b.el, b.tags["parent_id"]).text = r.parent_id or ""
        b.put("name", r.name)
    elif isinstance(r, TaxRecord):
        b.put("id", r.id)
        b.put("name", r.name)
        b.put("rate_bp", format_money(r.rate_bp))
    elif isinstance(r, TaxGroupRecord):
        b.put("id", r.id)
        b.put("name", r.name)
        b.put("tax_id", r.tax_id)
    elif isinstance(r, RegionRecord | StoreTypeRecord):
        b.put("id", r.id)
        b.put("name", r.name)
    elif isinstance(r, StoreRecord):
        for attr in ("id", "name", "region_id", "store_type_id", "timezone"):
            b.put(attr, getattr(r, attr))
    elif isinstance(r, CashierRecord):
        for attr in ("role_id", "id", "name", "inn", "password"):
            b.put(attr, getattr(r, attr))
    elif isinstance(r, SellerRecord):
        for attr in ("id", "name", "inn"):
            b.put(attr, getattr(r, attr))
    elif isinstance(r, PriceRecord):
        b.put("article", r.article)
        b.put("price", format_money(r.price))
    elif isinstance(r, AdditionalPriceRecord):
        b.put("article", r.article)
        b.put("price_type", r.price_type)
        b.put("name", r.name or None)
        b.put("price", format_money(r.price))
    elif isinstance(r, TimeRestrictionRecord):
        for attr in ("id", "article", "group_id", "start", "end", "days"):
            b.put(attr, getattr(r, attr))
        b.put("message", r.message or None)
    else:
        for attr in ("id", "article", "group_id", "min_age"):
            b.put(attr, getattr(r, attr))
        b.put("message", r.message or None)


def record_element(record: ImportRecord) -> Any:
    """The XML element for one record (a deleted one carries only its key and the flag)."""
    kind = KIND_OF[type(record)]
    b = _Builder(kind)
    keys = record_keys_of(kind)
    if record.deleted and keys:
        for attr in keys:
            b.put(attr, getattr(record, attr))
    else:
        _fill(b, record)
    if record.deleted:
        b.put("deleted", True)
    return b.el


def write_import_file(
    path: str | os.PathLike[str],
    type_name: str,
    records: Iterable[ImportRecord],
    fullness: str,
    store_id: str | None = None,
    *,
    number: int | None = None,
    version: str | None = None,
) -> Path:
    """Write an import file of ``type_name`` from ``records`` and return its path.

    With ``number`` given, ``path`` is a directory and the file is named
    :func:`import_file_name` (``type_[store]_[number]_[F].xml``); otherwise
    ``path`` is the file. ``records`` may be a generator: it is consumed
    once and never held in memory. The file appears under its final name
    only when complete. ``version`` defaults to the type's usual value.
    """
    spec = IMPORT_TYPES[type_name]
    target = Path(path)
    if number is not None:
        target = target / import_file_name(type_name, number, fullness, store_id)
    attrib = {ROOT_FULLNESS: fullness}
    if store_id is not None:
        attrib[ROOT_STORE_ID] = store_id
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(XML_DECLARATION)
            with etree.xmlfile(out, encoding="utf-8") as xf, xf.element(spec.name, attrib):
                version_el = etree.Element(VERSION_TAG)
                version_el.text = version if version is not None else spec.version
                xf.write("\n  ", version_el)
                for record in records:
                    el = record_element(record)
                    etree.indent(el, space="  ", level=1)
                    xf.write("\n  ", el)
                xf.write("\n")
            out.write(b"\n")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
