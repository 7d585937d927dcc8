"""``Supervisor``: OTP supervision for pykka actors.

Strategies ``one_for_one``, ``one_for_all``, ``rest_for_one``; child restart
types ``permanent``, ``transient``, ``temporary``; at most ``max_restarts``
restarts within ``period`` seconds, beyond which the supervisor stops its
children (in reverse order) and fails to its own parent. A supervisor is
itself a ``SupervisedActor``, so trees nest.

Differences from OTP, on purpose:

- a child that fails to start is treated like a child that crashed (counted,
  restarted by the strategy) instead of failing the whole supervisor start;
  a node must boot even when a printer is unplugged;
- a child with a ``Backoff`` waits before each restart and does not count
  toward the intensity (see ``Backoff``);
- a child with ``ping_interval`` is pinged; one that does not answer within
  its ``ping_timeout`` is reported ``hung`` and killed and restarted.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import gevent
import pykka
from pykka import ActorDeadError

from ukm_actors.errors import UkmError
from ukm_actors.supervision.actor import (
    ChildExited,
    Ping,
    StartContext,
    SupervisedActor,
    _starting,
    kill,
    ping_message,
)
from ukm_actors.supervision.children import (
    ChildRecord,
    GiveUp,
    Intensity,
    PingResult,
    RestartChild,
    Sweep,
    Vanished,
    child_tree,
    due_for_ping,
    now_iso,
    ping,
    restart_group,
    stop,
    vanished,
)
from ukm_actors.supervision.names import Names
from ukm_actors.supervision.spec import STRATEGIES, ChildSpec, Strategy, TreeState

log = logging.getLogger(__name__)

START_WAIT = 300.0
"""Seconds ``Supervisor.start`` waits for the children to start."""


class SupervisionError(UkmError):
    """A supervision request that cannot be done (unknown child, duplicate name...)."""

    code = "supervision.error"


class SupervisorGaveUp(Exception):
    """Raised inside a supervisor whose children restarted too often."""


class Supervisor(SupervisedActor):
    """Starts, watches and restarts an ordered list of children."""

    def __init__(
        self,
        children: list[ChildSpec] | None = None,
        strategy: Strategy = "one_for_one",
        max_restarts: int = 3,
        period: float = 5.0,
        name: str | None = None,
        names: Names | None = None,
        on_exit: Any = None,
        sweep_interval: float = 0.5,
    ) -> None:
        super().__init__()
        if strategy not in STRATEGIES:
            raise SupervisionError(
                f"unknown strategy {strategy!r}; allowed: {', '.join(STRATEGIES)}"
            )
        if max_restarts < 0 or period <= 0:
            raise SupervisionError("max_restarts must be >= 0 and period > 0")
        ctx = self._start_context
        self.name = name or (ctx.name if ctx is not None else "root")
        self.strategy: Strategy = strategy
        self.max_restarts = max_restarts
        self.period = period
        self.sweep_interval = sweep_interval
        self.tree_names = names or (ctx.names if ctx is not None and ctx.names else Names())
        if on_exit is not None:
            if ctx is None:
                self._start_context = StartContext(None, self.name, self.tree_names, on_exit)
            else:
                ctx.on_exit = on_exit
        self._children: list[ChildRecord] = []
        self._intensity = Intensity(max_restarts, period)
        self._stopping: set[str] = set()
        self._gave_up: str | None = None
        self._rng = random.Random()
        self._timer: Any = None
        seen: set[str] = set()
        for spec in children or []:
            if spec.name in seen:
                raise SupervisionError(f"two children named {spec.name!r} under {self.name!r}")
            seen.add(spec.name)
            self._children.append(ChildRecord(spec))

    @classmethod
    def start(cls, *args: Any, **kwargs: Any) -> pykka.ActorRef[Any]:  # type: ignore[override]
        """Start a supervisor and wait, as OTP's ``start_link`` does, until its
        children have been started (or scheduled for a restart)."""
        ref: pykka.ActorRef[Any] = super().start(*args, **kwargs)
        try:
            ref.ask(Ping(), timeout=START_WAIT)
        except ActorDeadError as exc:
            raise SupervisionError("the supervisor stopped while starting its children") from exc
        return ref

    # -- lifecycle -------------------------------------------------------------

    def on_start(self) -> None:
        for child in self._children:
            self._start(child)
        self._schedule_sweep()

    def on_stop(self) -> None:
        if self._timer is not None:
            self._timer.kill(block=False)
        self._stop_children(list(self._children))

    def on_failure(self, *exc_info: Any) -> None:
        # A supervisor that fails must not leave its children running unsupervised.
        self._stop_children(list(self._children))

    def on_ping(self) -> Any:
        return {"name": self.name, "children": len(self._children)}

    # -- public API (call through a proxy) --------------------------------------

    def child(self, name: str) -> pykka.ActorRef[Any]:
        """The live ActorRef of child ``name``; ``SupervisionError`` if it is not running."""
        c = self._find(name)
        if c.ref is None or c.state != "running" or not c.ref.is_alive():
            raise SupervisionError(
                f"child {name!r} of {self.name!r} is {c.state}", hint="try again shortly"
            )
        return c.ref

    def children(self) -> list[str]:
        """Names of the children, in start order."""
        return [c.spec.name for c in self._children]

    def tree(self) -> dict[str, Any]:
        """This supervisor and its children: name, state, restarts, last error, children."""
        out: dict[str, Any] = {
            "name": self.name,
            "kind": "supervisor",
            "state": self._own_state(),
            "strategy": self.strategy,
            "max_restarts": self.max_restarts,
            "period": self.period,
            "restarts": sum(c.restarts for c in self._children),
            "last_error": self._gave_up and {"message": self._gave_up, "at": now_iso()},
            "children": [child_tree(c) for c in self._children],
        }
        return out

    def _own_state(self) -> TreeState:
        return "failed" if self._gave_up else "running"

    def start_child(self, spec: ChildSpec) -> pykka.ActorRef[Any] | None:
        """Add and start a child; returns its ref (None if its start failed and is retried)."""
        if any(c.spec.name == spec.name for c in self._children):
            raise SupervisionError(f"{self.name!r} already has a child named {spec.name!r}")
        child = ChildRecord(spec)
        self._children.append(child)
        self._start(child)
        return child.ref if child.state == "running" else None

    def stop_child(self, name: str) -> None:
        """Stop a child and forget its spec."""
        child = self._find(name)
        self._stop_children([child])
        self._children.remove(child)

    def restart_child(self, name: str) -> None:
        """Stop and start a child again, as an operator's request (not counted)."""
        child = self._find(name)
        self._stop_children([child])
        self._start(child)

    # -- messages ---------------------------------------------------------------

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, ChildExited):
            self._on_child_exit(message)
        elif isinstance(message, RestartChild):
            self._on_restart_due(message)
        elif isinstance(message, Sweep):
            self._sweep()
        elif isinstance(message, PingResult):
            self._on_ping_result(message)
        elif isinstance(message, Vanished):
            self._on_vanished(message)
        else:
            return super().on_receive(message)
        return None

    # -- internals ----------------------------------------------------------------

    def _find(self, name: str) -> ChildRecord:
        for c in self._children:
            if c.spec.name == name:
                return c
        raise SupervisionError(
            f"{self.name!r} has no child named {name!r}",
            hint=f"children: {', '.join(self.children()) or 'none'}",
        )

    def _start(self, child: ChildRecord) -> bool:
        """Start one child; on failure record it and apply the strategy later."""
        spec = child.spec
        child.generation += 1
        child.next_restart_at = None
        ctx = StartContext(self.actor_ref, spec.name, self.tree_names)
        token = _starting.set(ctx)
        try:
            ref = spec.start()
        except Exception as exc:
            _starting.reset(token)
            child.record_error(f"start: {type(exc).__name__}: {exc}")
            log.error(
                "%s/%s could not be started: %s",
                self.name,
                spec.name,
                exc,
                exc_info=not isinstance(exc, UkmError),
            )
            child.state = "failed"
            self._after_failure(child)
            return False
        _starting.reset(token)
        if not isinstance(ref, pykka.ActorRef):
            raise SupervisionError(
                f"start of child {spec.name!r} returned {ref!r}, not an ActorRef"
            )
        child.ref = ref
        child.urn = ref.actor_urn
        child.dead_since = None
        child.is_supervisor = issubclass(ref.actor_class, Supervisor)
        try:
            ref.ask(ping_message(ref), timeout=spec.start_timeout)
        except ActorDeadError:
            child.record_error(f"on_start: {ctx.start_error or 'the actor stopped'}")
            child.state = "failed"
            child.ref = None
            self._after_failure(child)
            return False
        except pykka.Timeout:
            child.record_error(f"on_start did not finish within {spec.start_timeout:g} s")
            self._stopping.add(ref.actor_urn)
            kill(ref)
            child.state = "failed"
            child.ref = None
            self._after_failure(child)
            return False
        except Exception:  # noqa: BLE001, S110 - it answered, so it is alive
            pass
        child.state = "running"
        child.started_at = time.monotonic()
        child.last_ping = child.started_at
        self.tree_names.set(spec.name, ref)
        return True

    def _on_child_exit(self, note: ChildExited) -> None:
        if note.urn in self._stopping:
            self._stopping.discard(note.urn)
            return
        child = next((c for c in self._children if c.urn == note.urn), None)
        if child is None or child.state not in ("running", "hung"):
            return
        self.tree_names.discard(child.spec.name, child.ref)
        child.ref = None
        abnormal = note.reason != "normal"
        if abnormal:
            child.record_error(f"{note.reason}: {note.error or 'no detail'}")
            log.warning("%s/%s exited (%s): %s", self.name, note.name, note.reason, note.error)
        if child.spec.restart == "temporary" or (
            child.spec.restart == "transient" and not abnormal
        ):
            child.state = "stopped"
            return
        child.state = "failed"
        self._after_failure(child)

    def _after_failure(self, failed: ChildRecord) -> None:
        """Apply the restart strategy after ``failed`` stopped or failed to start."""
        if self._gave_up:
            return
        spec = failed.spec
        now = time.monotonic()
        if spec.backoff is not None:
            if failed.started_at and now - failed.started_at >= spec.backoff.reset_after:
                failed.attempt = 0
            if spec.backoff.max_retries is not None and failed.attempt >= spec.backoff.max_retries:
                self._give_up(f"child {spec.name!r} failed {failed.attempt} restarts in a row")
                return
        elif not self._intensity.allow(now):
            self._give_up(
                f"more than {self.max_restarts} restarts within {self.period:g} s "
                f"(last: {spec.name}: {(failed.last_error or {}).get('message', '?')})"
            )
            return
        group = restart_group(self.strategy, self._children, failed)
        for c in reversed(group):
            if c is not failed and c.state == "running":
                self._stop_children([c])
        for c in group:
            if c is not failed and c.spec.restart == "temporary":
                c.state = "stopped"
        to_start = [c for c in group if c is failed or c.spec.restart != "temporary"]
        if spec.backoff is not None:
            delay = spec.backoff.delay(failed.attempt, self._rng)
            failed.attempt += 1
            for c in to_start:
                c.state = "restarting"
                c.next_restart_at = now + delay
            gevent.spawn_later(delay, self._tell_self, RestartChild(spec.name, failed.generation))
            log.info("%s/%s restarts in %.2f s", self.name, spec.name, delay)
            return
        for c in to_start:
            c.restarts += 1
            if not self._start(c) or self._gave_up:
                return

    def _on_restart_due(self, msg: RestartChild) -> None:
        if self._gave_up:
            return
        failed = next((c for c in self._children if c.spec.name == msg.name), None)
        if failed is None or failed.generation != msg.generation or failed.state != "restarting":
            return
        for c in restart_group(self.strategy, self._children, failed):
            if c.state == "restarting":
                c.restarts += 1
                if not self._start(c) or self._gave_up:
                    return

    def _give_up(self, reason: str) -> None:
        log.error("supervisor %s gives up: %s", self.name, reason)
        self._gave_up = reason
        self._stop_children(list(self._children))
        self._tell_self(GiveUp(reason))

    def _stop_children(self, children: list[ChildRecord]) -> None:
        for c in reversed(children):
            if c.ref is not None:
                self._stopping.add(c.ref.actor_urn)
                self.tree_names.discard(c.spec.name, c.ref)
            stop(c, self.name)

    def _schedule_sweep(self) -> None:
        self._timer = gevent.spawn_later(self.sweep_interval, self._tell_self, Sweep())

    def _tell_self(self, message: Any) -> None:
        try:
            self.actor_ref.tell(message)
        except ActorDeadError:
            pass

    def _sweep(self) -> None:
        """Backstop liveness check, and pings for children that asked for them."""
        now = time.monotonic()
        for c in list(self._children):
            if c.state != "running" or c.ref is None:
                continue
            if not c.ref.is_alive():
                if vanished(c, c.ref, now):
                    self._tell_self(Vanished(c.urn or ""))
                continue
            if due_for_ping(c, now):
                c.ping_pending = True
                c.last_ping = now
                gevent.spawn(ping, c.spec.name, c.ref, c.spec.ping_timeout, self._tell_self)
        if not self._gave_up:
            self._schedule_sweep()

    def _on_vanished(self, note: Vanished) -> None:
        child = next((c for c in self._children if c.urn == note.urn), None)
        if child is None or child.state != "running":
            return
        self._on_child_exit(ChildExited(child.spec.name, note.urn, "vanished", "actor died"))

    def _on_ping_result(self, r: PingResult) -> None:
        child = next((c for c in self._children if c.urn == r.urn), None)
        if child is None:
            return
        child.ping_pending = False
        if r.ok or child.state != "running":
            return
        child.record_error(f"hung: {r.error}")
        log.error("%s/%s is hung: %s; restarting it", self.name, r.name, r.error)
        ref = child.ref
        if ref is not None:
            self._stopping.add(ref.actor_urn)
            self.tree_names.discard(child.spec.name, ref)
            kill(ref)
        child.ref = None
        if self._gave_up:
            child.state = "hung"  # killed, and nothing will restart it
            return
        child.state = "failed"
        self._after_failure(child)

    def _handle_receive(self, message: Any) -> Any:
        if isinstance(message, GiveUp):
            raise SupervisorGaveUp(message.reason)
        return super()._handle_receive(message)


def supervisor_spec(
    name: str,
    children: list[ChildSpec],
    strategy: Strategy = "one_for_one",
    max_restarts: int = 3,
    period: float = 5.0,
    **spec_kwargs: Any,
) -> ChildSpec:
    """A ``ChildSpec`` for a nested supervisor."""
    spec_kwargs.setdefault("shutdown", 30.0)
    return ChildSpec(
        name=name,
        start=lambda: Supervisor.start(
            children=children, strategy=strategy, max_restarts=max_restarts, period=period
        ),
        **spec_kwargs,
    )
