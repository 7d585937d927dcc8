"""What a ``Supervisor`` keeps of each child, the messages it sends itself, and the pure
parts of its decisions (which children a strategy restarts, the restart intensity, which
children are due a ping, how a child shows in ``tree()``).

The supervisor (``supervisor.py``) owns the records and acts on them; nothing here sends
to or stops an actor, except ``ping`` which asks one child and reports the answer.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pykka
from pykka import ActorDeadError

from ukm_actors.supervision.actor import is_exiting, kill, ping_message
from ukm_actors.supervision.spec import ChildSpec, ChildState, Strategy

log = logging.getLogger(__name__)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class RestartChild:
    """A child's back-off is over: start it again (if it is still that generation)."""

    name: str
    generation: int


@dataclass(frozen=True)
class Sweep:
    """Time for the backstop liveness check and the pings."""


@dataclass(frozen=True)
class Vanished:
    """The sweep found this child dead; handled after any exit note it had sent."""

    urn: str


@dataclass(frozen=True)
class PingResult:
    name: str
    urn: str
    ok: bool
    error: str | None


@dataclass(frozen=True)
class GiveUp:
    """The supervisor's children restarted too often: it fails to its own parent."""

    reason: str


@dataclass
class ChildRecord:
    """One child: its spec, its live actor and how it has been doing."""

    spec: ChildSpec
    ref: pykka.ActorRef[Any] | None = None
    urn: str | None = None
    state: ChildState = "new"
    restarts: int = 0
    attempt: int = 0  # consecutive restarts, for back-off
    generation: int = 0
    started_at: float = 0.0
    next_restart_at: float | None = None
    last_error: dict[str, str] | None = None
    last_ping: float = 0.0
    ping_pending: bool = False
    dead_since: float | None = None  # when the sweep first found it dead, still exiting
    is_supervisor: bool = False
    history: deque[float] = field(default_factory=deque)

    def record_error(self, message: str) -> None:
        self.last_error = {"message": message, "at": now_iso()}


class Intensity:
    """At most ``max_restarts`` counted restarts within ``period`` seconds."""

    def __init__(self, max_restarts: int, period: float) -> None:
        self.max_restarts = max_restarts
        self.period = period
        self._times: deque[float] = deque()

    def allow(self, now: float) -> bool:
        """Count a restart at ``now``; False when it is one too many."""
        self._times.append(now)
        while self._times and now - self._times[0] > self.period:
            self._times.popleft()
        return len(self._times) <= self.max_restarts


def restart_group(
    strategy: Strategy, children: Sequence[ChildRecord], failed: ChildRecord
) -> list[ChildRecord]:
    """The children ``strategy`` restarts when ``failed`` failed, in start order."""
    if strategy == "one_for_one":
        return [failed]
    if strategy == "one_for_all":
        return list(children)
    i = list(children).index(failed)
    return list(children[i:])


def due_for_ping(c: ChildRecord, now: float) -> bool:
    """True when a running child that asked for pings should get one now."""
    return bool(
        c.spec.ping_interval and not c.ping_pending and now - c.last_ping >= c.spec.ping_interval
    )


def ping(
    name: str, ref: pykka.ActorRef[Any], timeout: float, report: Callable[[Any], None]
) -> None:
    """Ask ``ref`` for a ping and ``report`` a ``PingResult`` (nothing if it is dead: its
    exit note says why). Runs in its own greenlet: it may wait ``timeout`` seconds."""
    try:
        ref.ask(ping_message(ref), timeout=timeout)
        result = PingResult(name, ref.actor_urn, True, None)
    except pykka.Timeout:
        result = PingResult(name, ref.actor_urn, False, f"no answer to a ping within {timeout:g} s")
    except ActorDeadError:
        return
    except Exception:  # noqa: BLE001 - it answered
        result = PingResult(name, ref.actor_urn, True, None)
    report(result)


def child_tree(c: ChildRecord) -> dict[str, Any]:
    """How ``c`` shows in ``Supervisor.tree()`` (a nested supervisor with its own children)."""
    node: dict[str, Any] = {
        "name": c.spec.name,
        "kind": "supervisor" if c.is_supervisor else "worker",
        "state": c.state,
        "restart": c.spec.restart,
        "restarts": c.restarts,
        "last_error": c.last_error,
    }
    if c.next_restart_at is not None and c.state == "restarting":
        node["restart_in"] = round(max(0.0, c.next_restart_at - time.monotonic()), 3)
    if c.is_supervisor and c.ref is not None and c.state == "running":
        try:
            sub = c.ref.proxy().tree().get(timeout=2.0)
            node["children"] = sub["children"]
            node["strategy"] = sub["strategy"]
            if sub["state"] != "running":
                node["state"] = sub["state"]
        except (ActorDeadError, pykka.Timeout) as exc:
            node["state"] = "unresponsive"
            node["last_error"] = {"message": repr(exc), "at": now_iso()}
    return node


def stop(c: ChildRecord, owner: str) -> None:
    """Stop ``c``'s actor within its ``shutdown`` seconds, else kill it; ``c`` is stopped.
    (The supervisor first marks the actor as being stopped, so its exit note is ignored.)"""
    ref = c.ref
    if ref is None:
        if c.state in ("restarting", "failed"):
            c.state = "stopped"
        return
    try:
        ref.stop(block=True, timeout=c.spec.shutdown)
    except pykka.Timeout:
        log.warning(
            "%s/%s did not stop within %g s; killing it", owner, c.spec.name, c.spec.shutdown
        )
        kill(ref)
    except ActorDeadError:
        pass
    c.ref = None
    c.state = "stopped"


def vanished(c: ChildRecord, ref: pykka.ActorRef[Any], now: float) -> bool:
    """True when a child found dead is to be reported ``vanished``: only when it did not say
    why it exited.

    One still on its way out gets its ``shutdown`` time to say it; one whose greenlet has
    ended already sent its note (it is ahead of ``Vanished`` in the supervisor's inbox), so
    the tree shows the real cause whichever comes first.
    """
    if c.dead_since is None:
        c.dead_since = now
    return not (is_exiting(ref) and now - c.dead_since < c.spec.shutdown)
