"""``Worker``: a supervised actor that owns one background loop (a greenlet).

The bridge's transport actors wait on the network for long stretches (a
long-poll lasts 25 s). Running that inside a message handler would hold the
actor's mailbox, so each actor runs its loop in a greenlet it owns: the
actor starts it in ``on_start``, stops it in ``on_stop`` (at once when the
loop is waiting on the network, else after letting the current step finish
for up to ``STOP_GRACE`` s: every step is a database transaction or an
HTTP request, both safe to abandon), and is woken by a ``Wake`` message.
An unexpected error in the loop crashes the actor, so the supervisor
restarts it (with back-off) and the tree shows why; the loop
reloads its place from the database when it starts again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import gevent
import gevent.event
from gevent import Greenlet

from ukm_actors.supervision import SupervisedActor

log = logging.getLogger(__name__)

STOP_GRACE = 2.0


@dataclass(frozen=True)
class Wake:
    """There may be new work (sent by ``BridgeService.notify``)."""


class Worker(SupervisedActor):
    """Base of the bridge's looping actors: override ``run()``."""

    def __init__(self) -> None:
        super().__init__()
        self._wake = gevent.event.Event()
        self._halt = gevent.event.Event()
        self._loop: Greenlet[Any, Any] | None = None
        self._waiting = 0

    # -- lifecycle -----------------------------------------------------------

    def on_start(self) -> None:
        self._loop = gevent.spawn(self._guarded)

    def on_stop(self) -> None:
        self._end_loop()

    def on_failure(self, *exc_info: Any) -> None:
        self._end_loop()

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Wake):
            self._wake.set()
            return None
        return super().on_receive(message)

    def _end_loop(self) -> None:
        self._halt.set()
        self._wake.set()
        loop = self._loop
        if loop is None or loop.dead or loop is gevent.getcurrent():
            return
        if not self._waiting:
            loop.join(timeout=STOP_GRACE)
        if not loop.dead:
            loop.kill(block=True, timeout=STOP_GRACE)

    def _guarded(self) -> None:
        try:
            self.run()
        except gevent.GreenletExit:
            pass
        except Exception as exc:
            if not self._halt.is_set():
                log.error("%s failed: %s", self.supervised_name, exc, exc_info=True)
                self.crash(f"{type(exc).__name__}: {exc}")

    # -- for run() -------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return bool(self._halt.is_set())

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Mark a wait on the network: a stop ends the loop at once instead of
        letting it finish (safe: the step has changed nothing yet)."""
        self._waiting += 1
        try:
            yield
        finally:
            self._waiting -= 1

    def idle(self, seconds: float) -> None:
        """Wait up to ``seconds`` for a ``Wake`` (or the stop)."""
        if self._wake.wait(max(0.0, seconds)):
            self._wake.clear()

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` regardless of wake-ups (back-off); only the stop cuts it short."""
        self._halt.wait(max(0.0, seconds))

    def run(self) -> None:
        raise NotImplementedError
