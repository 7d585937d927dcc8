"""Server employees: accounts, logins, sessions, and the check every admin route makes.

Other features protect their routes with :func:`require_employee`::

    from ukm_actors.nodes.server.admin.auth import require_employee

    def receipts(ctx: ServerContext) -> bottle.HTTPResponse:
        who = require_employee(ctx, roles=("admin", "manager", "viewer"))
        ...

    Routes(app, ctx).get("/api/v1/receipts", receipts)   # ukm_actors.nodes.routes

It reads ``Authorization: Bearer <token>`` (a token from ``POST
/api/v1/login``), checks it against the sessions in the database (so any
server of a cluster accepts it) and returns the :class:`EmployeeInfo`, or
raises :class:`AuthError` (401: no or bad token) / :class:`Forbidden` (403:
the employee's role is not among ``roles``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import bottle
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ukm_actors.codecs import jsonsafe
from ukm_actors.domain.passwords import hash_employee_password, verify_password
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.admin.tables import (
    ADMIN,
    EMPLOYEE_ROLES,
    MANAGER,
    VIEWER,
    Employee,
    LoginSession,
    LoginThrottle,
)
from ukm_actors.nodes.server.catalog.public import CatalogError, Conflict, NotFound, now

if TYPE_CHECKING:
    from ukm_actors.nodes.base import NodeContext

T = TypeVar("T")

READERS = (ADMIN, MANAGER, VIEWER)
WRITERS = (ADMIN, MANAGER)
ADMINS = (ADMIN,)

_LOGIN = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
_DUMMY_HASH = (
    "$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
)


class AuthError(UkmError):
    """No valid login for this request (401)."""

    code = "auth.required"
    http_status = 401


class LoginRequestError(UkmError):
    """A login request that is not ``{"login": text, "password": text}`` (400)."""

    code = "auth.bad_request"
    http_status = 400


def login_request(raw: bytes) -> tuple[str, str]:
    """``(login, password)`` from a ``POST /api/v1/login`` body, or ``LoginRequestError``."""
    hint = 'send {"login": "...", "password": "..."} as a JSON object'
    try:
        data = jsonsafe.loads(raw or b"")
    except ValueError:
        raise LoginRequestError("the login request is not JSON", hint=hint) from None
    if not isinstance(data, dict):
        raise LoginRequestError("the login request must be a JSON object", hint=hint)
    login, password = data.get("login"), data.get("password")
    if not isinstance(login, str) or not login.strip() or len(login) > 80:
        raise LoginRequestError('"login" must be a text of 1 to 80 characters', hint=hint)
    if not isinstance(password, str):
        raise LoginRequestError('"password" must be a text', hint=hint)
    return login.strip(), password


class Forbidden(UkmError):
    """Logged in, but the role does not allow this (403)."""

    code = "auth.forbidden"
    http_status = 403


@dataclass(frozen=True)
class EmployeeInfo:
    """Who is asking: the employee behind a token."""

    id: int
    login: str
    name: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "login": self.login, "name": self.name, "role": self.role}


def _info(e: Employee) -> EmployeeInfo:
    return EmployeeInfo(e.id, e.login, e.name, e.role)


def _off_hub(fn: Callable[..., T], *args: Any) -> T:
    """Run a slow hash in gevent's thread pool (hashlib releases the GIL), so a login
    does not stop the node's other greenlets for the ~50 ms scrypt takes."""
    try:
        import gevent

        return cast(T, gevent.get_hub().threadpool.apply(fn, args))
    except ImportError:  # pragma: no cover - gevent is always there in a node
        return fn(*args)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    if role not in EMPLOYEE_ROLES:
        raise CatalogError(f"unknown employee role {role!r}; roles: {', '.join(EMPLOYEE_ROLES)}")
    return role


def create_employee(
    session: Session, login: str, password: str, role: str, name: str = ""
) -> Employee:
    """A new employee (``Conflict`` if the login is taken); the password is stored hashed."""
    if not _LOGIN.match(login):
        raise CatalogError(f"login {login!r} must be 1-80 letters, digits or . _ @ - (no spaces)")
    check_role(role)
    if len(password) < 8:
        raise CatalogError("an employee password needs at least 8 characters")
    if session.execute(select(Employee.id).where(Employee.login == login)).first() is not None:
        raise Conflict(f"an employee with login {login!r} exists already")
    e = Employee(
        login=login,
        name=name,
        role=role,
        password_hash=_off_hub(hash_employee_password, password),
        enabled=True,
        created_at=now(),
    )
    session.add(e)
    session.flush()
    return e


def find_employee(session: Session, login: str) -> Employee:
    e = session.execute(select(Employee).where(Employee.login == login)).scalar_one_or_none()
    if e is None:
        raise NotFound(f"no employee with login {login!r}")
    return e


def set_password(session: Session, login: str, password: str) -> None:
    """Change an employee's password; their open sessions end, and so does a lock
    after failed logins (``logins.py``: the key ``login:<login>``)."""
    if len(password) < 8:
        raise CatalogError("an employee password needs at least 8 characters")
    e = find_employee(session, login)
    e.password_hash = _off_hub(hash_employee_password, password)
    session.execute(delete(LoginSession).where(LoginSession.employee_id == e.id))
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == f"login:{login}"))


def end_sessions(session: Session, employee_id: int) -> None:
    session.execute(delete(LoginSession).where(LoginSession.employee_id == employee_id))


def check_password(session: Session, login_name: str, password: str) -> Employee | None:
    """The enabled employee ``login_name`` if ``password`` is theirs, else None.

    The same work is done for an unknown login, a wrong password and a disabled
    account, so their answers cannot be told apart by time either.
    """
    e = session.execute(select(Employee).where(Employee.login == login_name)).scalar_one_or_none()
    ok = _off_hub(verify_password, password, e.password_hash if e is not None else _DUMMY_HASH)
    if e is None or not ok or not e.enabled:
        return None
    return e


def open_session(session: Session, e: Employee, hours: float) -> tuple[str, int, EmployeeInfo]:
    """A new login session for ``e``: ``(token, expires unix ms, who)``."""
    now_ms = int(time.time() * 1000)
    session.execute(delete(LoginSession).where(LoginSession.expires_ms < now_ms))
    token = secrets.token_urlsafe(32)
    expires = now_ms + int(hours * 3600 * 1000)
    session.add(
        LoginSession(
            token_sha256=_token_hash(token), employee_id=e.id, created_at=now(), expires_ms=expires
        )
    )
    session.flush()
    return token, expires, _info(e)


def login(
    session: Session, login_name: str, password: str, hours: float
) -> tuple[str, int, EmployeeInfo]:
    """Check the password and open a session: ``(token, expires unix ms, who)``, or
    :class:`AuthError` (the same for an unknown login, a wrong password and a disabled
    account). No throttling: the HTTP route goes through ``logins.LoginGuard``."""
    e = check_password(session, login_name, password)
    if e is None:
        raise AuthError("wrong login or password, or the account is disabled")
    return open_session(session, e, hours)


def logout(session: Session, token: str) -> None:
    """End the session of ``token`` (nothing happens for an unknown one)."""
    session.execute(delete(LoginSession).where(LoginSession.token_sha256 == _token_hash(token)))


def employee_for_token(session: Session, token: str) -> EmployeeInfo | None:
    """The enabled employee whose unexpired session ``token`` is, or None."""
    row = session.execute(
        select(Employee)
        .join(LoginSession, LoginSession.employee_id == Employee.id)
        .where(
            LoginSession.token_sha256 == _token_hash(token),
            LoginSession.expires_ms > int(time.time() * 1000),
            Employee.enabled.is_(True),
        )
    ).scalar_one_or_none()
    return _info(row) if row is not None else None


def request_token() -> str | None:
    """The bearer token of the current bottle request, if any."""
    header = str(bottle.request.headers.get("Authorization", ""))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_employee(ctx: NodeContext, roles: tuple[str, ...] = READERS) -> EmployeeInfo:
    """The employee of the current request if their role is in ``roles``; else 401/403."""
    token = request_token()
    if token is None:
        raise AuthError(
            "this API needs an employee login",
            hint='POST /api/v1/login {"login", "password"}, '
            'then send "Authorization: Bearer <token>"',
        )
    with ctx.require_db().read() as session:
        who = employee_for_token(session, token)
    if who is None:
        raise AuthError("the login token is unknown or has expired", hint="log in again")
    if who.role not in roles:
        raise Forbidden(
            f"employee {who.login} ({who.role}) may not do this; "
            f"it needs one of: {', '.join(roles)}"
        )
    return who
