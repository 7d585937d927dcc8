"""Child specifications and back-off: what a supervisor needs to know about a child."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

RestartType = Literal["permanent", "transient", "temporary"]
Strategy = Literal["one_for_one", "one_for_all", "rest_for_one"]
ChildState = Literal["new", "running", "restarting", "hung", "stopped", "failed"]
"""A child as its supervisor keeps it: ``new`` (not started yet), ``running``,
``restarting`` (waiting out its back-off), ``failed`` (crashed or could not start;
the strategy decides what next), ``stopped`` (on purpose, or its restart type says
not to restart it), ``hung`` (killed for not answering a ping after its supervisor
had given up, so nothing restarts it)."""
TreeState = ChildState | Literal["unresponsive"]
"""A node's ``state`` in ``Supervisor.tree()`` and ``/status``: a child's state, or
``unresponsive`` (a supervisor that did not answer in time)."""
ExitReason = Literal["normal", "failure", "start_failed", "killed", "vanished"]
"""Why a supervised actor stopped (``ChildExited.reason``): ``normal`` (asked to),
``failure`` (an exception in a message), ``start_failed`` (in ``on_start``),
``killed`` (by its supervisor), ``vanished`` (found dead by the supervisor's sweep
without having said why)."""

RESTART_TYPES: tuple[RestartType, ...] = get_args(RestartType)
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off between restarts of one child (Akka's BackoffSupervisor).

    The n-th consecutive restart waits ``min(maximum, initial * factor**n)``
    seconds, stretched by up to ``jitter`` (a fraction). After the child has
    run for ``reset_after`` seconds the count starts again from zero.
    Restarts of a child with back-off do not count toward its supervisor's
    restart intensity (the back-off already limits their rate: an unplugged
    printer must not bring the till down); ``max_retries`` consecutive failed
    restarts, when set, do escalate.
    """

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2
    reset_after: float = 30.0
    max_retries: int | None = None

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial:
            raise ValueError("Backoff needs 0 < initial <= maximum")
        if self.factor < 1:
            raise ValueError("Backoff factor must be >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("Backoff jitter must be between 0 and 1")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before restart number ``attempt`` (0-based)."""
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        r = (rng or random).random()
        return min(self.maximum, base * (1 + self.jitter * r))


@dataclass(frozen=True)
class ChildSpec:
    """How to start, restart and stop one child of a supervisor.

    ``start`` is called in the supervisor's greenlet and returns a pykka
    ``ActorRef`` (for a nested tree, a ``Supervisor.start(...)`` call). The
    supervisor waits up to ``start_timeout`` seconds for the child's
    ``on_start`` to finish, as OTP waits for ``init``.

    ``shutdown`` is how long a stop may take before the child's greenlet is
    killed. ``ping_interval``, when set, makes the supervisor ping the child
    that often; no answer within ``ping_timeout`` marks it hung, and it is
    restarted. Leave it off for actors that legitimately run long handlers.
    """

    name: str
    start: Callable[[], Any]
    restart: RestartType = "permanent"
    shutdown: float = 5.0
    backoff: Backoff | None = None
    start_timeout: float = 30.0
    ping_interval: float | None = None
    ping_timeout: float = 5.0
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"child name {self.name!r} must be non-empty and contain no '/'")
        if self.restart not in RESTART_TYPES:
            raise ValueError(
                f"child {self.name!r}: restart={self.restart!r}; "
                f"allowed: {', '.join(RESTART_TYPES)}"
            )
        if self.shutdown <= 0:
            raise ValueError(f"child {self.name!r}: shutdown must be positive seconds")
