"""Actor proxies by name, made once per actor incarnation (see ``Names.proxy``)."""

from __future__ import annotations

from typing import Any

import pykka

from ukm_actors.supervision import Names


class Proxies:
    """``get(name)``: the proxy of the live actor ``name`` (``ActorNotRunning`` if none)."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def get(self, name: str) -> Any:
        return self.names.proxy(name)

    def of(self, name: str, ref: pykka.ActorRef[Any]) -> Any:
        return self.names.proxy_of(name, ref)
