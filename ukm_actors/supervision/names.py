"""A tree-wide name → live ActorRef directory.

Supervisors keep it current across restarts, so an actor can find a
sibling without asking (and possibly deadlocking on) its supervisor. A
restarted actor is a new ``ActorRef``: look it up again instead of caching.
"""

from __future__ import annotations

import time
from typing import Any

import gevent
import pykka

from ukm_actors.errors import UkmError


class ActorNotRunning(UkmError):
    """The named actor is not running now (restarting, stopped, or never started)."""

    code = "actor.not_running"


class Names:
    """Names of the live actors of one tree (one node)."""

    def __init__(self) -> None:
        self._refs: dict[str, pykka.ActorRef[Any]] = {}
        self._proxies: dict[str, tuple[pykka.ActorRef[Any], Any]] = {}

    def set(self, name: str, ref: pykka.ActorRef[Any]) -> None:
        self._refs[name] = ref

    def discard(self, name: str, ref: pykka.ActorRef[Any] | None = None) -> None:
        """Forget ``name`` (only if it still points at ``ref``, when given)."""
        if ref is None or self._refs.get(name) is ref:
            self._refs.pop(name, None)

    def get(self, name: str) -> pykka.ActorRef[Any]:
        """The live actor called ``name``; raises ``ActorNotRunning``."""
        ref = self._refs.get(name)
        if ref is None or not ref.is_alive():
            raise ActorNotRunning(f"actor {name!r} is not running", hint="it may be restarting")
        return ref

    def find(self, name: str) -> pykka.ActorRef[Any] | None:
        """The live actor called ``name``, or None."""
        ref = self._refs.get(name)
        return ref if ref is not None and ref.is_alive() else None

    def wait(self, name: str, timeout: float) -> pykka.ActorRef[Any]:
        """The live actor called ``name``, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        while True:
            ref = self.find(name)
            if ref is not None:
                return ref
            if time.monotonic() >= deadline:
                raise ActorNotRunning(f"actor {name!r} did not start within {timeout:g} s")
            gevent.sleep(0.01)

    def proxy(self, name: str) -> Any:
        """A pykka proxy of the live actor ``name``, made once per actor incarnation.

        Building a proxy walks the actor's attributes (about 1 ms for a large
        actor): too slow for every scan at a till. A restarted actor gets a new one.
        """
        return self.proxy_of(name, self.get(name))

    def proxy_of(self, name: str, ref: pykka.ActorRef[Any]) -> Any:
        """The cached proxy of ``ref`` (known as ``name``)."""
        hit = self._proxies.get(name)
        if hit is not None and hit[0] is ref:
            return hit[1]
        proxy = ref.proxy()
        self._proxies[name] = (ref, proxy)
        return proxy

    def names(self) -> list[str]:
        return sorted(self._refs)
