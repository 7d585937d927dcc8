"""``Ticking``: a supervised actor whose work runs in ``tick()``, on a timer or when woken.

    class Refresher(Ticking):
        def on_start(self) -> None:
            self.schedule(0)                # first tick at once

        def tick(self) -> None:
            try:
                self.refresh()
            finally:
                self.schedule(60.0)         # and every minute after

    wake(names.find("refresher"))           # a tick now, from anywhere

The timer is a greenlet that only tells the actor a ``Tick``: the work runs
in the actor's own mailbox, one message at a time like any other. A
restarted actor starts without a timer; ``on_stop`` and ``on_failure`` end
it (a subclass that overrides them calls ``super()``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gevent
import pykka
from pykka import ActorDeadError

from ukm_actors.supervision.actor import SupervisedActor


@dataclass(frozen=True)
class Tick:
    """Run ``tick()`` now (told by the actor's timer or by ``wake``)."""


class Ticking(SupervisedActor):
    """Base of the actors that work in rounds: override ``tick()``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: gevent.Greenlet[Any, Any] | None = None
        self._due: float | None = None

    def tick(self) -> None:
        """One round of work (an error in it fails the actor, as in any tell)."""
        raise NotImplementedError(f"{type(self).__name__} must define tick()")

    def schedule(self, delay: float, *, sooner_only: bool = False) -> None:
        """Tick in ``delay`` seconds instead of when the timer was due.

        ``sooner_only`` keeps a pending timer that is due before that.
        """
        due = time.monotonic() + delay
        if sooner_only and self._due is not None and self._due <= due:
            return
        self.unschedule()
        self._due = due
        self._timer = gevent.spawn_later(delay, wake, self.actor_ref)

    def unschedule(self) -> None:
        """No tick until the next ``schedule`` (a ``wake`` still ticks)."""
        if self._timer is not None:
            self._timer.kill(block=False)
            self._timer = None
        self._due = None

    def on_receive(self, message: Any) -> Any:
        if type(message) is Tick:
            self._due = None
            self.tick()
            return None
        return super().on_receive(message)

    def on_stop(self) -> None:
        self.unschedule()

    def on_failure(self, *exc_info: Any) -> None:
        self.unschedule()


def wake(ref: pykka.ActorRef[Any] | None) -> None:
    """Make a ``Ticking`` actor tick now (nothing if it is not running)."""
    if ref is not None:
        try:
            ref.tell(Tick())
        except ActorDeadError:
            pass
