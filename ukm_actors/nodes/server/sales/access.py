"""Who may read sales and monitoring: a logged-in server employee.

The login itself belongs to the admin feature
(``ukm_actors.nodes.server.admin.auth.require_employee``). While that
module is absent every request is refused with 401: these APIs are never
open.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ukm_actors.errors import UkmError

if TYPE_CHECKING:
    from ukm_actors.nodes.base import NodeContext
    from ukm_actors.nodes.server.admin.auth import EmployeeInfo

READ_ROLES = ("admin", "manager", "viewer")
"""Every employee role may read receipts, shifts and monitoring."""
WRITE_ROLES = ("admin", "manager")
"""Managers and admins may export a period again."""


class LoginRequired(UkmError):
    code = "auth.required"
    http_status = 401


def require_reader(ctx: NodeContext) -> EmployeeInfo:
    """The logged-in employee of the current request (any role), or an error (401/403)."""
    who: EmployeeInfo = _admin("auth").require_employee(ctx, roles=READ_ROLES)
    return who


def require_writer(ctx: NodeContext) -> EmployeeInfo:
    """The logged-in manager or admin of the current request, or an error (401/403)."""
    who: EmployeeInfo = _admin("auth").require_employee(ctx, roles=WRITE_ROLES)
    return who


def audited(session: Any, who: str, action: str, target: str, after: Any) -> None:
    """One audit row (the admin feature's log) in ``session``'s transaction."""
    _admin("audit").audit(session, who, action, target, None, after)


def _admin(module: str) -> Any:
    try:
        return importlib.import_module(f"ukm_actors.nodes.server.admin.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in (
            f"ukm_actors.nodes.server.admin.{module}",
            "ukm_actors.nodes.server.admin",
        ):
            raise
        raise LoginRequired(
            "employee login is not available on this server, so this API is closed",
            hint="install the admin feature (ukm_actors.nodes.server.admin.auth)",
        ) from None
