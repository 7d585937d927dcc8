"""Admin API: items made and changed on the server, for shops without a trade system.

``POST /api/v1/items`` creates an item, ``PUT /api/v1/items/<article>`` changes one
(its barcodes are replaced by the list given; prices are set per store listed, a price
of null removes that store's price). Each write goes through the same loaders as an
incremental ``updateItems`` / ``storePrices`` file of one record (digest, barcodes
moving between items, documents to the tills) in one transaction with its audit row.

The trade system stays the master: its next *full* ``updateItems`` (or ``storePrices``)
file replaces the catalog (or that store's prices) with its own, and an item made here
that the file does not list is deleted (docs/exchange.md §1.6).
"""

from __future__ import annotations

from typing import Any

import bottle
from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_fields import check_store_code
from ukm_actors.codecs.ukm_records import BarcodeRecord, ItemRecord, PriceRecord
from ukm_actors.domain.units import WeighRule
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.auth import WRITERS, require_employee
from ukm_actors.nodes.server.admin.web import API, Outcome, body, field, text_field, write
from ukm_actors.nodes.server.catalog.public import (
    Barcode,
    CatalogError,
    Conflict,
    Item,
    ItemLoader,
    NotFound,
    Price,
    PriceLoader,
    Store,
    begin_change,
    commit_change,
)

SOURCE = "console"
"""The ``file`` the catalog history shows for these changes."""
MAX_PRICE = 10**11
MAX_BARCODES = 100


def _barcodes(data: dict[str, Any]) -> tuple[BarcodeRecord, ...]:
    raw = data.get("barcodes") or []
    if not isinstance(raw, list) or len(raw) > MAX_BARCODES:
        raise CatalogError(f'"barcodes" must be a list of at most {MAX_BARCODES} barcodes')
    out: list[BarcodeRecord] = []
    for i, b in enumerate(raw):
        entry = {"barcode": b} if isinstance(b, str) else b
        if not isinstance(entry, dict):
            raise CatalogError(f'"barcodes"[{i}] must be a text or {{"barcode", "quantity"}}')
        code = text_field(entry, "barcode", max_len=40) or ""
        if not code.isdigit():
            raise CatalogError(f'"barcodes"[{i}]: {code!r} must be digits')
        quantity = field(entry, "quantity", int, required=False) or 1000
        if not 1 <= quantity <= 10**9:
            raise CatalogError(f'"barcodes"[{i}]: quantity is in thousandths, 1 to 10^9')
        out.append(BarcodeRecord(code, quantity))
    if len({b.barcode for b in out}) != len(out):
        raise CatalogError('"barcodes" lists a barcode twice')
    return tuple(out)


def _optional_int(data: dict[str, Any], name: str, lo: int, hi: int) -> int | None:
    value = field(data, name, int, required=False)
    if value is not None and not lo <= value <= hi:
        raise CatalogError(f'"{name}" must be {lo} to {hi}')
    return None if value is None else int(value)


def item_record(article: str, data: dict[str, Any]) -> ItemRecord:
    """The ``updateItems`` record an employee's JSON describes (400 naming a bad field)."""
    measure = text_field(data, "measure", required=False, max_len=20) or "шт"
    weighed = measure.lower() in ("кг", "kg")
    return ItemRecord(
        article=article,
        name=text_field(data, "name", max_len=250) or "",
        measure=measure,
        measprec="0.001" if weighed else "1",
        group_id=text_field(data, "group_id", required=False, max_len=40) or "",
        taxgroup_id=text_field(data, "taxgroup_id", required=False, max_len=40) or "1",
        barcodes=_barcodes(data),
        min_price=_optional_int(data, "min_price", 0, MAX_PRICE),
        age_limit=_optional_int(data, "age_limit", 1, 150),
    )


def _prices(session: Session, data: dict[str, Any]) -> list[tuple[str, int | None]]:
    raw = data.get("prices") or []
    if not isinstance(raw, list):
        raise CatalogError('"prices" must be a list of {"store", "price"} (kopecks; null removes)')
    out: list[tuple[str, int | None]] = []
    for i, p in enumerate(raw):
        if not isinstance(p, dict):
            raise CatalogError(f'"prices"[{i}] must be {{"store", "price"}}')
        store = text_field(p, "store", max_len=100) or ""
        if check_store_code(store) is not None or session.get(Store, store) is None:
            raise NotFound(f'"prices"[{i}]: no store {store!r}')
        price = field(p, "price", int, required=False)
        if price is not None and not 0 <= price <= MAX_PRICE:
            raise CatalogError(f'"prices"[{i}]: the price is in kopecks, 0 to {MAX_PRICE}')
        out.append((store, price))
    return out


def summary(session: Session, article: str) -> dict[str, Any] | None:
    """What the audit log keeps of an item: its fields, barcodes and prices."""
    item = session.get(Item, article)
    if item is None:
        return None
    codes = session.execute(select(Barcode.barcode).where(Barcode.article == article)).scalars()
    prices = session.execute(select(Price.store, Price.price).where(Price.article == article))
    return {
        "article": article,
        "name": item.name,
        "measure": item.measure,
        "group_id": item.group_id,
        "taxgroup_id": item.taxgroup_id,
        "min_price": item.min_price,
        "age_limit": item.age_limit,
        "barcodes": sorted(codes),
        "prices": {s: p for s, p in prices},
    }


def save_item(
    session: Session, article: str, data: dict[str, Any], by: str, rule: WeighRule, *, new: bool
) -> tuple[dict[str, Any] | None, frozenset[str]]:
    """Create or change an item and its prices through the import's loaders; the channels."""
    before = summary(session, article)
    if new and before is not None:
        raise Conflict(f"an item with article {article!r} exists already; change it instead")
    if not new and before is None:
        raise NotFound(f"no item with article {article!r}")
    record = item_record(article, data)
    prices = _prices(session, data)
    for b in record.barcodes:
        owner = session.get(Barcode, b.barcode)
        if owner is not None and owner.article != article and not data.get("move_barcodes"):
            raise Conflict(
                f"barcode {b.barcode} belongs to item {owner.article}",
                hint='remove it there first, or send "move_barcodes": true to move it here',
            )
    change = begin_change(
        session, "admin", "item.create" if new else "item.update", by=by, file=SOURCE
    )
    ItemLoader(change, SOURCE, "I", rule).load(iter([(0, record)]), change.tick)
    for store, price in prices:
        priced = PriceRecord(store, article, price or 0, deleted=price is None)
        PriceLoader(change, SOURCE, store, "I").load(iter([(0, priced)]), change.tick)
    return before, commit_change(change)


def _rule(ctx: NodeContext) -> WeighRule:
    cfg = ctx.config.server
    return WeighRule.of(cfg.weighed_units, cfg.import_measprec)


def post_item(ctx: NodeContext) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()
    article = text_field(data, "article", max_len=40) or ""

    def do(session: Session) -> Outcome:
        _before, channels = save_item(session, article, data, who.login, _rule(ctx), new=True)
        after = summary(session, article)
        return Outcome(after, None, after, channels)

    return json_response(write(ctx, who, "item.create", article, do), 201)


def put_item(ctx: NodeContext, article: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()

    def do(session: Session) -> Outcome:
        before, channels = save_item(session, article, data, who.login, _rule(ctx), new=False)
        after = summary(session, article)
        return Outcome(after, before, after, channels)

    return json_response(write(ctx, who, "item.update", article, do))


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    r = Routes(app, ctx, prefix=API)
    r.post("/items", post_item)
    r.put("/items/<article>", put_item)
