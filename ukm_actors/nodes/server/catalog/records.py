"""Directory rows as catalog document records (``ukm_actors.codecs.catalogdoc``), page by page.

Field types are those the till's applier checks (``nodes/till/catalog/records``):
codes are strings (a cashier's ``code`` too), ``egais`` is a flag (the
number is in ``egais_type``), a time rule's ``days`` are weekdays 0
(Monday) … 6, absent = every day.

Every reader yields lists of :class:`CatalogRecord` of at most ``page``
rows, walking the table by its key (no OFFSET), so a million items never
sit in memory at once. ``version`` limits a reader to the rows one change
wrote (a delta); ``None`` reads everything (a full catalog).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.domain.rights import parse_rights
from ukm_actors.exchange.catalog import rule_id
from ukm_actors.exchange.catalog import weekdays as iso_weekdays
from ukm_actors.nodes.server.catalog.bulk import Bulk
from ukm_actors.nodes.server.catalog.tables_local import CHAIN

Page = list[CatalogRecord]


def _pages(
    bulk: Bulk,
    table: str,
    cols: Sequence[str],
    keys: Sequence[str],
    where: str,
    params: Sequence[Any],
    page: int,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``table`` matching ``where``, ordered by ``keys``, ``page`` at a time."""
    last: tuple[Any, ...] | None = None
    order = ", ".join(keys)
    key_idx = [list(cols).index(k) for k in keys]
    while True:
        cond = where
        args: list[Any] = list(params)
        if last is not None:
            tup = f"({order})" if len(keys) > 1 else order
            marks = f"({', '.join([':p'] * len(keys))})" if len(keys) > 1 else ":p"
            cond = f"{cond} AND {tup} > {marks}" if cond else f"{tup} > {marks}"
            args.extend(last)
        sql = f"SELECT {', '.join(cols)} FROM {table}"
        if cond:
            sql += f" WHERE {cond}"
        sql += f" ORDER BY {order} LIMIT {int(page)}"
        rows = bulk.execute(sql, args)
        if not rows:
            return
        yield rows
        if len(rows) < page:
            return
        last = tuple(rows[-1][i] for i in key_idx)


def _version(where: str, version: int | None, params: list[Any]) -> str:
    if version is None:
        return where
    params.append(version)
    return f"{where} AND version = :p" if where else "version = :p"


def items(bulk: Bulk, version: int | None, page: int) -> Iterator[Page]:
    """``item`` records (with their barcodes)."""
    cols = (
        "article",
        "name",
        "measure",
        "step",
        "weighted",
        "group_id",
        "taxgroup_id",
        "egais_type",
        "alc_codes",
        "sub_excise",
        "min_price",
        "age_limit",
    )
    params: list[Any] = []
    where = _version("", version, params)
    for rows in _pages(bulk, "catalog_item", cols, ("article",), where, params, page):
        codes: dict[str, list[list[Any]]] = {}
        for code, article, qty in bulk.select_in(
            "SELECT barcode, article, quantity FROM catalog_barcode WHERE",
            "article",
            [r[0] for r in rows],
        ):
            codes.setdefault(article, []).append([code, qty])
        out: Page = []
        for r in rows:
            bc = sorted(codes.get(r[0], []))
            out.append(
                CatalogRecord(
                    "put",
                    "item",
                    {
                        "article": r[0],
                        "name": r[1],
                        "measure": r[2],
                        "step": r[3],
                        "weighted": bool(r[4]),
                        "group_id": r[5],
                        "taxgroup_id": r[6],
                        "min_price": r[10],
                        "age_limit": r[11],
                        "egais": bool(r[7]),
                        "egais_type": r[7],
                        "alc_codes": [c for c in str(r[8]).split(",") if c],
                        "sub_excise": bool(r[9]),
                        "barcodes": bc,
                    },
                )
            )
        yield out


def _simple(
    bulk: Bulk,
    kind: str,
    table: str,
    cols: Sequence[str],
    names: Sequence[str],
    keys: Sequence[str],
    where: str,
    params: list[Any],
    version: int | None,
    page: int,
) -> Iterator[Page]:
    where = _version(where, version, params)
    for rows in _pages(bulk, table, cols, keys, where, params, page):
        yield [CatalogRecord("put", kind, dict(zip(names, r, strict=True))) for r in rows]


def chain_kind(bulk: Bulk, kind: str, version: int | None, page: int) -> Iterator[Page]:
    """Chain-wide ``tax``, ``taxgroup``, ``group`` or ``item`` records."""
    if kind == "item":
        yield from items(bulk, version, page)
    elif kind == "tax":
        cols = ("id", "name", "rate_bp")
        yield from _simple(bulk, kind, "catalog_tax", cols, cols, ("id",), "", [], version, page)
    elif kind == "taxgroup":
        cols = ("id", "name", "tax_id")
        yield from _simple(
            bulk, kind, "catalog_tax_group", cols, cols, ("id",), "", [], version, page
        )
    elif kind == "group":
        cols = ("id", "parent_id", "name")
        yield from _simple(bulk, kind, "catalog_group", cols, cols, ("id",), "", [], version, page)


def _role_rights(bulk: Bulk) -> dict[int, list[str]]:
    return {
        int(i): sorted(r.value for r in parse_rights(x for x in str(rights).split(",") if x))
        for i, rights in bulk.execute("SELECT id, rights FROM catalog_cashier_role")
    }


def cashiers(bulk: Bulk, store: str, version: int | None, page: int) -> Iterator[Page]:
    """``cashier`` records of ``store`` (rights resolved from the role unless the cashier's own)."""
    roles = _role_rights(bulk)
    params: list[Any] = [store]
    where = _version("store = :p", version, params)
    cols = ("id", "name", "inn", "password_hash", "role_id", "rights", "enabled")
    for rows in _pages(bulk, "catalog_cashier", cols, ("id",), where, params, page):
        out: Page = []
        for cid, name, inn, pw, role, own, enabled in rows:
            if own is not None:
                rights = sorted(r.value for r in parse_rights(x for x in str(own).split(",") if x))
            else:
                rights = roles.get(int(role), [])
            out.append(
                CatalogRecord(
                    "put",
                    "cashier",
                    {
                        "code": str(cid),
                        "name": name,
                        "inn": inn,
                        "password_hash": pw,
                        "role_id": role,
                        "rights": rights,
                        "enabled": bool(enabled),
                    },
                )
            )
        yield out


def _rules(bulk: Bulk, kind: str, store: str, version: int | None, page: int) -> Iterator[Page]:
    params: list[Any] = [store, "time" if kind == "timerule" else "age"]
    where = _version("store = :p AND kind = :p", version, params)
    cols = (
        "store",
        "code",
        "article",
        "group_id",
        "time_from",
        "time_to",
        "days",
        "min_age",
        "message",
    )
    for rows in _pages(bulk, "catalog_restriction", cols, ("code",), where, params, page):
        out: Page = []
        for st, code, article, group, start, end, days, min_age, message in rows:
            data: dict[str, Any] = {
                "id": rule_id(st, code),
                "article": article,
                "group_id": group,
                "message": message,
            }
            if kind == "timerule":
                weekdays = None if days is None else iso_weekdays(str(days))
                data.update(start=start, end=end, days=weekdays)
            else:
                data["min_age"] = min_age
            out.append(CatalogRecord("put", kind, data))
        yield out


def store_kind(bulk: Bulk, kind: str, store: str, version: int | None, page: int) -> Iterator[Page]:
    """Records of ``kind`` that belong to ``store`` ("" for chain-wide rules)."""
    if kind == "cashier":
        yield from cashiers(bulk, store, version, page)
    elif kind in ("timerule", "agerule"):
        yield from _rules(bulk, kind, store, version, page)
    elif kind == "store":
        params: list[Any] = [store]
        where = _version("code = :p", version, params)
        cols = ("code", "name", "timezone")
        yield from _simple(
            bulk, kind, "catalog_store", cols, cols, ("code",), where, params, None, page
        )
    elif kind == "price":
        yield from _simple(
            bulk,
            kind,
            "catalog_price",
            ("article", "price"),
            ("article", "price"),
            ("article",),
            "store = :p",
            [store],
            version,
            page,
        )
    elif kind == "addprice":
        cols4 = ("article", "price_type", "name", "price")
        yield from _simple(
            bulk,
            kind,
            "catalog_addprice",
            cols4,
            cols4,
            ("article", "price_type"),
            "store = :p",
            [store],
            version,
            page,
        )
    elif kind == "seller":
        yield from _simple(
            bulk,
            kind,
            "catalog_seller",
            ("id", "name"),
            ("code", "name"),
            ("id",),
            "store = :p",
            [store],
            version,
            page,
        )


def merge_settings(of_type: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """A till's settings in force: its type's, then its own over them (an object such as
    ``ui`` merged key by key, anything else replaced)."""
    out = dict(of_type)
    for key, value in own.items():
        base = out.get(key)
        both = isinstance(base, dict) and isinstance(value, dict)
        out[key] = {**base, **value} if both else value  # type: ignore[dict-item]
    return out


def settings(bulk: Bulk, node_id: str, dropped: Sequence[str] = ()) -> Page:
    """``settings`` records of one till (one per top-level key of its settings in force, its
    type's and its own), and a deletion for each key of ``dropped`` it no longer has."""
    rows = bulk.execute(
        "SELECT t.settings, y.settings FROM catalog_till t"
        " LEFT JOIN catalog_till_type y ON y.id = t.type_id WHERE t.node_id = :p",
        (node_id,),
    )
    if not rows:
        return []
    values = merge_settings(json.loads(rows[0][1] or "{}"), json.loads(rows[0][0] or "{}"))
    gone = sorted(set(dropped) - set(values))
    return [
        CatalogRecord("put", "settings", {"key": k, "value": v}) for k, v in sorted(values.items())
    ] + [CatalogRecord("del", "settings", {"key": k}) for k in gone]


_DEL_KEYS = {
    "item": ("article",),
    "barcode": ("barcode",),
    "tax": ("id",),
    "taxgroup": ("id",),
    "group": ("id",),
    "price": ("article",),
    "addprice": ("article", "price_type"),
    "cashier": ("code",),
    "seller": ("code",),
    "timerule": ("id",),
    "agerule": ("id",),
    "store": ("code",),
}
DEL_ORDER = (
    "agerule",
    "timerule",
    "seller",
    "cashier",
    "addprice",
    "price",
    "barcode",
    "item",
    "group",
    "taxgroup",
    "tax",
    "store",
)
"""Deletions go first in a delta, dependants before what they depend on."""


def deletions(bulk: Bulk, version: int, store: str, page: int) -> Iterator[Page]:
    """``del`` records of change ``version`` in scope ``store`` ("" = chain-wide)."""
    for kind in DEL_ORDER:
        for rows in _pages(
            bulk,
            "catalog_tombstone",
            ("id", "key", "key2"),
            ("id",),
            "version = :p AND store = :p AND kind = :p",
            [version, store, kind],
            page,
        ):
            out: Page = []
            for _id, key, key2 in rows:
                names = _DEL_KEYS[kind]
                values: list[Any] = [key, key2][: len(names)]
                out.append(CatalogRecord("del", kind, dict(zip(names, values, strict=True))))
            yield out


PUT_CHAIN = ("tax", "taxgroup", "group", "item")
PUT_STORE = ("store", "price", "addprice", "cashier", "seller", "timerule", "agerule")
PUT_CHAIN_RULES = ("timerule", "agerule")


def puts(
    bulk: Bulk, version: int | None, store: str, kinds: set[str] | None, page: int
) -> Iterator[Page]:
    """``put`` records in scope ``store`` ("" = chain) of ``kinds`` (None = all), in order."""
    if store == CHAIN:
        for kind in PUT_CHAIN:
            if kinds is None or kind in kinds:
                yield from chain_kind(bulk, kind, version, page)
        for kind in PUT_CHAIN_RULES:
            if kinds is None or kind in kinds:
                yield from store_kind(bulk, kind, CHAIN, version, page)
        return
    for kind in PUT_STORE:
        if kinds is None or kind in kinds:
            yield from store_kind(bulk, kind, store, version, page)
