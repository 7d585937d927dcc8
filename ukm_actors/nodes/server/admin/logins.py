"""Employee logins with back-off, lockout and an audit trail (``POST /api/v1/login``).

Two keys are counted for every failed login: the login name and the client's
address (``REMOTE_ADDR``; a proxy's ``X-Forwarded-For`` is not trusted). The
records live in the database (``admin_login_throttle``), so every server of a
cluster applies the same limits. The rule is ``ukm_actors.domain.throttle``:

- per login: 3 failures free, then 1, 2, 4 … s between tries (at most 300 s);
  the 10th failure in a row locks the login for ``[server] login_lock_minutes``
  (15; 0 = until lifted);
- per address: 10 failures free, then 0.5, 1, 2 … s (at most 60 s), never locked.

While a key waits, a login is refused with 429 and ``Retry-After`` *without
checking the password*. Every failure is logged and audited (``login.failed``,
who = the login tried, target = the address); refusals are logged. An admin
lifts a lock with ``DELETE /api/v1/login-locks/{login|address}/{key}`` or
``ukm admin unlock``. ``LoginStats`` counts failures for ``/metrics``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import bottle
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.db import Database
from ukm_actors.domain.throttle import Attempts, LogSummary, Policy, describe_wait
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.admin import auth
from ukm_actors.nodes.server.admin.audit import audit
from ukm_actors.nodes.server.admin.tables import LoginThrottle

log = logging.getLogger(__name__)

LOGIN, ADDRESS = "login", "address"
ADDRESS_POLICY = Policy(free=10, base=0.5, longest=60.0, lock_after=None, forget_after=3600.0)


def login_policy(lock_minutes: float) -> Policy:
    """The per-login rule; ``lock_minutes`` 0 locks until an admin lifts it."""
    return Policy(
        free=3,
        base=1.0,
        longest=300.0,
        lock_after=10,
        lock_for=lock_minutes * 60 if lock_minutes > 0 else None,
    )


class LoginThrottled(UkmError):
    """Too many failed logins: wait (429, ``Retry-After``)."""

    code = "auth.throttled"
    http_status = 429

    def __init__(self, message: str, wait: float, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.wait = wait

    @property
    def retry_after(self) -> int | None:
        return None if math.isinf(self.wait) else max(1, math.ceil(self.wait))

    @property
    def http_headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def to_json(self) -> dict[str, Any]:  # type: ignore[override]
        body: dict[str, Any] = dict(super().to_json())
        body["retry_after"] = self.retry_after
        return body


@dataclass
class LoginStats:
    """Failed logins since this process started (Prometheus counters)."""

    wrong_password: int = 0
    throttled: int = 0

    def families(self) -> list[tuple[str, str, str, list[Any]]]:
        return [
            (
                "ukm_login_failures_total",
                "counter",
                "Failed employee logins on this server process, by reason.",
                [({"reason": "password"}, self.wrong_password),
                 ({"reason": "throttled"}, self.throttled)],
            )
        ]  # fmt: skip


def client_address() -> str:
    """The address the current request came from (the TCP peer, never a forwarded header)."""
    return str(bottle.request.environ.get("REMOTE_ADDR") or "unknown")[:64]


def _key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def _attempts(row: LoginThrottle | None) -> Attempts:
    if row is None:
        return Attempts()
    until = math.inf if row.locked and row.until_ms is None else (row.until_ms or 0) / 1000
    return Attempts(row.failures, row.last_ms / 1000, until, row.locked)


def _row(session: Session, key: str) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0, last_ms=0, until_ms=None, locked=False)
            session.add(row)
    except IntegrityError:  # another server of the cluster made it just now
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        assert row is not None
    return row


def _store(row: LoginThrottle, a: Attempts) -> None:
    row.failures, row.last_ms, row.locked = a.failures, int(a.last * 1000), a.locked
    row.until_ms = None if math.isinf(a.until) else int(a.until * 1000)


@dataclass(frozen=True)
class Policies:
    login: Policy
    address: Policy = ADDRESS_POLICY


class LoginGuard:
    """Logs employees in under the rule of the module doc."""

    def __init__(
        self,
        db: Database,
        policies: Policies,
        stats: LoginStats,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.policies = policies
        self.stats = stats
        self.clock = clock
        """Unix time in seconds (a test may step it instead of waiting)."""
        self.quiet = LogSummary()

    def attempt(
        self, name: str, password: str, address: str, hours: float
    ) -> tuple[str, int, auth.EmployeeInfo]:
        """``(token, expires ms, who)``, or ``LoginThrottled`` / ``AuthError`` (after the
        failure is recorded and committed)."""
        now = self.clock()
        # A flood of refused tries costs a read each, never the write lock other work needs.
        with self.db.read() as session:
            refusal = self._refusal(session, name, address, now)
        if refusal is None:
            with self.db.write() as session:
                refusal = self._refusal(session, name, address, now)  # a racing try may have
                if refusal is None:  # just failed: the write transaction decides
                    employee = auth.check_password(session, name, password)
                    if employee is not None:
                        lift(session, LOGIN, name)
                        return auth.open_session(session, employee, hours)
                    failed = self._failed(session, name, address, now)
        if refusal is not None:
            self._refused(name, address, refusal)
        self.stats.wrong_password += 1
        log.warning(
            "failed login %r from %s (%d in a row for this login)", name, address, failed.failures
        )
        raise auth.AuthError("wrong login or password, or the account is disabled")

    def _refused(self, name: str, address: str, refusal: LoginThrottled) -> NoReturn:
        self.stats.throttled += 1
        left_out = self.quiet.due(f"{name}|{address}", time.monotonic())
        if left_out is not None:
            log.warning(
                "login %r from %s refused: %s (%d more refused since the last line)",
                name, address, refusal.message, left_out,
            )  # fmt: skip
        raise refusal

    def _refusal(
        self, session: Session, name: str, address: str, now: float
    ) -> LoginThrottled | None:
        by_login = _attempts(session.get(LoginThrottle, _key(LOGIN, name)))
        by_login = by_login.fresh(self.policies.login, now)
        by_address = _attempts(session.get(LoginThrottle, _key(ADDRESS, address)))
        by_address = by_address.fresh(self.policies.address, now)
        if by_login.locked:
            return LoginThrottled(
                f"login {name} is locked after {by_login.failures} failed passwords in a row; "
                f"wait {describe_wait(by_login.wait(now))}",
                by_login.wait(now),
                hint="an admin can lift the lock: DELETE /api/v1/login-locks/login/<login> "
                "or `ukm admin unlock --login <login>`",
            )
        wait = max(by_login.wait(now), by_address.wait(now))
        if wait > 0:
            return LoginThrottled(
                f"too many failed logins; wait {describe_wait(wait)} before trying again", wait
            )
        return None

    def _failed(self, session: Session, name: str, address: str, now: float) -> Attempts:
        results = {}
        for kind, value, policy in (
            (LOGIN, name, self.policies.login),
            (ADDRESS, address, self.policies.address),
        ):
            row = _row(session, _key(kind, value))
            after = _attempts(row).failed(policy, now)
            _store(row, after)
            results[kind] = after
        a = results[LOGIN]
        wait = a.wait(now)
        audit(
            session, name[:80], "login.failed", address,
            after={"failures": a.failures, "locked": a.locked,
                   "wait_s": None if math.isinf(wait) else round(wait, 1)},
        )  # fmt: skip
        forget = int((now - max(self.policies.login.forget_after, 3600.0)) * 1000)
        session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.locked.is_(False), LoginThrottle.last_ms < forget
            )
        )
        return a


def lift(session: Session, kind: str, value: str) -> bool:
    """Forget the failures of one login or address (True when there were any)."""
    if kind not in (LOGIN, ADDRESS):
        raise ValueError(f"kind must be {LOGIN!r} or {ADDRESS!r}")
    gone = session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key(kind, value)))
    return bool(getattr(gone, "rowcount", 0))


def locks(session: Session, policies: Policies, now: float | None = None) -> list[dict[str, Any]]:
    """Logins and addresses with failures not yet forgotten, the locked first."""
    at = time.time() if now is None else now
    out = []
    for row in session.execute(select(LoginThrottle).order_by(LoginThrottle.key)).scalars():
        kind, _, value = row.key.partition(":")
        policy = policies.login if kind == LOGIN else policies.address
        a = _attempts(row).fresh(policy, at)
        if not a.failures:
            continue
        wait = a.wait(at)
        out.append(
            {
                "kind": kind,
                "key": value,
                "failures": a.failures,
                "locked": a.locked,
                "wait_s": None if math.isinf(wait) else round(wait, 1),
                "last_failure_ms": row.last_ms,
            }
        )
    out.sort(key=lambda e: (not e["locked"], e["kind"], e["key"]))
    return out


def locked_logins(session: Session) -> int:
    """How many logins are locked now (a gauge for ``/metrics``)."""
    now_ms = int(time.time() * 1000)
    return int(
        session.execute(
            select(func.count())
            .select_from(LoginThrottle)
            .where(
                LoginThrottle.key.like(f"{LOGIN}:%"),
                LoginThrottle.locked.is_(True),
                (LoginThrottle.until_ms.is_(None)) | (LoginThrottle.until_ms > now_ms),
            )
        ).scalar_one()
    )
