"""Actor proxies by name, made once per actor incarnation.

Building a pykka proxy walks the actor's attributes (measured: ~1 ms for the
SaleSession), too slow for every scan. ``Proxies.get`` keeps the proxy of
each live ``ActorRef`` and makes a new one only when the name points at a
new actor (after a restart).
"""

from __future__ import annotations

from typing import Any

import pykka

from ukm_actors.supervision import Names


class Proxies:
    """``get(name)``: the proxy of the live actor ``name`` (``ActorNotRunning`` if none)."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self._cache: dict[str, tuple[pykka.ActorRef[Any], Any]] = {}

    def get(self, name: str) -> Any:
        return self.of(name, self.names.get(name))

    def of(self, name: str, ref: pykka.ActorRef[Any]) -> Any:
        hit = self._cache.get(name)
        if hit is not None and hit[0] is ref:
            return hit[1]
        proxy = ref.proxy()
        self._cache[name] = (ref, proxy)
        return proxy
