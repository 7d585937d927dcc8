"""A small harness for scripted actor tests: start, send, expect, crash, expect.

sup = Supervisor.start(children=[...])
expect(lambda: child_state(sup, "worker") == "running")
crash(child(sup, "worker"))
expect(lambda: restarts(sup, "worker") == 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
import pykka

from ukm_actors.supervision.actor import SupervisedActor, actor_of

T = TypeVar("T")


class Expectation(AssertionError):
    """An expected state did not come within its deadline."""


def expect(
    check: Callable[[], T], *, within: float = 20.0, every: float = 0.01, what: str | None = None
) -> T:
    """Wait until ``check()`` returns something truthy (exceptions count as "not yet").

    Returns that value. Raises ``Expectation`` naming ``what`` (or the last
    value / error seen) after ``within`` seconds: generous by default, as CI
    runs on 2 cores at load average 8-14, and a met expectation returns at once.
    """
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        try:
            value = check()
            if value:
                return value
            last = value
        except Exception as exc:  # noqa: BLE001 - "not yet"
            last = exc
        if time.monotonic() >= deadline:
            raise Expectation(
                f"{what or 'expectation'} not met within {within:g} s; last: {last!r}"
            )
        gevent.sleep(every)


def find_child(tree: dict[str, Any], path: str) -> dict[str, Any]:
    """The node at ``a/b/c`` below ``tree`` (the root's own name is not part of the path)."""
    node = tree
    for part in path.split("/"):
        for c in node.get("children") or []:
            if c["name"] == part:
                node = c
                break
        else:
            raise KeyError(f"no {part!r} in {[c['name'] for c in node.get('children') or []]}")
    return node


def tree(sup: pykka.ActorRef[Any]) -> dict[str, Any]:
    result: dict[str, Any] = sup.proxy().tree().get(timeout=5)
    return result


def child_state(sup: pykka.ActorRef[Any], path: str) -> str:
    return str(find_child(tree(sup), path)["state"])


def restarts(sup: pykka.ActorRef[Any], path: str) -> int:
    return int(find_child(tree(sup), path)["restarts"])


def child(sup: pykka.ActorRef[Any], name: str) -> pykka.ActorRef[Any]:
    ref: pykka.ActorRef[Any] = sup.proxy().child(name).get(timeout=5)
    return ref


class Boom(Exception):
    """The exception ``crash`` makes an actor raise."""


def crash(ref: pykka.ActorRef[Any], message: str = "boom") -> None:
    """Make ``ref`` fail as if a tell had raised (through ``SupervisedActor.crash``)."""
    actor = actor_of(ref)
    if isinstance(actor, SupervisedActor):
        actor.crash(message)
    else:
        raise TypeError("crash() needs a SupervisedActor")
