"""Catalog documents, server → till (``catalog.full`` and ``catalog.delta``).

The body is JSON lines (UTF-8), one record per line, so a till applies a
1,000,000-item catalog streaming::

    {"op": "put", "kind": "item", "article": "100245", "name": "Кефир", ...}
    {"op": "del", "kind": "barcode", "barcode": "4600000000022"}

The first line of every document is a ``meta`` record
(``{"op": "meta", "kind": "catalog", "full": true, "store": "17", "items": N}``).
A ``catalog.full`` replaces everything the till had; a ``catalog.delta``
puts and deletes single records. Money is kopecks, quantities thousandths.
Record kinds and their fields (key fields first):

=========  =====================================================================
kind       fields
=========  =====================================================================
store      code, name, timezone
tax        id, name, rate_bp
taxgroup   id, name, tax_id
group      id, parent_id, name
item       article, name, measure, step, weighted, group_id, taxgroup_id,
           min_price, age_limit, egais, sub_excise, barcodes [[code, qty]]
barcode    barcode (delete only: a single barcode removed from its item)
price      article, price
addprice   article, price_type, name, price
cashier    code, name, inn, password_hash, rights [names], enabled
seller     code, name
timerule   id, article, group_id, start "HH:MM", end "HH:MM", days, message
agerule    id, article, group_id, min_age, message
settings   key, value (till settings: header, footer, devices, timeouts)
=========  =====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ukm_actors.errors import UkmError

KINDS: dict[str, tuple[str, ...]] = {
    "store": ("code",),
    "tax": ("id",),
    "taxgroup": ("id",),
    "group": ("id",),
    "item": ("article",),
    "barcode": ("barcode",),
    "price": ("article",),
    "addprice": ("article", "price_type"),
    "cashier": ("code",),
    "seller": ("code",),
    "timerule": ("id",),
    "agerule": ("id",),
    "settings": ("key",),
}
"""Record kind → its key fields."""

FULL = "catalog.full"
DELTA = "catalog.delta"


class CatalogDocError(UkmError):
    code = "catalog.document"


@dataclass(frozen=True)
class CatalogRecord:
    op: str  # "put" | "del"
    kind: str
    data: dict[str, Any]

    def key(self) -> tuple[Any, ...]:
        return tuple(self.data[k] for k in KINDS[self.kind])


def encode(meta: dict[str, Any], records: Iterable[CatalogRecord]) -> bytes:
    """A document body: the meta line, then one line per record."""
    lines = [json.dumps({"op": "meta", "kind": "catalog", **meta}, ensure_ascii=False)]
    for r in records:
        if r.kind not in KINDS or r.op not in ("put", "del"):
            raise CatalogDocError(f"bad catalog record {r.op} {r.kind}")
        lines.append(json.dumps({"op": r.op, "kind": r.kind, **r.data}, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def encode_lines(meta: dict[str, Any], records: Iterable[CatalogRecord]) -> Iterator[bytes]:
    """Like ``encode``, one line at a time (for very large catalogs)."""
    yield (
        json.dumps({"op": "meta", "kind": "catalog", **meta}, ensure_ascii=False) + "\n"
    ).encode()
    for r in records:
        yield (
            json.dumps({"op": r.op, "kind": r.kind, **r.data}, ensure_ascii=False) + "\n"
        ).encode()


def decode(lines: Iterable[bytes]) -> tuple[dict[str, Any], Iterator[CatalogRecord]]:
    """The meta record and an iterator over the records of a document body."""
    it = iter(lines)
    try:
        first = json.loads(next(it))
    except (StopIteration, ValueError) as exc:
        raise CatalogDocError("catalog document has no meta line") from exc
    if first.get("op") != "meta":
        raise CatalogDocError("catalog document does not start with its meta line")
    meta = {k: v for k, v in first.items() if k not in ("op", "kind")}

    def records() -> Iterator[CatalogRecord]:
        for n, raw in enumerate(it, start=2):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                op = obj.pop("op")
                kind = obj.pop("kind")
            except (ValueError, KeyError) as exc:
                raise CatalogDocError(f"catalog document line {n} is not a record") from exc
            if kind not in KINDS or op not in ("put", "del"):
                raise CatalogDocError(f"catalog document line {n}: unknown {op!r} {kind!r}")
            yield CatalogRecord(op, kind, obj)

    return meta, records()
