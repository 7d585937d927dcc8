"""Back-off and lockout after failed logins: the rule, without storage or clocks.

One ``Attempts`` record per key (a login name, a cashier code, an address).
After ``free`` failures in a row, each further failure makes the key wait
``base`` seconds, doubling up to ``longest``; after ``lock_after`` failures
the key is locked for ``lock_for`` seconds (``None``: until someone lifts
it). A success clears the record; a record whose last failure is older than
``forget_after`` starts again from zero. While a key waits or is locked, a
login is refused *without checking the password*, so guesses cannot go
faster than the rule allows. The nodes keep the records (the cash server in
its database, shared by a cluster; a till in memory) and pass the time in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ukm_actors.i18n import Text, _


@dataclass(frozen=True)
class Policy:
    """How hard failures are punished for one kind of key."""

    free: int = 3
    """Failures in a row allowed without any wait."""
    base: float = 1.0
    """Seconds to wait after the first failure beyond ``free``; doubles each time."""
    longest: float = 300.0
    """The longest wait between two failures (before a lock)."""
    lock_after: int | None = 10
    """Failures in a row that lock the key (None: never locked, only slowed down)."""
    lock_for: float | None = 900.0
    """Seconds a lock lasts (None: until lifted by an administrator or a supervisor)."""
    forget_after: float = 86_400.0
    """A record with no failure for this long starts again from zero."""

    def wait_after(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (0: none)."""
        if failures <= self.free:
            return 0.0
        return float(min(self.longest, self.base * 2 ** min(failures - self.free - 1, 30)))

    def locks(self, failures: int) -> bool:
        return self.lock_after is not None and failures >= self.lock_after


@dataclass(frozen=True)
class Attempts:
    """The failures of one key: how many in a row, the last one, until when it waits."""

    failures: int = 0
    last: float = 0.0
    """Time of the last failure (seconds, the caller's clock)."""
    until: float = 0.0
    """No login before this time (``math.inf``: locked until lifted)."""
    locked: bool = False

    def fresh(self, policy: Policy, now: float) -> Attempts:
        """This record, or an empty one when its failures are forgotten (and it is not locked)."""
        if self.failures and not self.locked and now - self.last >= policy.forget_after:
            return Attempts()
        if self.locked and now >= self.until:
            return replace(self, locked=False, until=0.0)
        return self

    def wait(self, now: float) -> float:
        """Seconds until a login may be tried (0: now; ``math.inf``: locked until lifted)."""
        return max(0.0, self.until - now)

    def failed(self, policy: Policy, now: float) -> Attempts:
        """The record after one more failure at ``now``."""
        n = self.fresh(policy, now).failures + 1
        if policy.locks(n):
            until = math.inf if policy.lock_for is None else now + policy.lock_for
            return Attempts(n, now, until, locked=True)
        return Attempts(n, now, now + policy.wait_after(n), locked=False)


def describe_wait(seconds: float) -> Text:
    """A wait as people say it: ``"40 s"``, ``"3 min"``, ``"until it is unlocked"``
    (translatable: Russian ``"40 с"``, ``"3 мин"``)."""
    if math.isinf(seconds):
        return _("until it is unlocked")
    s = math.ceil(seconds)
    if s < 120:
        return _("{n} s", n=s)
    return _("{n} min", n=math.ceil(s / 60))


def guesses_within(policy: Policy, seconds: float) -> int:
    """How many passwords an attacker can try on one key within ``seconds``, trying each
    time the rule allows (a lock lifted by nobody stops it for good)."""
    now, tried, a = 0.0, 0, Attempts()
    while tried < 10_000_000:
        a = a.fresh(policy, now)
        now += a.wait(now)
        if now > seconds:
            break
        tried += 1
        a = a.failed(policy, now)
    return tried


@dataclass
class LogSummary:
    """When a repeated event deserves another log line: the first one, then at most one
    per ``every`` seconds per key, saying how many were left out (refused logins arrive
    as fast as an attacker sends them; the log must not grow as fast)."""

    every: float = 10.0
    _last: dict[str, tuple[float, int]] = field(default_factory=dict)

    def due(self, key: str, now: float) -> int | None:
        """None: stay quiet; else log now, mentioning this many left out since the last."""
        last = self._last.get(key)
        if last is not None and now - last[0] < self.every:
            self._last[key] = (last[0], last[1] + 1)
            return None
        self._last[key] = (now, 0)
        if len(self._last) > 10_000:
            self._last.clear()
        return last[1] if last is not None else 0
