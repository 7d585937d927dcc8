"""Feature "modules" of the cash server: what a store's integration and price-checker
modules ask for.

Asks (authorised in the bridge's table, ``docs/bridge.md``):

- ``integration.settings`` {"store"} (or {}: the caller's registered store;
  ``"report"``: the module's ``/status`` → ``integration``, cut short, kept as
  what the module last said of itself, ``IntegrationReport``)
  → {"store", "source_dir", "sales_dir",
  "tills": [{"number", "node_id", "folder", "sales_folder"}]} — only the
  store's own integration module may ask;
- ``store.tills`` {"store"} → {"tills": [{"node_id", "number", "url", "last_seen"}]}
  — the store's price-checker or integration module; ``url`` is what the
  till last reported to the bridge (None before its first contact);
- ``till.exchange_settings`` {"node_id"} → {"store", "number", "node_id",
  "catalog_source", "folder", "sales_folder"} — a till asks for its own entry
  only (the folders as the till sees them: ``till_folder`` or else ``folder``).

Folders are set with ``set_integration_settings`` (bootstrap, scripts) or the
admin API (a logged-in employee; ``admin.auth.require_employee``):

- ``GET /api/v1/stores/<store>/integration`` → the ``integration.settings`` answer
  with ``catalog_source``, each till's ``till_folder``, ``till_sales_folder`` and
  ``module``: the module's last report (``node_id``, ``reported_at``, ``report``;
  None before one came) (roles admin, manager);
- ``PUT /api/v1/stores/<store>/integration`` {"source_dir", "sales_dir",
  "catalog_source", "tills": {"<number>": {"folder", "sales_folder", "till_folder",
  "till_sales_folder"}}} (any key may be left out) → the new answer (role admin).
  Settings the tills or the module would refuse (``check_settings``: a till's queue
  folder while the store's catalog source is ``"server"``, a till reading its own
  sales, a till folder that is the source folder, two tills with one folder) are
  refused with 400 and nothing changes.

An empty folder means the module's default. The settings themselves, their storage and
checks: ``modulesettings``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import bottle
from sqlalchemy.orm import Session

from ukm_actors.bridge.peers import peer_info
from ukm_actors.bridge.policy import Subject, json_field_subject
from ukm_actors.codecs import jsonsafe
from ukm_actors.errors import UkmError
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.modulesettings import (
    ModuleRequestError,
    admin_settings,
    check_settings,
    integration_settings,
    module_report,
    own_store,
    record_module_report,
    set_integration_settings,
    store_tills,
    till_exchange_settings,
)
from ukm_actors.nodes.server.services import ServerContext

__all__ = [
    "ModuleRequestError",
    "module_report",
    "set_integration_settings",
]

SETTINGS_ASK = "integration.settings"
TILLS_ASK = "store.tills"
TILL_ASK = "till.exchange_settings"


class LoginRequired(UkmError):
    code = "auth.required"
    http_status = 401


class ModuleForbidden(UkmError):
    """A peer asked about a store that is not its own."""

    code = "modules.forbidden"
    http_status = 403


def _store_of(message: Mapping[str, Any]) -> str:
    store = message.get("store")
    if not isinstance(store, str) or not store:
        raise ModuleRequestError('the ask needs {"store": "<store code>"}')
    return store


def _check_peer(session: Session, peer_id: str, store: str, kinds: tuple[str, ...]) -> None:
    info = peer_info(session, peer_id)
    if info is None or info.kind not in kinds or info.store != store:
        raise ModuleForbidden(
            f"{peer_id} may not ask about store {store!r}",
            hint=f"only the store's own {' or '.join(kinds)} module may",
        )


OPENAPI = (
    Op(
        "get",
        "/api/v1/stores/{store}/integration",
        "The store's integration module settings",
        "admin, manager",
        security="bearer",
    ),
    Op(
        "put",
        "/api/v1/stores/{store}/integration",
        "Set the store's integration folders",
        "admin",
        body={
            "source_dir": "string",
            "sales_dir": "string",
            "catalog_source": "string",
            "tills": "object",
        },
        security="bearer",
    ),
)


def setup(ctx: ServerContext) -> None:
    add_paths(ctx, paths(OPENAPI))
    db = ctx.require_db()

    def on_settings(message: dict[str, Any], peer_id: str) -> Any:
        report = message.get("report")
        with db.read() if report is None else db.write() as session:
            store = _store_of(message) if message.get("store") else own_store(session, peer_id)
            _check_peer(session, peer_id, store, ("integration",))
            if report is not None:
                record_module_report(session, store, peer_id, report)
            return integration_settings(session, store)

    def on_tills(message: dict[str, Any], peer_id: str) -> Any:
        store = _store_of(message)
        with db.read() as session:
            _check_peer(session, peer_id, store, ("pricechecker", "integration"))
            return {"tills": store_tills(session, store)}

    def on_till(message: dict[str, Any], peer_id: str) -> Any:
        if message.get("node_id") != peer_id:
            raise ModuleForbidden(f"{peer_id} may ask only for its own exchange settings")
        with db.read() as session:
            return till_exchange_settings(session, peer_id)

    ctx.asks.register(SETTINGS_ASK, on_settings, json_field_subject)
    ctx.asks.register(TILLS_ASK, on_tills, json_field_subject)
    ctx.asks.register(TILL_ASK, on_till, till_subject)


def till_subject(data: Any) -> Subject | None:
    """A ``till.exchange_settings`` ask is about the till it names (``node_id``)."""
    if not isinstance(data, dict) or not isinstance(data.get("node_id"), str):
        return None
    return Subject(node=data["node_id"])


def _require_employee(ctx: ServerContext, roles: tuple[str, ...]) -> Any:
    try:
        auth = importlib.import_module("ukm_actors.nodes.server.admin.auth")
    except ModuleNotFoundError as exc:
        if exc.name not in ("ukm_actors.nodes.server.admin.auth", "ukm_actors.nodes.server.admin"):
            raise
        raise LoginRequired(
            "employee login is not available on this server, so this API is closed",
            hint="install the admin feature (ukm_actors.nodes.server.admin.auth)",
        ) from None
    return auth.require_employee(ctx, roles=roles)


def _body() -> dict[str, Any]:
    try:
        body = jsonsafe.loads(bottle.request.body.read() or b"{}")
    except ValueError:
        raise ModuleRequestError("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise ModuleRequestError("the request body must be a JSON object")
    return body


def _tills_of(body: Mapping[str, Any]) -> dict[int, dict[str, str]]:
    raw = body.get("tills") or {}
    if not isinstance(raw, Mapping):
        raise ModuleRequestError('"tills" must be an object: {"<number>": {"folder": ...}}')
    out: dict[int, dict[str, str]] = {}
    for key, values in raw.items():
        if not str(key).isdigit() or not isinstance(values, Mapping):
            raise ModuleRequestError(f'"tills": {key!r} must be a till number with an object')
        out[int(key)] = dict(values)
    return out


def get_settings(ctx: ServerContext, store: str) -> bottle.HTTPResponse:
    _require_employee(ctx, ("admin", "manager"))
    with ctx.require_db().read() as session:
        return json_response(admin_settings(session, store))


def put_settings(ctx: ServerContext, store: str) -> bottle.HTTPResponse:
    _require_employee(ctx, ("admin",))
    body = _body()
    unknown = set(body) - {"source_dir", "sales_dir", "catalog_source", "tills"}
    if unknown:
        raise ModuleRequestError(f"unknown keys {sorted(unknown)}")
    with ctx.require_db().write() as session:
        set_integration_settings(
            session,
            store,
            source_dir=body.get("source_dir"),
            sales_dir=body.get("sales_dir"),
            tills=_tills_of(body),
            catalog_source=body.get("catalog_source"),
        )
        reply = admin_settings(session, store)
        check_settings(reply)  # refused: the write is rolled back
    return json_response(reply)


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    r = Routes(app, ctx, prefix="/api/v1")
    r.get("/stores/<store>/integration", get_settings)
    r.put("/stores/<store>/integration", put_settings)


FEATURE = Feature(__name__, setup=setup, routes=routes)
