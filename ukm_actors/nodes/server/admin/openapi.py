"""The OpenAPI 3.1 description of the admin API, served at ``GET /api/v1/openapi.json``.

Written by hand as a table next to the routes (a test checks that every
route under ``/api/v1`` of the admin feature is in it, and nothing else).
Other features add their own paths with :func:`add_paths`.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.nodes.server.services import ServerContext

_OBJ: dict[str, Any] = {"type": "object"}
_ERR = {"$ref": "#/components/schemas/Error"}

R_ANY = "any employee (viewer, manager, admin)"
R_WRITE = "manager or admin"
R_ADMIN = "admin"

# (method, path, summary, who, query parameters, request body properties {name: type} or None)
ROUTES: list[tuple[str, str, str, str | None, tuple[str, ...], dict[str, str] | None]] = [
    (
        "post",
        "/api/v1/login",
        "Log in; returns a bearer token",
        None,
        (),
        {"login": "string", "password": "string"},
    ),
    ("post", "/api/v1/logout", "End this token's session", R_ANY, (), None),
    ("get", "/api/v1/me", "The employee of this token", R_ANY, (), None),
    (
        "get",
        "/api/v1/items",
        "Search items (paged)",
        R_ANY,
        ("q", "article", "barcode", "find", "page", "per_page"),
        None,
    ),
    (
        "get",
        "/api/v1/items/{article}",
        "One item with its barcodes and per-store prices",
        R_ANY,
        (),
        None,
    ),
    (
        "post",
        "/api/v1/items",
        "Create an item, its barcodes and prices (a shop without a trade system; the trade "
        "system's next full file replaces it)",
        R_WRITE,
        (),
        {
            "article": "string",
            "name": "string",
            "measure": "string",
            "group_id": "string",
            "taxgroup_id": "string",
            "barcodes": "array",
            "prices": "array",
            "min_price": "integer",
            "age_limit": "integer",
            "move_barcodes": "boolean",
        },
    ),
    (
        "put",
        "/api/v1/items/{article}",
        "Change an item: its fields, its barcodes (the list replaces them), prices per store",
        R_WRITE,
        (),
        {
            "name": "string",
            "measure": "string",
            "group_id": "string",
            "taxgroup_id": "string",
            "barcodes": "array",
            "prices": "array",
            "min_price": "integer",
            "age_limit": "integer",
            "move_barcodes": "boolean",
        },
    ),
    ("get", "/api/v1/stores", "Stores", R_ANY, (), None),
    (
        "post",
        "/api/v1/stores",
        "Create a store",
        R_WRITE,
        (),
        {"code": "string", "name": "string", "timezone": "string"},
    ),
    ("get", "/api/v1/stores/{code}", "One store", R_ANY, (), None),
    ("get", "/api/v1/groups", "The item hierarchy", R_ANY, (), None),
    ("get", "/api/v1/taxes", "Taxes and tax groups", R_ANY, (), None),
    ("get", "/api/v1/imports", "Import history (paged)", R_ANY, ("page", "per_page"), None),
    ("get", "/api/v1/employees", "Server employees", R_ADMIN, (), None),
    (
        "post",
        "/api/v1/employees",
        "Create an employee",
        R_ADMIN,
        (),
        {"login": "string", "password": "string", "role": "string", "name": "string"},
    ),
    (
        "put",
        "/api/v1/employees/{login}",
        "Change an employee's role, name, password, enabled",
        R_ADMIN,
        (),
        {"role": "string", "name": "string", "password": "string", "enabled": "boolean"},
    ),
    ("get", "/api/v1/cashier-roles", "Cashier roles and their rights", R_ANY, (), None),
    (
        "put",
        "/api/v1/cashier-roles/{role_id}",
        "Create or change a cashier role",
        R_WRITE,
        (),
        {"name": "string", "rights": "array"},
    ),
    ("get", "/api/v1/stores/{code}/cashiers", "Cashiers of a store", R_ANY, (), None),
    (
        "post",
        "/api/v1/stores/{code}/cashiers",
        "Create a cashier",
        R_WRITE,
        (),
        {
            "id": "integer",
            "name": "string",
            "role_id": "integer",
            "password": "string",
            "inn": "string",
            "rights": "array",
        },
    ),
    (
        "put",
        "/api/v1/stores/{code}/cashiers/{cashier_id}",
        "Change a cashier (role, own rights, enabled …)",
        R_WRITE,
        (),
        {
            "name": "string",
            "role_id": "integer",
            "password": "string",
            "inn": "string",
            "rights": "array",
            "enabled": "boolean",
        },
    ),
    (
        "post",
        "/api/v1/stores/{code}/cashiers/{cashier_id}/disable",
        "Disable a cashier",
        R_WRITE,
        (),
        None,
    ),
    ("get", "/api/v1/tills", "Tills", R_ANY, ("store",), None),
    (
        "post",
        "/api/v1/tills",
        "Register a till; returns its bridge secret (once)",
        R_ADMIN,
        (),
        {"store": "string", "number": "integer", "settings": "object"},
    ),
    ("get", "/api/v1/tills/{node_id}", "One till", R_ANY, (), None),
    (
        "post",
        "/api/v1/tills/{node_id}/secret",
        "Issue a new bridge secret for a till",
        R_ADMIN,
        (),
        None,
    ),
    ("get", "/api/v1/tills/{node_id}/settings", "A till's settings", R_ANY, (), None),
    (
        "put",
        "/api/v1/tills/{node_id}/settings",
        "Replace a till's settings (header, footer, ui, devices...; a devices value no till "
        "could use is refused: 400 settings.devices)",
        R_ADMIN,
        (),
        {"header": "array", "footer": "array", "devices": "object", "timeouts": "object"},
    ),
    (
        "post",
        "/api/v1/tills/{node_id}/resync",
        "Send the till its whole catalog again",
        R_ADMIN,
        (),
        None,
    ),
    (
        "put",
        "/api/v1/tills/{node_id}/type",
        "Give a till a type (null: none); it gets its settings in force",
        R_ADMIN,
        (),
        {"type": "string"},
    ),
    ("get", "/api/v1/till-types", "Till types, their settings and tills", R_ANY, (), None),
    (
        "put",
        "/api/v1/till-types/{type_id}",
        "Create or replace a till type; its tills get their settings in force",
        R_ADMIN,
        (),
        {"name": "string", "settings": "object"},
    ),
    ("delete", "/api/v1/till-types/{type_id}", "Delete an unused till type", R_ADMIN, (), None),
    (
        "get",
        "/api/v1/restrictions",
        "Sale restrictions (of a store and chain-wide)",
        R_ANY,
        ("store",),
        None,
    ),
    (
        "post",
        "/api/v1/restrictions",
        "Create a time-of-day or age restriction",
        R_WRITE,
        (),
        {
            "kind": "string",
            "store": "string",
            "article": "string",
            "group_id": "string",
            "from": "string",
            "to": "string",
            "days": "string",
            "min_age": "integer",
            "message": "string",
        },
    ),
    ("delete", "/api/v1/restrictions/{rid}", "Delete a restriction", R_WRITE, (), None),
    (
        "get",
        "/api/v1/audit",
        "Audit log of every write (paged)",
        R_WRITE,
        ("who", "action", "target", "page", "per_page"),
        None,
    ),
    (
        "get",
        "/api/v1/login-locks",
        "Logins and addresses slowed down or locked after failed logins",
        R_ADMIN,
        (),
        None,
    ),
    (
        "delete",
        "/api/v1/login-locks/{kind}/{key}",
        "Lift a lock: kind is login or address (audited login.unlock)",
        R_ADMIN,
        (),
        None,
    ),
    ("get", "/api/v1/openapi.json", "This description", None, (), None),
]


def _operation(
    method: str,
    path: str,
    summary: str,
    who: str | None,
    params: tuple[str, ...],
    props: dict[str, str] | None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            "200"
            if method != "post" or path.endswith(("login", "logout", "disable", "secret", "resync"))
            else "201": {
                "description": "OK",
                "content": {"application/json": {"schema": _OBJ}},
            },
            "400": {
                "description": "Bad request",
                "content": {"application/json": {"schema": _ERR}},
            },
            "default": {
                "description": "Refused or unavailable",
                "content": {"application/json": {"schema": _ERR}},
            },
        },
    }
    if who is not None:
        op["description"] = f"Allowed: {who}."
        op["security"] = [{"bearer": []}]
        op["responses"]["401"] = {
            "description": "No valid login",
            "content": {"application/json": {"schema": _ERR}},
        }
        op["responses"]["403"] = {
            "description": "Role not allowed",
            "content": {"application/json": {"schema": _ERR}},
        }
    else:
        op["security"] = []
    if path == "/api/v1/login":
        op["responses"]["401"] = {
            "description": "Wrong login or password, or the account is disabled",
            "content": {"application/json": {"schema": _ERR}},
        }
        op["responses"]["429"] = {
            "description": "Too many failed logins: wait Retry-After seconds (or the login "
            "is locked until an admin lifts it); the password was not checked",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": _ERR}},
        }
    if "{" in path:
        op["responses"]["404"] = {
            "description": "Not found",
            "content": {"application/json": {"schema": _ERR}},
        }
    parameters = [
        {"name": seg[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for seg in path.split("/")
        if seg.startswith("{")
    ]
    parameters += [
        {"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in params
    ]
    if parameters:
        op["parameters"] = parameters
    if props is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {k: {"type": v} for k, v in props.items()},
                    }
                }
            },
        }
    return op


def spec(ctx: ServerContext | None = None) -> dict[str, Any]:
    """The whole OpenAPI document (with the paths other features added to ``ctx``)."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, who, params, props in ROUTES:
        paths.setdefault(path, {})[method] = _operation(method, path, summary, who, params, props)
    if ctx is not None:
        for path, ops in ctx.services.openapi_paths.items():
            paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "UKM cash server admin API",
            "version": "1",
            "description": "Directories, tills, cashiers, employees and restrictions of the cash "
            "server. Log in with POST /api/v1/login and send Authorization: Bearer <token>. "
            "Money is in kopecks, quantities in thousandths. See docs/admin-api.md.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "hint": {"type": "string"},
                    },
                    "required": ["code", "message"],
                }
            },
        },
        "paths": dict(sorted(paths.items())),
    }


def add_paths(ctx: ServerContext, paths: dict[str, dict[str, Any]]) -> None:
    """Let another feature describe its routes in the same document (OpenAPI path items)."""
    ctx.services.openapi_paths.update(paths)
