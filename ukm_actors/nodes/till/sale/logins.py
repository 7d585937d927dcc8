"""Cashier logins with back-off and lockout: a 4-digit password must not fall in minutes.

Every password check of the till goes through :class:`CashierGuard`: a
cashier's login, a supervisor's confirmation, a card login (counted by
address only). The rule is ``ukm_actors.domain.throttle``:

- per cashier code: 3 failures free, then 1, 2, 4 … s (at most 60 s); the
  10th failure in a row locks the code for ``[till] login_lock_minutes`` (30;
  0 = until unlocked);
- per client address: 10 failures free, then 1, 2, 4 … s (at most 300 s).

While a key waits, the till refuses the login at once (429, ``Retry-After``)
without checking the password, and says how long to wait. A supervisor
lifts a lock (``POST /api/v1/login/unlock``); so does the server, by giving the
cashier a new password (the lock belongs to the password it was earned
against). A successful login clears the code and the address. The records are
kept in memory: a restart of the till clears them. Counts are shown in
``/status`` → ``sale.logins`` and reported to the server's monitoring.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import bottle

from ukm_actors.domain.throttle import Attempts, LogSummary, Policy, describe_wait
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.errors import LoginFailed

log = logging.getLogger(__name__)

ADDRESS_POLICY = Policy(free=10, base=1.0, longest=300.0, lock_after=None, forget_after=3600.0)
MAX_KEYS = 10_000
"""Records kept at most per kind; the oldest are dropped first (random codes cost memory)."""


def request_address() -> str:
    """The address of the HTTP request being served (the TCP peer), or ``"local"``."""
    try:
        return str(bottle.request.environ.get("REMOTE_ADDR") or "local")[:64]
    except (RuntimeError, KeyError, AttributeError):
        return "local"


def code_policy(lock_minutes: float) -> Policy:
    return Policy(
        free=3,
        base=1.0,
        longest=60.0,
        lock_after=10,
        lock_for=lock_minutes * 60 if lock_minutes > 0 else None,
    )


class LoginThrottled(LoginFailed):
    """Too many wrong passwords: wait (429 with ``Retry-After``)."""

    code = "auth.throttled"
    http_status = 429

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait

    @property
    def http_headers(self) -> dict[str, str]:
        return {} if math.isinf(self.wait) else {"Retry-After": str(max(1, math.ceil(self.wait)))}


@dataclass
class _Code:
    attempts: Attempts
    password_hash: str
    """The password the failures were made against: a new one from the server voids them."""


@dataclass
class CashierGuard:
    """Failed cashier logins of one till (see the module doc)."""

    code_rule: Policy = field(default_factory=lambda: code_policy(30))
    address_rule: Policy = ADDRESS_POLICY
    clock: Callable[[], float] = time.monotonic
    failed_total: int = 0
    refused_total: int = 0
    _codes: dict[str, _Code] = field(default_factory=dict)
    _addresses: dict[str, Attempts] = field(default_factory=dict)
    _quiet: LogSummary = field(default_factory=LogSummary)

    def check(self, code: str | None, password_hash: str, address: str) -> None:
        """Raise ``LoginThrottled`` when ``code`` or ``address`` must wait."""
        now = self.clock()
        c = self._code(code, password_hash, now)
        a = self._addresses.get(address, Attempts()).fresh(self.address_rule, now)
        if c is not None and c.locked:
            self._refused(code, address)
            wait = c.wait(now)
            if math.isinf(wait):
                text = _(
                    "cashier {code} is locked after {failures} wrong passwords; "
                    "ask a supervisor to unlock it",
                    code=code,
                    failures=c.failures,
                )
            else:
                text = _(
                    "cashier {code} is locked after {failures} wrong passwords; "
                    "wait {wait} or ask a supervisor to unlock it",
                    code=code,
                    failures=c.failures,
                    wait=describe_wait(wait),
                )
            raise LoginThrottled(text, wait)
        wait = max(c.wait(now) if c is not None else 0.0, a.wait(now))
        if wait > 0:
            self._refused(code, address)
            raise LoginThrottled(
                _("too many wrong passwords; wait {wait} and try again", wait=describe_wait(wait)),
                wait,
            )

    def failed(self, code: str | None, password_hash: str, address: str) -> None:
        """Count one wrong password (``code`` None: a card that fits nobody)."""
        now = self.clock()
        self.failed_total += 1
        a = self._addresses.get(address, Attempts()).failed(self.address_rule, now)
        self._keep(self._addresses, address, a)
        if code is None:
            log.warning("failed card login from %s", address)
            return
        old = self._code(code, password_hash, now) or Attempts()
        c = old.failed(self.code_rule, now)
        self._keep(self._codes, code, _Code(c, password_hash))
        log.warning(
            "failed login of cashier %s from %s (%d in a row%s)",
            code, address, c.failures, ", locked" if c.locked else "",
        )  # fmt: skip

    def succeeded(self, code: str, address: str) -> None:
        self._codes.pop(code, None)
        self._addresses.pop(address, None)

    def unlock(self, code: str) -> bool:
        """Forget the failures of cashier ``code`` (True when there were any)."""
        return self._codes.pop(code, None) is not None

    def status(self) -> dict[str, Any]:
        now = self.clock()
        rule = self.code_rule
        locked = sorted(k for k, v in self._codes.items() if v.attempts.fresh(rule, now).locked)
        return {
            "failed": self.failed_total,
            "refused": self.refused_total,
            "locked_cashiers": locked,
        }

    def _code(self, code: str | None, password_hash: str, now: float) -> Attempts | None:
        if code is None:
            return None
        rec = self._codes.get(code)
        if rec is None:
            return Attempts()
        if rec.password_hash != password_hash:  # the server set a new password: a fresh start
            del self._codes[code]
            return Attempts()
        return rec.attempts.fresh(self.code_rule, now)

    def _refused(self, code: str | None, address: str) -> None:
        self.refused_total += 1
        left_out = self._quiet.due(f"{code}|{address}", time.monotonic())
        if left_out is not None:
            log.warning(
                "login of cashier %s from %s refused: too many wrong passwords "
                "(%d more refused since the last line)",
                code, address, left_out,
            )  # fmt: skip

    @staticmethod
    def _keep(table: dict[str, Any], key: str, value: Any) -> None:
        table.pop(key, None)
        table[key] = value  # newest last
        while len(table) > MAX_KEYS:
            del table[next(iter(table))]
