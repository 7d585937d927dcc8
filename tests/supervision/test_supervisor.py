"""Scripted supervision tests: start a tree, crash children, expect the OTP behaviour."""

import threading

import gevent
import gevent.event
import pykka
import pytest

from ukm_actors.supervision import (
    Backoff,
    ChildSpec,
    EscapedBaseException,
    Names,
    SupervisedActor,
    SupervisionError,
    Supervisor,
    crash_on,
    degraded_reasons,
    supervisor_spec,
)
from ukm_actors.supervision.actor import is_exiting
from ukm_actors.supervision.testing import child, child_state, crash, expect, restarts, tree

pytestmark = pytest.mark.timeout(30)


class Counter(SupervisedActor):
    """Holds a count in memory (lost on restart) and one in a shared 'store' (kept)."""

    store: dict[str, int] = {}

    def __init__(self, key="c", fail_start=False):
        super().__init__()
        self.key = key
        self.fail_start = fail_start
        self.count = 0

    def on_start(self):
        if self.fail_start:
            raise RuntimeError("cannot open the port")
        self.count = self.store.get(self.key, 0)

    def incr(self):
        self.count += 1
        self.store[self.key] = self.count
        return self.count

    def get(self):
        return self.count

    def fail_in_ask(self):
        raise ValueError("bad request")

    @crash_on(OSError)
    def io(self):
        raise OSError("device gone")

    def sleep(self, s):
        gevent.sleep(s)
        return "slept"

    def leak_timeout(self):
        raise gevent.Timeout(0.01)

    def on_receive(self, message):
        if message == "raise":
            raise RuntimeError("tell failed")
        if message == "stop-self":
            self.stop()
        return None


def spec(name, **kw):
    factory_kw = {k: kw.pop(k) for k in list(kw) if k in ("key", "fail_start")}
    return ChildSpec(name, lambda: Counter.start(**factory_kw), **kw)


@pytest.fixture(autouse=True)
def _clean_store():
    Counter.store.clear()
    yield


def test_one_for_one_restarts_only_the_failed_child_and_it_reloads_its_state():
    sup = Supervisor.start(children=[spec("a", key="a"), spec("b", key="b")])
    a0, b0 = child(sup, "a"), child(sup, "b")
    assert a0.proxy().incr().get() == 1
    a0.tell("raise")
    expect(lambda: restarts(sup, "a") == 1, what="a restarted")
    a1 = child(sup, "a")
    assert a1 is not a0
    assert a1.proxy().get().get() == 1  # reloaded from the store in on_start
    assert child(sup, "b") is b0
    node = tree(sup)["children"][0]
    assert "tell failed" in node["last_error"]["message"]
    sup.stop()


def test_one_for_all_restarts_every_child():
    sup = Supervisor.start(children=[spec("a"), spec("b"), spec("c")], strategy="one_for_all")
    before = [child(sup, n) for n in "abc"]
    child(sup, "b").tell("raise")
    expect(lambda: all(child(sup, n) is not before[i] for i, n in enumerate("abc")))
    sup.stop()


def test_rest_for_one_restarts_the_failed_child_and_those_after_it():
    sup = Supervisor.start(children=[spec("a"), spec("b"), spec("c")], strategy="rest_for_one")
    a, b, c = (child(sup, n) for n in "abc")
    b.tell("raise")
    expect(lambda: child(sup, "b") is not b and child(sup, "c") is not c)
    assert child(sup, "a") is a
    sup.stop()


def test_failed_ask_keeps_the_actor_but_crash_on_restarts_it():
    sup = Supervisor.start(children=[spec("a")])
    a = child(sup, "a")
    with pytest.raises(ValueError, match="bad request"):
        a.proxy().fail_in_ask().get()
    assert a.is_alive() and restarts(sup, "a") == 0
    with pytest.raises(OSError, match="device gone"):
        a.proxy().io().get()
    expect(lambda: restarts(sup, "a") == 1)
    assert "device gone" in tree(sup)["children"][0]["last_error"]["message"]
    sup.stop()


def test_declared_broken_actor_is_restarted():
    sup = Supervisor.start(children=[spec("a")])
    crash(child(sup, "a"), "lost the database")
    expect(lambda: restarts(sup, "a") == 1)
    assert "lost the database" in tree(sup)["children"][0]["last_error"]["message"]
    sup.stop()


def test_on_start_failure_is_restarted_and_then_escalates():
    exits = []
    sup = Supervisor.start(
        children=[spec("bad", fail_start=True)], max_restarts=2, period=10, on_exit=exits.append
    )
    expect(lambda: exits, what="supervisor gave up")
    assert exits[0].reason == "failure"
    assert "more than 2 restarts" in exits[0].error
    assert not sup.is_alive()


def test_unexpected_stop_of_a_permanent_child_is_restarted():
    sup = Supervisor.start(children=[spec("a")])
    a = child(sup, "a")
    a.tell("stop-self")
    expect(lambda: child(sup, "a") is not a)
    sup.stop()


def test_transient_and_temporary_children():
    sup = Supervisor.start(
        children=[spec("t", restart="transient"), spec("tmp", restart="temporary")]
    )
    child(sup, "t").tell("stop-self")
    expect(lambda: child_state(sup, "t") == "stopped")
    child(sup, "tmp").tell("raise")
    expect(lambda: child_state(sup, "tmp") == "stopped")
    assert restarts(sup, "tmp") == 0
    assert degraded_reasons(tree(sup)) == []
    sup.stop()


def test_transient_child_is_restarted_after_a_failure():
    sup = Supervisor.start(children=[spec("t", restart="transient")])
    child(sup, "t").tell("raise")
    expect(lambda: restarts(sup, "t") == 1 and child_state(sup, "t") == "running")
    sup.stop()


def test_intensity_exceeded_stops_children_and_fails_to_the_parent():
    inner = [spec("x"), spec("y")]
    exits = []
    root = Supervisor.start(
        children=[supervisor_spec("group", inner, max_restarts=1, period=30), spec("other")],
        max_restarts=5,
        period=30,
        on_exit=exits.append,
    )
    group_ref = child(root, "group")
    x0 = child(group_ref, "x")
    x0.tell("raise")
    expect(lambda: child(group_ref, "x") is not x0)
    y = child(group_ref, "y")
    x1 = child(group_ref, "x")
    x1.tell("raise")  # second restart in the period: the group gives up
    expect(lambda: not group_ref.is_alive(), what="group failed")
    assert not y.is_alive(), "the failed group stopped its children"
    expect(lambda: restarts(root, "group") == 1, what="root restarted the group")
    assert child_state(root, "group/x") == "running"
    assert not exits
    root.stop()


def test_root_failure_is_reported_to_the_node():
    exits = []
    root = Supervisor.start(children=[spec("a")], max_restarts=0, period=30, on_exit=exits.append)
    child(root, "a").tell("raise")
    expect(lambda: exits)
    assert exits[0].reason == "failure"


def test_base_exception_in_one_actor_does_not_stop_unrelated_actors():
    sup = Supervisor.start(children=[spec("a"), spec("b")])
    bystander = Counter.start()  # not even supervised
    a, b = child(sup, "a"), child(sup, "b")
    with pytest.raises(EscapedBaseException, match="Timeout"):
        a.proxy().leak_timeout().get()
    expect(lambda: restarts(sup, "a") == 1, what="a restarted")
    assert b.is_alive() and bystander.is_alive() and sup.is_alive()
    assert pykka.ActorRegistry.get_by_urn(b.actor_urn) is not None
    bystander.stop()
    sup.stop()


def test_plain_pykka_base_exception_would_stop_everything():
    """Pins the pykka behaviour that SupervisedActor guards against."""

    class Plain(pykka.ThreadingActor):
        def on_receive(self, message):
            raise gevent.Timeout(0.01)

    other = Counter.start()
    plain = Plain.start()
    plain.tell("x")
    expect(lambda: not other.is_alive(), what="pykka's stop_all stopped an unrelated actor")


def test_hung_child_is_reported_and_restarted():
    sup = Supervisor.start(
        children=[spec("slow", ping_interval=0.1, ping_timeout=0.2)], sweep_interval=0.05
    )
    slow = child(sup, "slow")
    slow.proxy().sleep(60)  # never answers its pings in time
    expect(lambda: "hung" in (tree(sup)["children"][0]["last_error"] or {}).get("message", ""))
    expect(lambda: child(sup, "slow") is not slow and child_state(sup, "slow") == "running")
    expect(lambda: not slow.is_alive(), what="the hung actor was killed")
    sup.stop()


class SlowToFail(Counter):
    """Yields in ``on_failure`` (a device closing): dead to pykka, its exit note not sent yet."""

    release: gevent.event.Event | None = None

    def on_failure(self, *exc_info):
        if self.release is None:
            gevent.sleep(0.3)
        else:
            self.release.wait()


def last_error(sup):
    return tree(sup)["children"][0]["last_error"]["message"]


def test_a_child_slow_to_fail_is_reported_with_its_own_error_not_as_vanished():
    sup = Supervisor.start(children=[ChildSpec("a", SlowToFail.start)], sweep_interval=0.01)
    a = child(sup, "a")
    a.tell("raise")
    expect(lambda: restarts(sup, "a") == 1, what="a restarted")
    assert "tell failed" in last_error(sup)  # many sweeps saw it dead before it said why
    sup.stop()


def test_a_child_that_dies_without_a_word_is_vanished():
    class Plain(pykka.ThreadingActor):
        pass

    sup = Supervisor.start(children=[ChildSpec("p", Plain.start)], sweep_interval=0.02)
    child(sup, "p").stop()
    expect(lambda: restarts(sup, "p") == 1, what="p restarted")
    assert last_error(sup) == "vanished: actor died"
    sup.stop()


def test_a_child_stuck_on_its_way_out_is_vanished_after_its_shutdown_time():
    release = gevent.event.Event()

    class Stuck(SlowToFail):
        pass

    Stuck.release = release
    sup = Supervisor.start(
        children=[ChildSpec("s", Stuck.start, shutdown=0.2)], sweep_interval=0.02
    )
    stuck = child(sup, "s")
    stuck.tell("raise")
    expect(lambda: restarts(sup, "s") == 1, what="s restarted without its note")
    assert last_error(sup) == "vanished: actor died"
    release.set()  # its late note (sent before its greenlet ends) changes nothing:
    expect(lambda: not is_exiting(stuck), what="the stuck child's greenlet ended")
    assert restarts(sup, "s") == 1 and child_state(sup, "s") == "running"  # asked after the note
    sup.stop()


def test_backoff_delays_restarts_and_does_not_count_toward_intensity():
    exits = []
    sup = Supervisor.start(
        children=[
            spec("dev", fail_start=True, backoff=Backoff(initial=0.05, maximum=0.1, jitter=0))
        ],
        max_restarts=1,
        period=60,
        on_exit=exits.append,
    )
    expect(lambda: restarts(sup, "dev") >= 4)
    assert not exits and sup.is_alive()
    node = tree(sup)["children"][0]
    assert node["state"] in ("restarting", "failed")
    assert "cannot open the port" in node["last_error"]["message"]
    assert degraded_reasons(tree(sup))
    sup.stop()


def test_backoff_max_retries_escalates():
    exits = []
    Supervisor.start(
        children=[spec("dev", fail_start=True, backoff=Backoff(0.01, 0.02, max_retries=3))],
        on_exit=exits.append,
    )
    expect(lambda: exits)
    assert "failed 3 restarts in a row" in exits[0].error


def test_start_child_stop_child_and_names():
    names = Names()
    sup = Supervisor.start(children=[spec("a")], names=names)
    assert names.get("a") is child(sup, "a")
    sup.proxy().start_child(spec("late")).get()
    assert child_state(sup, "late") == "running"
    with pytest.raises(SupervisionError, match="already has"):
        sup.proxy().start_child(spec("late")).get()
    sup.proxy().stop_child("late").get()
    assert [c["name"] for c in tree(sup)["children"]] == ["a"]
    with pytest.raises(SupervisionError, match="no child named 'late'"):
        sup.proxy().child("late").get()
    a = names.get("a")
    a.tell("raise")
    expect(lambda: names.find("a") is not None and names.find("a") is not a)
    sup.stop()
    assert names.find("a") is None


def test_children_stop_in_reverse_order():
    order = []

    class Recorder(SupervisedActor):
        def __init__(self, n):
            super().__init__()
            self.n = n

        def on_stop(self):
            order.append(self.n)

    sup = Supervisor.start(
        children=[
            ChildSpec(n, (lambda n=n: Recorder.start(n))) for n in ("store", "bridge", "http")
        ]
    )
    sup.stop()
    assert order == ["http", "bridge", "store"]


def test_a_child_that_does_not_stop_in_time_is_killed():
    sup = Supervisor.start(children=[spec("slow", shutdown=0.2)])
    slow = child(sup, "slow")
    slow.proxy().sleep(60)
    sup.stop(timeout=5)
    expect(lambda: not slow.is_alive())


def test_actors_are_greenlets():
    sup = Supervisor.start(children=[spec("a")])
    assert "gevent" in type(threading.current_thread()).__module__ or threading.current_thread()
    assert type(child(sup, "a").actor_inbox).__module__.startswith("gevent")
    sup.stop()


def test_bad_specs_are_refused_with_clear_messages():
    with pytest.raises(ValueError, match="restart='sometimes'"):
        ChildSpec("x", Counter.start, restart="sometimes")
    with pytest.raises(ValueError, match="contain no '/'"):
        ChildSpec("a/b", Counter.start)
    with pytest.raises(SupervisionError, match="unknown strategy"):
        Supervisor.start(strategy="all_for_none")
