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

Wrong tokens are counted per client address (:class:`TokenGuard`): 10 free,
then 1, 2, 4 … s between tries (at most 60 s), answered 429 with
``Retry-After`` without checking the token, so neither ``admin_token`` can be
guessed nor the cash server flooded with ``auth.verify`` asks. Passwords are
never tried here: employees log in on the cash server, which throttles them.
"""

from __future__ import annotations

import hmac
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import bottle

from ukm_actors.domain.throttle import Attempts, Policy, describe_wait
from ukm_actors.errors import UkmError
from ukm_actors.nodes.marketing.services import MarketingContext

log = logging.getLogger(__name__)

WRITE_ROLES = ("admin", "manager")
READ_ROLES = ("admin", "manager", "viewer")
VERIFY_TIMEOUT = 3.0
TOKEN_POLICY = Policy(free=10, base=1.0, longest=60.0, lock_after=None, forget_after=3600.0)


class LoginRequired(UkmError):
    code = "auth.required"
    http_status = 401


class NotAllowed(UkmError):
    code = "auth.forbidden"
    http_status = 403


class LoginUnavailable(UkmError):
    code = "auth.unavailable"
    http_status = 503


class TooManyTries(UkmError):
    code = "auth.throttled"
    http_status = 429

    def __init__(self, wait: float) -> None:
        super().__init__(f"too many wrong tokens from this address; wait {describe_wait(wait)}")
        self.http_headers = {"Retry-After": str(max(1, math.ceil(wait)))}


@dataclass
class TokenGuard:
    """Wrong bearer tokens per client address (see the module doc); in memory."""

    policy: Policy = TOKEN_POLICY
    clock: Callable[[], float] = time.monotonic
    failed: int = 0
    refused: int = 0
    _by_address: dict[str, Attempts] = field(default_factory=dict)

    def check(self, address: str) -> None:
        a = self._by_address.get(address, Attempts()).fresh(self.policy, self.clock())
        wait = a.wait(self.clock())
        if wait > 0:
            self.refused += 1
            raise TooManyTries(wait)

    def fail(self, address: str, why: str) -> None:
        self.failed += 1
        now = self.clock()
        a = self._by_address.pop(address, Attempts()).failed(self.policy, now)
        self._by_address[address] = a
        while len(self._by_address) > 10_000:
            del self._by_address[next(iter(self._by_address))]
        log.warning("wrong token from %s (%d in a row): %s", address, a.failures, why)

    def succeeded(self, address: str) -> None:
        self._by_address.pop(address, None)

    def status(self) -> dict[str, int]:
        return {"failed": self.failed, "refused": self.refused}


def _address() -> str:
    return str(bottle.request.environ.get("REMOTE_ADDR") or "unknown")[:64]


@dataclass(frozen=True)
class Who:
    login: str
    role: str
    name: str = ""


class AdminAuth:
    """Checks the bearer token of a request (see the module doc)."""

    def __init__(self, ctx: MarketingContext) -> None:
        self.ctx = ctx
        self.guard = ctx.services.token_guard

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
        bridge = self.ctx.services.bridge
        url = bridge.server_url
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
        return Who(
            str(answer.get("login") or "?"),
            str(answer.get("role") or ""),
            str(answer.get("name") or ""),
        )

    def require(self, *, write: bool) -> Who:
        """The caller of the current request, allowed to read (or to change things)."""
        token = self._token()
        address = _address()
        self.guard.check(address)
        try:
            who = self._who(token)
        except LoginRequired as exc:
            self.guard.fail(address, exc.message)
            raise
        self.guard.succeeded(address)
        allowed = WRITE_ROLES if write else READ_ROLES
        if who.role not in allowed:
            raise NotAllowed(
                f"{who.login} ({who.role}) may not {'change' if write else 'read'} this"
            )
        return who

    def _who(self, token: str) -> Who:
        settings = self.ctx.config.marketing
        if settings.admin_token and hmac.compare_digest(token, settings.admin_token):
            return Who("admin_token", "admin")
        if not settings.server_auth:
            raise LoginRequired("the token is not valid")
        return self._server_login(token)
