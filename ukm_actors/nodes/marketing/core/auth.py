"""Who may use the marketing server's admin and reports API.

The marketing server has no employee directory of its own. A request must
carry ``Authorization: Bearer <token>`` where the token is either

- ``[marketing] admin_token`` (a shared secret for scripts and the chain's
  back office: full rights), or
- when ``[marketing] server_auth`` is on, a cash server employee's login
  token: the marketing server asks the cash server ``auth.verify``
  ``{"token"}`` → ``{"login", "role"}`` through the bridge on every request
  (nothing is remembered: a logout, a disabled account or a lowered role on
  the cash server takes effect at the marketing server's next request).
  Roles ``admin`` and ``manager`` may change things, ``viewer`` may read
  reports and lists.

With neither configured (or the cash server unreachable for a login token)
the API answers 401/503: it is never open.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import bottle

from ukm_actors.errors import UkmError

WRITE_ROLES = ("admin", "manager")
READ_ROLES = ("admin", "manager", "viewer")
VERIFY_TIMEOUT = 3.0


class LoginRequired(UkmError):
    code = "auth.required"
    http_status = 401


class NotAllowed(UkmError):
    code = "auth.forbidden"
    http_status = 403


class LoginUnavailable(UkmError):
    code = "auth.unavailable"
    http_status = 503


@dataclass(frozen=True)
class Who:
    login: str
    role: str


class AdminAuth:
    """Checks the bearer token of a request (see the module doc)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def _token(self) -> str:
        header = bottle.request.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise LoginRequired(
                "this API needs a login: send 'Authorization: Bearer <token>'",
                hint="the token is [marketing] admin_token or a cash server login token",
            )
        return token.strip()

    def _server_login(self, token: str) -> Who:
        """The employee of a cash server login token, asked afresh (never cached)."""
        bridge = self.ctx.services.get("bridge")
        url = getattr(bridge, "server_url", "") if bridge is not None else ""
        if not url:
            raise LoginRequired("the token is not valid", hint="use [marketing] admin_token")
        from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError

        try:
            answer = bridge.ask(url, "auth.verify", {"token": token}, timeout=VERIFY_TIMEOUT)
        except RemoteError as exc:
            raise LoginRequired(f"the cash server refused the login: {exc.message}") from None
        except (PeerUnreachable, AskTimeout):
            raise LoginUnavailable(
                "the cash server, which checks employee logins, does not answer",
                hint="try again later, or use [marketing] admin_token",
            ) from None
        return Who(str(answer.get("login") or "?"), str(answer.get("role") or ""))

    def require(self, *, write: bool) -> Who:
        """The caller of the current request, allowed to read (or to change things)."""
        token = self._token()
        settings = self.ctx.config.marketing
        if settings.admin_token and hmac.compare_digest(token, settings.admin_token):
            return Who("admin_token", "admin")
        if not settings.server_auth:
            raise LoginRequired("the token is not valid")
        who = self._server_login(token)
        allowed = WRITE_ROLES if write else READ_ROLES
        if who.role not in allowed:
            raise NotAllowed(
                f"{who.login} ({who.role}) may not {'change' if write else 'read'} this"
            )
        return who
