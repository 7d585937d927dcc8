"""Admin API: items (search, one item), stores, groups, taxes, import history.

Money is in kopecks, quantities in thousandths (``1000`` = one unit), as
everywhere in the system.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

import bottle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_fields import check_store_code
from ukm_actors.i18n.web import localized
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.auth import READERS, WRITERS, require_employee
from ukm_actors.nodes.server.admin.web import API, Outcome, body, paging, query, text_field, write
from ukm_actors.nodes.server.catalog.public import (
    AdditionalPrice,
    Barcode,
    CatalogError,
    CatalogLoad,
    Conflict,
    Group,
    Item,
    NotFound,
    Price,
    Store,
    Tax,
    TaxGroup,
    begin_change,
    commit_change,
    read_texts,
)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def item_json(item: Item) -> dict[str, Any]:
    return {
        "article": item.article,
        "name": item.name,
        "measure": item.measure,
        "measprec": item.measprec,
        "step": item.step,
        "weighted": item.weighted,
        "group_id": item.group_id,
        "taxgroup_id": item.taxgroup_id,
        "egais_type": item.egais_type,
        "alc_codes": [c for c in item.alc_codes.split(",") if c],
        "sub_excise": item.sub_excise,
        "min_price": item.min_price,
        "age_limit": item.age_limit,
    }


COUNT_CAP = 1000
"""A name search counts its matches up to this many (``total_exact`` false beyond)."""


@dataclass(frozen=True)
class ItemSearch:
    """One page of an item search: ``total`` is exact unless ``total_exact`` is false, when
    there are more than ``COUNT_CAP`` matches (counting them all would scan the catalog)."""

    total: int
    total_exact: bool
    items: list[Item]


def _exact_codes(session: Session, code: str) -> list[str]:
    """Articles whose article or one of whose barcodes is ``code`` (two index lookups)."""
    found = set(session.execute(select(Item.article).where(Item.article == code)).scalars())
    found.update(session.execute(select(Barcode.article).where(Barcode.barcode == code)).scalars())
    return sorted(found)


def search_items(
    session: Session,
    q: str | None,
    article: str | None,
    barcode: str | None,
    page: int,
    per_page: int,
    find: str | None = None,
) -> ItemSearch:
    """Items matching every filter given, ordered by article: ``q`` a substring of the name
    (any case), ``article`` and ``barcode`` exactly, ``find`` the console's one search box:
    the items whose article or barcode it is, else those whose name contains it.

    Exact filters walk an index. A name search reads the catalog in article order and stops
    at the page's last row; the count is taken only when the page does not tell it and stops
    at ``COUNT_CAP`` (measured by ``bench/console.py``: under 100 ms over 200,000 items).
    """
    stmt = select(Item)
    if article:
        stmt = stmt.where(Item.article == article)
    if barcode:
        stmt = stmt.join(Barcode, Barcode.article == Item.article).where(Barcode.barcode == barcode)
    if q:
        stmt = stmt.where(Item.name_lc.like(_like(q), escape="\\"))
    if find:
        exact = _exact_codes(session, find)
        if exact:
            stmt = stmt.where(Item.article.in_(exact))
        else:
            stmt = stmt.where(Item.name_lc.like(_like(find), escape="\\"))
    offset = (page - 1) * per_page
    # the page's articles first (an index-only walk on PostgreSQL), then those items' rows
    keys = stmt.with_only_columns(Item.article).order_by(Item.article)
    articles = list(session.execute(keys.offset(offset).limit(per_page + 1)).scalars())
    rows = (
        list(
            session.execute(
                select(Item).where(Item.article.in_(articles)).order_by(Item.article)
            ).scalars()
        )
        if articles
        else []
    )
    if len(rows) <= per_page and (rows or page == 1):
        return ItemSearch(offset + len(rows), True, rows)
    if not (q or find):
        total = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
        return ItemSearch(total, True, rows[:per_page])
    capped = stmt.with_only_columns(Item.article).limit(COUNT_CAP + 1).subquery()
    total = int(session.execute(select(func.count()).select_from(capped)).scalar_one())
    return ItemSearch(min(total, COUNT_CAP), total <= COUNT_CAP, rows[:per_page])


def store_json(s: Store) -> dict[str, Any]:
    return {
        "code": s.code,
        "name": s.name,
        "timezone": s.timezone,
        "region_id": s.region_id,
        "store_type_id": s.store_type_id,
        "active": s.active,
    }


def create_store(session: Session, data: dict[str, Any], by: str) -> tuple[Store, frozenset[str]]:
    """A store made in the admin API (the trade system's ``stores`` files update it later)."""
    code = text_field(data, "code", max_len=100) or ""
    problem = check_store_code(code)
    if problem is not None:
        raise CatalogError(problem)
    name = text_field(data, "name") or ""
    tz = text_field(data, "timezone", required=False) or "Europe/Moscow"
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CatalogError(f"{tz!r} is not an IANA time zone name (e.g. Europe/Samara)") from None
    existing = session.get(Store, code)
    if existing is not None and existing.active:
        raise Conflict(f"store {code} exists already")
    change = begin_change(session, "admin", "store.create", store=code, by=by)
    if existing is None:
        existing = Store(code=code, name=name, timezone=tz, active=True, version=change.version)
        session.add(existing)
    else:
        existing.name, existing.timezone, existing.active = name, tz, True
        existing.version = change.version
    session.flush()
    change.touch("store", code)
    return existing, commit_change(change)


def import_json(r: CatalogLoad) -> dict[str, Any]:
    """One catalog file loaded from the import folder or ``ukm import``.

    ``error`` and ``warnings`` are ``Text`` where the row keeps them translatable
    (``texts``), so the answer is in the reader's language; ``report`` is a refused
    file's where (``line``, ``field``), what (``reason``) and what to do (``hint``, or
    after the reason's last ``"; "``), ``None`` for a row written before it was kept."""
    started, finished = r.started_at, r.finished_at
    texts = read_texts(r.texts)
    error: str | None = r.error
    warnings: list[str] = [w for w in (r.warnings or "").split("\n") if w]
    report: dict[str, Any] | None = None
    if texts is not None:
        warnings = list(texts.warnings) or warnings
        if texts.error is not None:
            error = texts.error
            report = {
                "line": texts.line,
                "field": texts.field,
                "reason": texts.reason,
                "hint": texts.hint,
            }
    return {
        "id": r.id,
        "file": r.file,
        "type": r.type if r.type != "?" else None,
        "store": r.store or None,
        "number": r.number,
        "fullness": r.fullness,
        "status": r.status,
        "records": r.records,
        "changes": r.changes,
        "warnings": warnings,
        "error": error,
        "report": report,
        "started_at": started.isoformat(timespec="seconds") if started else None,
        "duration_s": round((finished - started).total_seconds(), 1)
        if finished and started
        else None,
        "finished_at": finished.isoformat(timespec="seconds") if finished else None,
    }


def list_items(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    p = paging()
    with ctx.require_db().read() as session:
        found = search_items(
            session,
            query("q"),
            query("article"),
            query("barcode"),
            p.page,
            p.per_page,
            find=query("find"),
        )
        out = p.wrap(found.total, "items", [item_json(i) for i in found.items])
        out["total_exact"] = found.total_exact
        return json_response(out)


def one_item(ctx: NodeContext, article: str) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        item = session.get(Item, article)
        if item is None:
            raise NotFound(f"no item with article {article!r}")
        out = item_json(item)
        out["barcodes"] = [
            {"barcode": b.barcode, "quantity": b.quantity}
            for b in session.execute(
                select(Barcode).where(Barcode.article == article).order_by(Barcode.barcode)
            ).scalars()
        ]
        out["prices"] = [
            {"store": p.store, "price": p.price}
            for p in session.execute(
                select(Price).where(Price.article == article).order_by(Price.store)
            ).scalars()
        ]
        out["additional_prices"] = [
            {"store": a.store, "price_type": a.price_type, "name": a.name, "price": a.price}
            for a in session.execute(
                select(AdditionalPrice)
                .where(AdditionalPrice.article == article)
                .order_by(AdditionalPrice.store, AdditionalPrice.price_type)
            ).scalars()
        ]
        group = session.get(Group, item.group_id)
        out["group_name"] = group.name if group is not None else None
        return json_response(out)


def list_stores(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        rows = session.execute(select(Store).order_by(Store.code)).scalars()
        return json_response({"stores": [store_json(s) for s in rows]})


def one_store(ctx: NodeContext, code: str) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        s = session.get(Store, code)
        if s is None:
            raise NotFound(f"no store {code!r}")
        return json_response(store_json(s))


def post_store(ctx: NodeContext) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()

    def do(session: Session) -> Outcome:
        s, channels = create_store(session, data, who.login)
        return Outcome(store_json(s), None, store_json(s), channels)

    return json_response(write(ctx, who, "store.create", str(data.get("code")), do), 201)


def list_groups(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        rows = session.execute(select(Group).order_by(Group.id)).scalars()
        return json_response(
            {"groups": [{"id": g.id, "parent_id": g.parent_id, "name": g.name} for g in rows]}
        )


def list_taxes(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        taxes = session.execute(select(Tax).order_by(Tax.id)).scalars()
        groups = session.execute(select(TaxGroup).order_by(TaxGroup.id)).scalars()
        return json_response(
            {
                "taxes": [{"id": t.id, "name": t.name, "rate_bp": t.rate_bp} for t in taxes],
                "tax_groups": [{"id": g.id, "name": g.name, "tax_id": g.tax_id} for g in groups],
            }
        )


def list_imports(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    p = paging()
    with ctx.require_db().read() as session:
        base = select(CatalogLoad).where(CatalogLoad.kind.in_(("folder", "cli")))
        total = int(session.execute(select(func.count()).select_from(base.subquery())).scalar_one())
        rows = session.execute(
            base.order_by(CatalogLoad.id.desc()).offset(p.offset).limit(p.per_page)
        ).scalars()
        out = p.wrap(total, "imports", [import_json(r) for r in rows])
        return json_response(localized(out))


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    r = Routes(app, ctx, prefix=API)
    r.get("/items", list_items)
    r.get("/items/<article>", one_item)
    r.get("/stores", list_stores)
    r.get("/stores/<code>", one_store)
    r.post("/stores", post_store)
    r.get("/groups", list_groups)
    r.get("/taxes", list_taxes)
    r.get("/imports", list_imports)
