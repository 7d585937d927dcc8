"""Admin API: tills (register, secret, settings, resync) and sale restrictions."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import bottle
from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.exchange.catalog import rule_id
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.auth import ADMINS, READERS, WRITERS, require_employee
from ukm_actors.nodes.server.admin.web import API, Outcome, body, field, query, text_field, write
from ukm_actors.nodes.server.catalog import public as catalog
from ukm_actors.nodes.server.catalog.public import (
    ADMIN,
    CHAIN,
    CatalogError,
    Group,
    Item,
    NotFound,
    Restriction,
    Store,
    Till,
    begin_change,
)

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def till_json(t: Till) -> dict[str, Any]:
    return {
        "node_id": t.node_id,
        "store": t.store,
        "number": t.number,
        "enabled": t.enabled,
        "settings": json.loads(t.settings or "{}"),
        "type": t.type_id,
        "created_at": t.created_at.isoformat(timespec="seconds") if t.created_at else None,
    }


def rule_json(r: Restriction) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "kind": r.kind,
        "store": r.store or None,
        "code": r.code,
        "till_id": rule_id(r.store, r.code),
        "article": r.article,
        "group_id": r.group_id,
        "message": r.message,
        "source": r.source,
    }
    if r.kind == "time":
        out.update({"from": r.time_from, "to": r.time_to, "days": r.days})
    else:
        out["min_age"] = r.min_age
    return out


def _hhmm(data: dict[str, Any], name: str) -> str:
    value = text_field(data, name, max_len=5) or ""
    m = _TIME.match(value)
    if m is None:
        raise CatalogError(f'"{name}" must be a time of day HH:MM (00:00 to 23:59), not {value!r}')
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def create_rule(
    session: Session, data: dict[str, Any], by: str
) -> tuple[Restriction, frozenset[str]]:
    """A restriction made by an employee: for one store, or every store when ``store`` is absent."""
    kind = text_field(data, "kind") or ""
    if kind not in ("time", "age"):
        raise CatalogError('"kind" must be "time" or "age"')
    store = text_field(data, "store", required=False, max_len=100) or CHAIN
    if store and session.get(Store, store) is None:
        raise NotFound(f"no store {store!r}")
    article = text_field(data, "article", required=False, max_len=40)
    group_id = text_field(data, "group_id", required=False, max_len=40)
    if article and group_id:
        raise CatalogError('give "article" or "group_id" (or neither, for every item), not both')
    if article and session.get(Item, article) is None:
        raise NotFound(f"no item with article {article!r}")
    if group_id and session.get(Group, group_id) is None:
        raise NotFound(f"no group {group_id!r} in the item hierarchy")
    message = text_field(data, "message", required=False) or ""
    change = begin_change(session, "admin", "restriction.create", store=store, by=by)
    rule = Restriction(
        store=store,
        kind=kind,
        code="a" + secrets.token_hex(4),
        article=article,
        group_id=group_id,
        message=message,
        source=ADMIN,
        version=change.version,
    )
    if kind == "time":
        rule.time_from, rule.time_to = _hhmm(data, "from"), _hhmm(data, "to")
        if rule.time_from == rule.time_to:
            raise CatalogError('"from" and "to" are equal; the restriction would cover no time')
        days = text_field(data, "days", required=False, max_len=20)
        if days is not None:
            digits = days.replace(",", "").replace(" ", "")
            if (
                not digits
                or any(d not in "1234567" for d in digits)
                or len(set(digits)) != len(digits)
            ):
                raise CatalogError(
                    '"days" lists weekdays as digits 1 (Monday) to 7 (Sunday), e.g. "67"'
                )
            rule.days = "".join(sorted(digits))
        if not message:
            rule.message = f"Продажа запрещена с {rule.time_from} до {rule.time_to}"
    else:
        min_age = field(data, "min_age", int)
        if not 1 <= min_age <= 150:
            raise CatalogError('"min_age" must be 1 to 150')
        rule.min_age = min_age
        if not message:
            rule.message = f"Продажа с {min_age} лет: проверьте документ покупателя"
    session.add(rule)
    session.flush()
    change.touch("timerule" if kind == "time" else "agerule", store)
    return rule, catalog.commit_change(change)


def delete_rule(session: Session, rid: int, by: str) -> tuple[dict[str, Any], frozenset[str]]:
    rule = session.get(Restriction, rid)
    if rule is None:
        raise NotFound(f"no restriction {rid}")
    before = rule_json(rule)
    change = begin_change(session, "admin", "restriction.delete", store=rule.store, by=by)
    kind = "timerule" if rule.kind == "time" else "agerule"
    change.tombstones(kind, rule.store, [(rule_id(rule.store, rule.code),)])
    session.delete(rule)
    session.flush()
    return before, catalog.commit_change(change)


def list_tills(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    store = query("store")
    with ctx.require_db().read() as session:
        q = select(Till).order_by(Till.store, Till.number)
        if store:
            q = q.where(Till.store == store)
        return json_response({"tills": [till_json(t) for t in session.execute(q).scalars()]})


def post_till(ctx: NodeContext) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    data = body()
    store = text_field(data, "store", max_len=100) or ""
    number = field(data, "number", int)
    settings = field(data, "settings", dict, required=False)

    def do(session: Session) -> Outcome:
        reg = catalog.register_till(
            session,
            store,
            number,
            settings=settings,
            by=who.login,
            max_records=ctx.config.server.catalog_doc_records,
        )
        till = catalog.get_till(session, reg.node_id)
        answer = {**till_json(till), "secret": reg.secret, "created": reg.created}
        return Outcome(answer, None, till_json(till), reg.channels)

    return json_response(write(ctx, who, "till.register", f"{store}/{number}", do), 201)


def one_till(ctx: NodeContext, node_id: str) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        return json_response(till_json(catalog.get_till(session, node_id)))


def till_secret(ctx: NodeContext, node_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)

    def do(session: Session) -> Outcome:
        secret = catalog.new_secret(session, node_id)
        return Outcome({"node_id": node_id, "secret": secret}, None, {"secret": "new"})

    return json_response(write(ctx, who, "till.secret", node_id, do))


def get_settings(ctx: NodeContext, node_id: str) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        return json_response(json.loads(catalog.get_till(session, node_id).settings or "{}"))


def put_settings(ctx: NodeContext, node_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    data = body()

    def do(session: Session) -> Outcome:
        before = json.loads(catalog.get_till(session, node_id).settings or "{}")
        channels = catalog.update_settings(
            session, node_id, data, by=who.login, max_records=ctx.config.server.catalog_doc_records
        )
        return Outcome(data, before, data, channels)

    return json_response(write(ctx, who, "till.settings", node_id, do))


def resync(ctx: NodeContext, node_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)

    def do(session: Session) -> Outcome:
        channels = catalog.resync(
            session, node_id, by=who.login, max_records=ctx.config.server.catalog_doc_records
        )
        return Outcome({"node_id": node_id, "queued": "catalog.full"}, None, None, channels)

    return json_response(write(ctx, who, "till.resync", node_id, do))


# -- restrictions -------------------------------------------------------------------


def list_rules(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    store = query("store")
    with ctx.require_db().read() as session:
        q = select(Restriction).order_by(Restriction.store, Restriction.kind, Restriction.code)
        if store is not None:
            q = q.where(Restriction.store.in_((store, CHAIN)))
        return json_response({"restrictions": [rule_json(r) for r in session.execute(q).scalars()]})


def post_rule(ctx: NodeContext) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()

    def do(session: Session) -> Outcome:
        rule, channels = create_rule(session, data, who.login)
        return Outcome(rule_json(rule), None, rule_json(rule), channels)

    return json_response(
        write(ctx, who, "restriction.create", str(data.get("store") or "*"), do), 201
    )


def del_rule(ctx: NodeContext, rid: int) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)

    def do(session: Session) -> Outcome:
        before, channels = delete_rule(session, rid, who.login)
        return Outcome({"deleted": rid}, before, None, channels)

    return json_response(write(ctx, who, "restriction.delete", str(rid), do))


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    r = Routes(app, ctx, prefix=API)
    r.get("/tills", list_tills)
    r.post("/tills", post_till)
    r.get("/tills/<node_id>", one_till)
    r.post("/tills/<node_id>/secret", till_secret)
    r.get("/tills/<node_id>/settings", get_settings)
    r.put("/tills/<node_id>/settings", put_settings)
    r.post("/tills/<node_id>/resync", resync)
    r.get("/restrictions", list_rules)
    r.post("/restrictions", post_rule)
    r.delete("/restrictions/<rid:int>", del_rule)
