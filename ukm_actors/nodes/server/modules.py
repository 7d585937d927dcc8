"""Feature "modules" of the cash server: what a store's integration and price-checker
modules ask for.

Asks (CONTRACTS.md §3):

- ``integration.settings`` {"store"} (or {}: the caller's registered store)
  → {"store", "source_dir", "sales_dir",
  "tills": [{"number", "node_id", "folder", "sales_folder"}]} — only the
  store's own integration module may ask;
- ``store.tills`` {"store"} → {"tills": [{"node_id", "number", "url", "last_seen"}]}
  — the store's price-checker or integration module; ``url`` is what the
  till last reported to the bridge (None before its first contact).

Folders are set with ``set_integration_settings`` (bootstrap, scripts) or the
admin API (a logged-in employee; ``admin.auth.require_employee``):

- ``GET /api/v1/stores/<store>/integration`` → the ``integration.settings`` answer
  (roles admin, manager);
- ``PUT /api/v1/stores/<store>/integration`` {"source_dir", "sales_dir",
  "tills": {"<number>": {"folder", "sales_folder"}}} (any key may be left out)
  → the new answer (role admin).

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
from ukm_actors.bridge.policy import json_field_subject
from ukm_actors.codecs import jsonsafe
from ukm_actors.errors import UkmError
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.tables_modules import IntegrationStore, IntegrationTillFolder

SETTINGS_ASK = "integration.settings"
TILLS_ASK = "store.tills"
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
        from ukm_actors.nodes.server.catalog.tables_local import Till
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
) -> dict[str, Any]:
    """Set the store's integration folders (None leaves a value as it is); returns the
    new ``integration.settings`` answer. ``tills`` maps a till number to its
    ``folder`` and/or ``sales_folder``."""
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
    row.updated_at = datetime.now(UTC)
    for number, values in (tills or {}).items():
        if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            raise ModuleRequestError(f"till number {number!r} must be a positive integer")
        unknown = set(values) - {"folder", "sales_folder"}
        if unknown:
            raise ModuleRequestError(f"till {number}: unknown keys {sorted(unknown)}")
        f = session.get(IntegrationTillFolder, (store, number))
        if f is None:
            f = IntegrationTillFolder(store=store, number=number, folder="", sales_folder="")
            session.add(f)
        if "folder" in values:
            f.folder = _folder(values["folder"], f"till {number} folder")
        if "sales_folder" in values:
            f.sales_folder = _folder(values["sales_folder"], f"till {number} sales_folder")
    session.flush()
    return integration_settings(session, store)


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
        body={"source_dir": "string", "sales_dir": "string", "tills": "object"},
        security="bearer",
    ),
)


def setup(ctx: NodeContext) -> None:
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

    ctx.asks.register(SETTINGS_ASK, on_settings, json_field_subject)
    ctx.asks.register(TILLS_ASK, on_tills, json_field_subject)


def _require_employee(ctx: NodeContext, roles: tuple[str, ...]) -> Any:
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


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    db = ctx.require_db()

    @app.get("/api/v1/stores/<store>/integration")  # type: ignore[misc]
    def get_settings(store: str) -> bottle.HTTPResponse:
        _require_employee(ctx, ("admin", "manager"))
        with db.read() as session:
            return json_response(integration_settings(session, store))

    @app.put("/api/v1/stores/<store>/integration")  # type: ignore[misc]
    def put_settings(store: str) -> bottle.HTTPResponse:
        _require_employee(ctx, ("admin",))
        body = _body()
        unknown = set(body) - {"source_dir", "sales_dir", "tills"}
        if unknown:
            raise ModuleRequestError(f"unknown keys {sorted(unknown)}")
        with db.write() as session:
            reply = set_integration_settings(
                session,
                store,
                source_dir=body.get("source_dir"),
                sales_dir=body.get("sales_dir"),
                tills=_tills_of(body),
            )
        return json_response(reply)


FEATURE = Feature(__name__, setup=setup, routes=routes)
