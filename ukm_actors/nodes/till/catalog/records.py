"""From catalog document records to rows of the till's catalog tables.

Each record kind has a field list: name, accepted JSON types, default (or
``REQUIRED``). Fields the till does not know are ignored (a newer server
may send more); a missing key field or a value of the wrong type raises
``CatalogRecordError`` naming the document line, the kind and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ukm_actors.codecs.catalogdoc import KINDS, CatalogRecord
from ukm_actors.errors import UkmError
from ukm_actors.nodes.till.catalog.tables import (
    CatAddPrice,
    CatAgeRule,
    CatBarcode,
    CatCashier,
    CatGroup,
    CatItem,
    CatPrice,
    CatSeller,
    CatSetting,
    CatStore,
    CatTax,
    CatTaxGroup,
    CatTimeRule,
)
from ukm_actors.nodes.till.tables import TillBase

REQUIRED = object()


class CatalogRecordError(UkmError, ValueError):
    """A catalog record the till cannot store."""

    code = "catalog.record"


FieldSpec = tuple[str, tuple[type, ...], object]

_S = (str,)
_I = (int,)
_B = (bool,)

SPECS: dict[str, tuple[type[TillBase], tuple[FieldSpec, ...]]] = {
    "store": (CatStore, (("code", _S, REQUIRED), ("name", _S, ""), ("timezone", _S, ""))),
    "tax": (CatTax, (("id", _S, REQUIRED), ("name", _S, ""), ("rate_bp", _I, 0))),
    "taxgroup": (CatTaxGroup, (("id", _S, REQUIRED), ("name", _S, ""), ("tax_id", _S, None))),
    "group": (CatGroup, (("id", _S, REQUIRED), ("parent_id", _S, None), ("name", _S, ""))),
    "item": (
        CatItem,
        (
            ("article", _S, REQUIRED),
            ("name", _S, REQUIRED),
            ("measure", _S, "шт"),
            ("step", _I, 1000),
            ("weighted", _B, False),
            ("group_id", _S, None),
            ("taxgroup_id", _S, None),
            ("min_price", _I, 0),
            ("age_limit", _I, 0),
            ("egais", _B, False),
            ("sub_excise", _B, False),
        ),
    ),
    "barcode": (CatBarcode, (("barcode", _S, REQUIRED),)),
    "price": (CatPrice, (("article", _S, REQUIRED), ("price", _I, REQUIRED))),
    "addprice": (
        CatAddPrice,
        (
            ("article", _S, REQUIRED),
            ("price_type", _S, REQUIRED),
            ("name", _S, ""),
            ("price", _I, REQUIRED),
        ),
    ),
    "cashier": (
        CatCashier,
        (
            ("code", _S, REQUIRED),
            ("name", _S, ""),
            ("inn", _S, None),
            ("password_hash", _S, ""),
            ("enabled", _B, True),
            ("card", _S, None),
        ),
    ),
    "seller": (CatSeller, (("code", _S, REQUIRED), ("name", _S, ""))),
    "timerule": (
        CatTimeRule,
        (
            ("id", _S, REQUIRED),
            ("article", _S, None),
            ("group_id", _S, None),
            ("start", _S, REQUIRED),
            ("end", _S, REQUIRED),
            ("message", _S, REQUIRED),
        ),
    ),
    "agerule": (
        CatAgeRule,
        (
            ("id", _S, REQUIRED),
            ("article", _S, None),
            ("group_id", _S, None),
            ("min_age", _I, REQUIRED),
            ("message", _S, REQUIRED),
        ),
    ),
    "settings": (CatSetting, (("key", _S, REQUIRED),)),
}
"""Record kind → its table and fields (the kinds of ``codecs.catalogdoc.KINDS``)."""


def _field(rec: CatalogRecord, line: int, spec: FieldSpec) -> Any:
    name, types, default = spec
    value = rec.data.get(name)
    if value is None:
        if default is REQUIRED:
            raise CatalogRecordError(
                f"catalog document line {line}: {rec.kind} record has no {name!r}",
                hint="the server sent an incomplete record; resync the till's catalog",
            )
        return default
    if bool not in types and isinstance(value, bool):
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        want = " or ".join(t.__name__ for t in types)
        raise CatalogRecordError(
            f"catalog document line {line}: {rec.kind} field {name!r} must be {want}, not {value!r}"
        )
    return value


def key_of(rec: CatalogRecord, line: int) -> dict[str, Any]:
    """The record's key fields, checked (for deletes)."""
    _table, fields = SPECS[rec.kind]
    keys = KINDS[rec.kind]
    return {spec[0]: _field(rec, line, spec) for spec in fields if spec[0] in keys}


def row_of(rec: CatalogRecord, line: int) -> dict[str, Any]:
    """The row a ``put`` record stores in its kind's table."""
    _table, fields = SPECS[rec.kind]
    row = {spec[0]: _field(rec, line, spec) for spec in fields}
    if rec.kind == "cashier":
        rights = rec.data.get("rights") or []
        if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
            raise CatalogRecordError(
                f"catalog document line {line}: cashier {row['code']!r} rights must be a "
                f"list of names, not {rights!r}"
            )
        row["rights"] = json.dumps(rights)
    elif rec.kind == "timerule":
        row["days"] = _days(rec.data.get("days"), line)
        for name in ("start", "end"):
            _hhmm(row[name], line, name)
    elif rec.kind == "settings":
        row["value"] = json.dumps(rec.data.get("value"), ensure_ascii=False)
    elif rec.kind == "item" and row["step"] <= 0:
        row["step"] = 1000
    return row


def _hhmm(text: str, line: int, name: str) -> None:
    hh, sep, mm = text.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2 and len(hh) in (1, 2)):
        raise CatalogRecordError(
            f"catalog document line {line}: timerule {name} {text!r} is not a time HH:MM"
        )
    if int(hh) > 23 or int(mm) > 59:
        raise CatalogRecordError(
            f"catalog document line {line}: timerule {name} {text!r} is not a time of day"
        )


def _days(value: Any, line: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in value
    ):
        raise CatalogRecordError(
            f"catalog document line {line}: timerule days must be a list of weekdays 0..6, "
            f"not {value!r}"
        )
    return json.dumps(sorted(set(value)))


def barcodes_of(rec: CatalogRecord, line: int) -> list[dict[str, Any]]:
    """The barcode rows of an item record (``barcodes: [[code, qty], ...]``)."""
    article = rec.data["article"]
    raw = rec.data.get("barcodes") or []
    if not isinstance(raw, list):
        raise CatalogRecordError(
            f"catalog document line {line}: item {article!r} barcodes must be a list"
        )
    rows: list[dict[str, Any]] = []
    for entry in raw:
        code, qty = _barcode_entry(entry)
        if code is None:
            raise CatalogRecordError(
                f"catalog document line {line}: item {article!r} has a bad barcode {entry!r}; "
                f"expected [code, quantity]"
            )
        rows.append({"barcode": code, "article": article, "quantity": qty})
    return rows


def _barcode_entry(entry: Any) -> tuple[str | None, int]:
    if isinstance(entry, str) and entry:
        return entry, 1000
    if isinstance(entry, Mapping):
        entry = [entry.get("code") or entry.get("barcode"), entry.get("quantity")]
    if isinstance(entry, list) and entry and isinstance(entry[0], str) and entry[0]:
        qty = entry[1] if len(entry) > 1 else None
        if qty is None:
            return entry[0], 1000
        if isinstance(qty, int) and not isinstance(qty, bool) and qty > 0:
            return entry[0], qty
    return None, 0
