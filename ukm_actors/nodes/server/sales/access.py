"""Who may read sales and monitoring: a logged-in server employee.

The login itself belongs to the admin feature
(``ukm_actors.nodes.server.admin.auth.require_employee``). While that
module is absent every request is refused with 401: these APIs are never
open.
"""

from __future__ import annotations

import importlib
from typing import Any

from ukm_actors.errors import UkmError

READ_ROLES = ("admin", "manager", "viewer")
"""Every employee role may read receipts, shifts and monitoring."""


class LoginRequired(UkmError):
    code = "auth.required"
    http_status = 401


def require_reader(ctx: Any) -> Any:
    """The logged-in employee of the current request (any role), or an error (401/403)."""
    try:
        auth = importlib.import_module("ukm_actors.nodes.server.admin.auth")
    except ModuleNotFoundError as exc:
        if exc.name not in ("ukm_actors.nodes.server.admin.auth", "ukm_actors.nodes.server.admin"):
            raise
        raise LoginRequired(
            "employee login is not available on this server, so this API is closed",
            hint="install the admin feature (ukm_actors.nodes.server.admin.auth)",
        ) from None
    return auth.require_employee(ctx, roles=READ_ROLES)
