"""Feature "admin" of the cash server: employees, logins, roles, audit, the admin HTTP API.

Routes are under ``/api/v1`` (JSON; ``docs/admin-api.md``; OpenAPI at
``/api/v1/openapi.json``). Other features check logins with
``ukm_actors.nodes.server.admin.auth.require_employee(ctx, roles=...)``.
"""

from __future__ import annotations

from typing import Any

import bottle

from ukm_actors.bridge.policy import Refusal
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import STATUS_OPS, paths
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin import (
    logins,
    openapi,
    routes_catalog,
    routes_items,
    routes_logins,
    routes_people,
    routes_till_types,
    routes_tills,
)
from ukm_actors.nodes.server.admin.audit import audit
from ukm_actors.nodes.server.services import ServerContext


def setup(ctx: ServerContext) -> None:
    openapi.add_paths(ctx, paths(STATUS_OPS))
    ctx.asks.register("auth.verify", lambda message, peer: verify_token(ctx, message, peer))
    ctx.asks.register("auth.login", lambda message, peer: login_for_peer(ctx, message, peer))
    ctx.asks.register("auth.logout", lambda message, peer: logout_for_peer(ctx, message, peer))
    stats = logins.LoginStats()
    policies = logins.Policies(logins.login_policy(ctx.config.server.login_lock_minutes))
    guard = logins.LoginGuard(ctx.require_db(), policies, stats)
    ctx.services.login_guard = guard

    def login_metrics() -> list[tuple[str, str, str, list[Any]]]:
        with ctx.require_db().read() as session:
            locked = logins.locked_logins(session)
        return [
            *stats.families(),
            ("ukm_logins_locked", "gauge", "Employee logins locked now.", [({}, locked)]),
        ]

    ctx.services.metrics.append(login_metrics)
    ctx.services.bridge.policy.hooks.append(lambda refusal: audit_refusal(ctx, refusal))


def audit_refusal(ctx: ServerContext, refusal: Refusal) -> None:
    """A bridge request the authorisation table refused, in the audit log."""
    with ctx.require_db().write() as session:
        audit(
            session,
            refusal.caller.node_id,
            "bridge.forbidden",
            f"{refusal.what} {refusal.name}",
            after={"kind": refusal.caller.kind, "reason": refusal.reason, "from": refusal.remote},
        )


def verify_token(ctx: ServerContext, message: dict[str, Any], peer: str) -> dict[str, Any]:
    """Ask ``auth.verify`` {"token"} → {"login", "role"}: the marketing server checks an
    employee's server login with it (its admin API accepts server logins)."""
    from ukm_actors.bridge.peers import peer_info
    from ukm_actors.nodes.server.admin.auth import AuthError, Forbidden, employee_for_token

    db = ctx.require_db()
    with db.read() as session:
        info = peer_info(session, peer)
        if info is None or info.kind != "marketing":
            raise Forbidden(f"{peer} may not check employee logins")
        token = message.get("token")
        if not isinstance(token, str) or not token:
            raise AuthError("no token to check")
        who = employee_for_token(session, token)
    if who is None:
        raise AuthError("the login is not valid (expired or logged out)")
    return {"login": who.login, "role": who.role, "name": who.name}


def _marketing_peer(ctx: ServerContext, peer: str, what: str) -> None:
    from ukm_actors.bridge.peers import peer_info
    from ukm_actors.nodes.server.admin.auth import Forbidden

    with ctx.require_db().read() as session:
        info = peer_info(session, peer)
    if info is None or info.kind != "marketing":
        raise Forbidden(f"{peer} may not {what}")


def login_for_peer(ctx: ServerContext, message: dict[str, Any], peer: str) -> dict[str, Any]:
    """Ask ``auth.login`` {"login", "password", "address"} → {"token", "expires", "employee"}:
    the marketing server's console logs employees in here, with the same throttling as
    ``POST /api/v1/login`` (per login, and per the browser's address it passes on)."""
    from ukm_actors.nodes.server.admin.auth import LoginRequestError

    _marketing_peer(ctx, peer, "log employees in")
    name, password = message.get("login"), message.get("password")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise LoginRequestError('"login" must be a text of 1 to 80 characters')
    if not isinstance(password, str) or len(password) > 1000:
        raise LoginRequestError('"password" must be a text')
    address = str(message.get("address") or peer)[:64]
    guard = ctx.services.login_guard
    token, expires, who = guard.attempt(
        name.strip(), password, f"{peer}/{address}", ctx.config.server.session_hours
    )
    return {"token": token, "expires": expires // 1000, "employee": who.to_json()}


def logout_for_peer(ctx: ServerContext, message: dict[str, Any], peer: str) -> dict[str, Any]:
    """Ask ``auth.logout`` {"token"}: ends that login (the marketing console's logout)."""
    from ukm_actors.nodes.server.admin import auth

    _marketing_peer(ctx, peer, "log employees out")
    token = message.get("token")
    if isinstance(token, str) and token:
        with ctx.require_db().write() as session:
            auth.logout(session, token)
    return {"ok": True}


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    routes_people.routes(app, ctx)
    routes_catalog.routes(app, ctx)
    routes_items.routes(app, ctx)
    routes_tills.routes(app, ctx)
    routes_till_types.routes(app, ctx)
    routes_logins.routes(app, ctx)
    Routes(app, ctx).get("/api/v1/openapi.json", openapi_json)


def openapi_json(ctx: ServerContext) -> bottle.HTTPResponse:
    """``GET /api/v1/openapi.json``: the cash server's OpenAPI document (no login)."""
    return json_response(openapi.spec(ctx))


FEATURE = Feature(
    __name__, setup=setup, routes=routes, needs=("bridge",), provides=("login_guard",)
)
