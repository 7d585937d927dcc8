"""``Ticking``: ticks on its timer, sooner when woken, never after it stopped."""

import gevent
import pytest

from ukm_actors.supervision import Ticking, wake
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(30)


class Rounds(Ticking):
    def __init__(self, every):
        super().__init__()
        self.every = every
        self.ticks = 0

    def on_start(self):
        self.schedule(self.every)

    def tick(self):
        self.ticks += 1
        self.schedule(self.every)

    def count(self):
        return self.ticks

    def later(self, delay, sooner_only=False):
        self.schedule(delay, sooner_only=sooner_only)


def test_it_ticks_every_interval_and_at_once_when_woken():
    ref = Rounds.start(0.05)
    try:
        expect(lambda: ref.proxy().count().get() >= 3)
        ref.proxy().later(60).get()
        seen = ref.proxy().count().get()
        wake(ref)
        expect(lambda: ref.proxy().count().get() == seen + 1)
    finally:
        ref.stop()


def test_sooner_only_keeps_the_earlier_timer():
    ref = Rounds.start(60)
    try:
        ref.proxy().later(0.05).get()
        ref.proxy().later(60, sooner_only=True).get()
        expect(lambda: ref.proxy().count().get() == 1)
        ref.proxy().later(60).get()
        ref.proxy().later(0.05, sooner_only=True).get()
        expect(lambda: ref.proxy().count().get() == 2)
    finally:
        ref.stop()


def test_a_stopped_actor_has_no_timer_left_and_waking_it_is_harmless():
    ref = Rounds.start(0.05)
    actor = ref._actor_weakref()
    ref.stop()
    assert actor._timer is None
    wake(ref)
    wake(None)
    gevent.sleep(0.1)
