"""Feature "modules" of the cash server: what a store's integration and price-checker
modules ask for.

Asks (authorised in the bridge's table, ``docs/bridge.md``):

- ``integration.settings`` {"store"} (or {}: the caller's registered store)
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
  with ``catalog_source`` and each till's ``till_folder``, ``till_sales_folder``
  (roles admin, manager);
- ``PUT /api/v1/stores/<store>/integration`` {"source_dir", "sales_dir",
  "catalog_source", "tills": {"<number>": {"folder", "sales_folder", "till_folder",
  "till_sales_folder"}}} (any key may be left out) → the new answer (role admin).

An empty folder means the module's default.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import bottle
from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.bridge.peers import list_peers, peer_info
from ukm_actors.bridge.policy import Subject, json_field_subject
from ukm_actors.codecs import jsonsafe
from ukm_actors.errors import UkmError
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.services import ServerContext
from ukm_actors.nodes.server.tables_modules import IntegrationStore, IntegrationTillFolder

SETTINGS_ASK = "integration.settings"
TILLS_ASK = "store.tills"
TILL_ASK = "till.exchange_settings"
CATALOG_SOURCES = ("server", "folder", "both")
TILL_KEYS = ("folder", "sales_folder", "till_folder", "till_sales_folder")
_TILL_ID = re.compile(r"^till-(?P<store>.+)-(?P<number>\d+)$")


class ModuleRequestError(UkmError):
    """A module's ask that cannot be answered as asked."""

    code = "modules.bad_request"


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


def _own_store(session: Session, peer_id: str) -> str:
    """The store ``peer_id`` was registered for: a module started with only the server's
    address and its secret learns its store from the answer."""
    info = peer_info(session, peer_id)
    if info is None or not info.store:
        raise ModuleRequestError(
            f"{peer_id} is registered for no store",
            hint="register it with its store, or name the store in the ask",
        )
    return str(info.store)


def _check_peer(session: Session, peer_id: str, store: str, kinds: tuple[str, ...]) -> None:
    info = peer_info(session, peer_id)
    if info is None or info.kind not in kinds or info.store != store:
        raise ModuleForbidden(
            f"{peer_id} may not ask about store {store!r}",
            hint=f"only the store's own {' or '.join(kinds)} module may",
        )


def _catalog_tills(session: Session, store: str) -> dict[str, int]:
    """node id → number of the store's enabled tills in the server's directory."""
    try:
        from ukm_actors.nodes.server.catalog.public import Till
    except ImportError:  # the catalog feature is not installed
        return {}
    rows = session.execute(
        select(Till.node_id, Till.number).where(Till.store == store, Till.enabled.is_(True))
    )
    return {str(node_id): int(number) for node_id, number in rows}


def store_tills(session: Session, store: str) -> list[dict[str, Any]]:
    """The store's enabled tills: the server's directory and the registered till peers,
    by number, with the URL and last contact each reported to the bridge."""
    tills = _catalog_tills(session, store)
    peers = {p.node_id: p for p in list_peers(session, kind="till", store=store)}
    for node_id in peers:
        m = _TILL_ID.match(node_id)
        if node_id not in tills and m and m["store"] == store:
            tills[node_id] = int(m["number"])
    out = []
    for node_id, number in tills.items():
        peer = peers.get(node_id)
        if peer is not None and not peer.enabled:
            continue
        out.append(
            {
                "node_id": node_id,
                "number": number,
                "url": peer.url if peer else None,
                "last_seen": peer.last_seen.isoformat(timespec="seconds")
                if peer and peer.last_seen
                else None,
            }
        )
    return sorted(out, key=lambda t: (t["number"], t["node_id"]))


def integration_settings(session: Session, store: str) -> dict[str, Any]:
    """The ``integration.settings`` answer for ``store``."""
    row = session.get(IntegrationStore, store)
    folders = {
        f.number: f
        for f in session.scalars(
            select(IntegrationTillFolder).where(IntegrationTillFolder.store == store)
        )
    }
    tills = []
    for t in store_tills(session, store):
        f = folders.get(t["number"])
        tills.append(
            {
                "number": t["number"],
                "node_id": t["node_id"],
                "folder": f.folder if f else "",
                "sales_folder": f.sales_folder if f else "",
            }
        )
    return {
        "store": store,
        "source_dir": row.source_dir if row else "",
        "sales_dir": row.sales_dir if row else "",
        "tills": tills,
    }


def admin_settings(session: Session, store: str) -> dict[str, Any]:
    """What the admin API shows: the ``integration.settings`` answer, the store's
    ``catalog_source`` and each till's folders as the till sees them."""
    out = integration_settings(session, store)
    row = session.get(IntegrationStore, store)
    out["catalog_source"] = row.catalog_source if row else "server"
    for t in out["tills"]:
        f = session.get(IntegrationTillFolder, (store, t["number"]))
        t["till_folder"] = f.till_folder if f else ""
        t["till_sales_folder"] = f.till_sales_folder if f else ""
    return out


def till_exchange_settings(session: Session, node_id: str) -> dict[str, Any]:
    """The ``till.exchange_settings`` answer for the till ``node_id`` (a registered till
    of its store): its folders as the till sees them, and the store's catalog source."""
    store = _own_store(session, node_id)
    entry = next((t for t in store_tills(session, store) if t["node_id"] == node_id), None)
    if entry is None:
        raise ModuleRequestError(
            f"{node_id} is not an enabled till of store {store}",
            hint="register the till with its store and number on the cash server",
        )
    row = session.get(IntegrationStore, store)
    f = session.get(IntegrationTillFolder, (store, entry["number"]))
    return {
        "store": store,
        "number": entry["number"],
        "node_id": node_id,
        "catalog_source": row.catalog_source if row else "server",
        "folder": (f.till_folder or f.folder) if f else "",
        "sales_folder": (f.till_sales_folder or f.sales_folder) if f else "",
    }


def _folder(value: Any, what: str) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > 1000:
        raise ModuleRequestError(f"{what} must be a folder path (text, no NUL, <= 1000 chars)")
    return value


def set_integration_settings(
    session: Session,
    store: str,
    *,
    source_dir: str | None = None,
    sales_dir: str | None = None,
    tills: Mapping[int, Mapping[str, str]] | None = None,
    catalog_source: str | None = None,
) -> dict[str, Any]:
    """Set the store's integration folders (None leaves a value as it is); returns the
    new ``integration.settings`` answer. ``tills`` maps a till number to its
    ``folder``, ``sales_folder``, ``till_folder`` and/or ``till_sales_folder``;
    ``catalog_source`` is where the store's tills take their catalog."""
    if not store:
        raise ModuleRequestError("the store code is empty")
    row = session.get(IntegrationStore, store)
    if row is None:
        row = IntegrationStore(store=store, source_dir="", sales_dir="")
        session.add(row)
    if source_dir is not None:
        row.source_dir = _folder(source_dir, "source_dir")
    if sales_dir is not None:
        row.sales_dir = _folder(sales_dir, "sales_dir")
    if catalog_source is not None:
        if catalog_source not in CATALOG_SOURCES:
            raise ModuleRequestError(
                f"catalog_source {catalog_source!r}: use " + ", ".join(CATALOG_SOURCES)
            )
        row.catalog_source = catalog_source
    row.updated_at = datetime.now(UTC)
    for number, values in (tills or {}).items():
        _set_till(session, store, number, values)
    session.flush()
    return integration_settings(session, store)


def _set_till(session: Session, store: str, number: int, values: Mapping[str, str]) -> None:
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        raise ModuleRequestError(f"till number {number!r} must be a positive integer")
    unknown = set(values) - set(TILL_KEYS)
    if unknown:
        raise ModuleRequestError(
            f"till {number}: unknown keys {sorted(unknown)}", hint="use " + ", ".join(TILL_KEYS)
        )
    f = session.get(IntegrationTillFolder, (store, number))
    if f is None:
        f = IntegrationTillFolder(
            store=store,
            number=number,
            folder="",
            sales_folder="",
            till_folder="",
            till_sales_folder="",
        )
        session.add(f)
    for key in TILL_KEYS:
        if key in values:
            setattr(f, key, _folder(values[key], f"till {number} {key}"))


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
        with db.read() as session:
            store = _store_of(message) if message.get("store") else _own_store(session, peer_id)
            _check_peer(session, peer_id, store, ("integration",))
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
    return json_response(reply)


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    r = Routes(app, ctx, prefix="/api/v1")
    r.get("/stores/<store>/integration", get_settings)
    r.put("/stores/<store>/integration", put_settings)


FEATURE = Feature(__name__, setup=setup, routes=routes)
