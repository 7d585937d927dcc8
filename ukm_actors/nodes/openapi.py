"""OpenAPI 3.1 operations written as one line each (``Op``), for the nodes whose
routes are described as tables next to them (the till, the cash server's
features). Every operation answers its success status with its media type,
and any other status with the common ``Error`` body (``default``), which is
what a fuzzer checks the answers against (``tests/security/test_fuzz_apis.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "hint": {"type": "string"},
    },
    "required": ["code", "message"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Op:
    """One operation: ``Op("post", "/api/v1/receipt/lines", "Add a line", body={...})``."""

    method: str
    path: str
    """OpenAPI form: ``/api/v1/receipt/lines/{position}``."""
    summary: str
    who: str | None = None
    """Who may (a login, a role); None: anyone."""
    query: dict[str, str] = field(default_factory=dict)
    """Query parameter → JSON type."""
    body: dict[str, str] | None = None
    """Request body property → JSON type (None: no body)."""
    ok: int = 200
    content: str = "application/json"
    """Media type of the success answer."""
    ints: tuple[str, ...] = ()
    """Path parameters that are whole numbers."""
    security: str | None = None
    """Security scheme name the operation needs (``bearer``), if any."""


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def operation(op: Op) -> dict[str, Any]:
    """The OpenAPI operation object of ``op``."""
    success: dict[str, Any] = {"description": "OK"}
    if op.content == "application/json":
        success["content"] = _json({"type": "object"})
    else:
        success["content"] = {op.content: {"schema": {"type": "string"}}}
    out: dict[str, Any] = {
        "summary": op.summary,
        "responses": {
            str(op.ok): success,
            "default": {
                "description": "Refused (4xx) or unavailable (503)",
                "content": _json(ERROR_REF),
            },
        },
        "security": [{op.security: []}] if op.security else [],
    }
    if op.who:
        out["description"] = f"Allowed: {op.who}."
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if name in op.ints else "string"},
        }
        for name in _PARAM.findall(op.path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": {"type": kind}}
        for name, kind in op.query.items()
    ]
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {
            "required": False,
            "content": _json(
                {"type": "object", "properties": {k: {"type": v} for k, v in op.body.items()}}
            ),
        }
    return out


def paths(ops: Iterable[Op]) -> dict[str, dict[str, Any]]:
    """OpenAPI path items of ``ops``."""
    out: dict[str, dict[str, Any]] = {}
    for op in ops:
        out.setdefault(op.path, {})[op.method] = operation(op)
    return out


def document(
    title: str,
    description: str,
    ops: Iterable[Op],
    security_schemes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole OpenAPI 3.1 document of ``ops``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1", "description": description},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": security_schemes or {},
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "paths": dict(sorted(paths(ops).items())),
    }


STATUS_OPS = (
    Op("get", "/health", "ok, or 503 with the reasons the node is degraded"),
    Op("get", "/status", "The node's supervision tree and every feature's state"),
)
"""``/health`` and ``/status``, which every node serves."""
