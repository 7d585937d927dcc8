"""Admin API: login and logout, employees, cashier roles and rights, cashiers, the audit log."""

from __future__ import annotations

from typing import Any

import bottle
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ukm_actors.domain.inn import InnError, validate_inn
from ukm_actors.domain.passwords import hash_cashier_password
from ukm_actors.domain.rights import RightsError, parse_rights
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin import auth
from ukm_actors.nodes.server.admin.audit import entries
from ukm_actors.nodes.server.admin.auth import ADMINS, READERS, WRITERS, require_employee
from ukm_actors.nodes.server.admin.logins import client_address
from ukm_actors.nodes.server.admin.tables import Employee
from ukm_actors.nodes.server.admin.web import (
    API,
    Outcome,
    body,
    field,
    paging,
    query,
    text_field,
    write,
)
from ukm_actors.nodes.server.catalog.public import (
    ADMIN,
    Cashier,
    CashierRole,
    CatalogError,
    Conflict,
    NotFound,
    Store,
    begin_change,
    commit_change,
    rights_text,
)
from ukm_actors.nodes.server.services import ServerContext


def employee_json(e: Employee) -> dict[str, Any]:
    return {"id": e.id, "login": e.login, "name": e.name, "role": e.role, "enabled": e.enabled}


def role_json(r: CashierRole) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "rights": [x for x in r.rights.split(",") if x]}


def cashier_json(c: Cashier) -> dict[str, Any]:
    return {
        "store": c.store,
        "id": c.id,
        "name": c.name,
        "role_id": c.role_id,
        "inn": c.inn,
        "rights": None if c.rights is None else [x for x in c.rights.split(",") if x],
        "enabled": c.enabled,
        "source": c.source,
    }


def _rights(value: Any) -> str:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise CatalogError('"rights" must be a list of right names, e.g. ["sell", "void_line"]')
    try:
        return rights_text(set(parse_rights(value)))
    except RightsError as exc:
        raise CatalogError(exc.message) from None


def _inn(data: dict[str, Any]) -> str | None:
    value = text_field(data, "inn", required=False, max_len=12)
    if value is None:
        return None
    try:
        return validate_inn(value)
    except InnError as exc:
        raise CatalogError(exc.message) from None


def _store(session: Session, code: str) -> Store:
    s = session.get(Store, code)
    if s is None:
        raise NotFound(f"no store {code!r}")
    return s


def _cashier(session: Session, code: str, cashier_id: str) -> Cashier:
    if not cashier_id.isdigit():
        raise NotFound(f"no cashier {cashier_id!r} in store {code}")
    c = session.get(Cashier, (code, int(cashier_id)))
    if c is None:
        raise NotFound(f"no cashier {cashier_id} in store {code}")
    return c


def update_role(
    session: Session, role_id: int, data: dict[str, Any], by: str
) -> tuple[CashierRole, Any, frozenset[str]]:
    """Create or change a cashier role; every cashier of it gets the new rights."""
    role = session.get(CashierRole, role_id)
    before = role_json(role) if role is not None else None
    change = begin_change(session, "admin", "role.update", by=by)
    if role is None:
        role = CashierRole(
            id=role_id, name=text_field(data, "name") or "", rights="", version=change.version
        )
        session.add(role)
    elif "name" in data:
        role.name = text_field(data, "name") or role.name
    if "rights" in data:
        role.rights = _rights(data["rights"])
    role.version = change.version
    session.flush()
    stores = session.execute(
        select(Cashier.store, func.count())
        .where(Cashier.role_id == role_id, Cashier.rights.is_(None))
        .group_by(Cashier.store)
    ).all()
    session.execute(
        update(Cashier)
        .where(Cashier.role_id == role_id, Cashier.rights.is_(None))
        .values(version=change.version)
        .execution_options(synchronize_session=False)
    )
    for store, count in stores:
        change.touch("cashier", store, int(count))
    return role, before, commit_change(change)


def save_cashier(
    session: Session, code: str, data: dict[str, Any], by: str, existing: Cashier | None
) -> tuple[Cashier, Any, frozenset[str]]:
    """Create (``existing`` None) or change a cashier of store ``code``."""
    _store(session, code)
    before = cashier_json(existing) if existing is not None else None
    change = begin_change(session, "admin", "cashier.save", store=code, by=by)
    if existing is None:
        cid = field(data, "id", int)
        if not 1 <= cid <= 2**31 - 1:
            raise CatalogError('"id" must be a positive whole number')
        if session.get(Cashier, (code, cid)) is not None:
            raise Conflict(f"cashier {cid} exists already in store {code}")
        password = text_field(data, "password") or ""
        existing = Cashier(
            store=code,
            id=cid,
            name=text_field(data, "name") or "",
            role_id=field(data, "role_id", int),
            inn=_inn(data),
            password_hash=hash_cashier_password(password),
            rights=None,
            enabled=True,
            source=ADMIN,
            version=change.version,
        )
        session.add(existing)
    else:
        if "name" in data:
            existing.name = text_field(data, "name") or existing.name
        if "role_id" in data:
            existing.role_id = field(data, "role_id", int)
        if "inn" in data:
            existing.inn = _inn(data)
        if data.get("password"):
            existing.password_hash = hash_cashier_password(text_field(data, "password") or "")
        if "enabled" in data:
            existing.enabled = bool(field(data, "enabled", bool))
        existing.version = change.version
    if "rights" in data:
        existing.rights = None if data["rights"] is None else _rights(data["rights"])
    if session.get(CashierRole, existing.role_id) is None:
        raise CatalogError(
            f"cashier role {existing.role_id} is not defined", hint="GET /api/v1/cashier-roles"
        )
    session.flush()
    change.touch("cashier", code)
    return existing, before, commit_change(change)


def login(ctx: ServerContext) -> bottle.HTTPResponse:
    name, password = auth.login_request(bottle.request.body.read())
    guard = ctx.services.login_guard
    token, expires, who = guard.attempt(
        name, password, client_address(), ctx.config.server.session_hours
    )
    return json_response({"token": token, "expires": expires // 1000, "employee": who.to_json()})


def logout(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    token = auth.request_token() or ""
    with ctx.require_db().write() as session:
        auth.logout(session, token)
    return json_response({"ok": True})


def me(ctx: NodeContext) -> bottle.HTTPResponse:
    return json_response(require_employee(ctx, READERS).to_json())


# -- employees (admin only) -------------------------------------------------------


def list_employees(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, ADMINS)
    with ctx.require_db().read() as session:
        rows = session.execute(select(Employee).order_by(Employee.login)).scalars()
        return json_response({"employees": [employee_json(e) for e in rows]})


def post_employee(ctx: NodeContext) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    data = body()

    def do(session: Session) -> Outcome:
        e = auth.create_employee(
            session,
            text_field(data, "login", max_len=80) or "",
            field(data, "password", str),
            text_field(data, "role") or "",
            text_field(data, "name", required=False) or "",
        )
        return Outcome(employee_json(e), None, employee_json(e))

    return json_response(write(ctx, who, "employee.create", str(data.get("login")), do), 201)


def put_employee(ctx: NodeContext, login: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    data = body()

    def do(session: Session) -> Outcome:
        e = auth.find_employee(session, login)
        before = employee_json(e)
        if "role" in data:
            e.role = auth.check_role(text_field(data, "role") or "")
        if "name" in data:
            e.name = text_field(data, "name", required=False) or ""
        if "enabled" in data:
            e.enabled = bool(field(data, "enabled", bool))
            if not e.enabled:
                auth.end_sessions(session, e.id)
        if data.get("password"):
            auth.set_password(session, login, field(data, "password", str))
        if e.id == who.id and (e.role != before["role"] or not e.enabled):
            raise CatalogError("you cannot lower your own role or disable yourself")
        session.flush()
        return Outcome(employee_json(e), before, employee_json(e))

    return json_response(write(ctx, who, "employee.update", login, do))


# -- cashier roles ------------------------------------------------------------------


def list_roles(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        rows = session.execute(select(CashierRole).order_by(CashierRole.id)).scalars()
        return json_response({"roles": [role_json(r) for r in rows]})


def put_role(ctx: NodeContext, role_id: int) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()

    def do(session: Session) -> Outcome:
        role, before, channels = update_role(session, role_id, data, who.login)
        return Outcome(role_json(role), before, role_json(role), channels)

    return json_response(write(ctx, who, "cashier_role.update", str(role_id), do))


# -- cashiers -----------------------------------------------------------------------


def list_cashiers(ctx: NodeContext, code: str) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        _store(session, code)
        rows = session.execute(
            select(Cashier).where(Cashier.store == code).order_by(Cashier.id)
        ).scalars()
        return json_response({"cashiers": [cashier_json(c) for c in rows]})


def post_cashier(ctx: NodeContext, code: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()

    def do(session: Session) -> Outcome:
        c, before, channels = save_cashier(session, code, data, who.login, None)
        return Outcome(cashier_json(c), before, cashier_json(c), channels)

    return json_response(write(ctx, who, "cashier.create", f"{code}/{data.get('id')}", do), 201)


def put_cashier(ctx: NodeContext, code: str, cashier_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)
    data = body()

    def do(session: Session) -> Outcome:
        c, before, channels = save_cashier(
            session, code, data, who.login, _cashier(session, code, cashier_id)
        )
        return Outcome(cashier_json(c), before, cashier_json(c), channels)

    return json_response(write(ctx, who, "cashier.update", f"{code}/{cashier_id}", do))


def disable_cashier(ctx: NodeContext, code: str, cashier_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, WRITERS)

    def do(session: Session) -> Outcome:
        c, before, channels = save_cashier(
            session, code, {"enabled": False}, who.login, _cashier(session, code, cashier_id)
        )
        return Outcome(cashier_json(c), before, cashier_json(c), channels)

    return json_response(write(ctx, who, "cashier.disable", f"{code}/{cashier_id}", do))


# -- audit ----------------------------------------------------------------------------


def audit_log(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, WRITERS)
    p = paging()
    with ctx.require_db().read() as session:
        total, rows = entries(
            session, p.page, p.per_page, query("who"), query("action"), query("target")
        )
        return json_response(p.wrap(total, "entries", rows))


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    r = Routes(app, ctx, prefix=API)
    r.post("/login", login)
    r.post("/logout", logout)
    r.get("/me", me)
    r.get("/employees", list_employees)
    r.post("/employees", post_employee)
    r.put("/employees/<login>", put_employee)
    r.get("/cashier-roles", list_roles)
    r.put("/cashier-roles/<role_id:int>", put_role)
    r.get("/stores/<code>/cashiers", list_cashiers)
    r.post("/stores/<code>/cashiers", post_cashier)
    r.put("/stores/<code>/cashiers/<cashier_id>", put_cashier)
    r.post("/stores/<code>/cashiers/<cashier_id>/disable", disable_cashier)
    r.get("/audit", audit_log)
