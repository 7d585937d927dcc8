"""Feature "responder" of the price-checker module: price checkers on the store's network
ask over TCP, a till that runs now answers (docs/pricechecker.md).

    pricechecker (role supervisor, one_for_one)
    ├── till_directory    the store's tills, from the cash server (store.tills), cached
    └── price_responder   the TCP server; each lookup asks a live till (prices.lookup)
"""

from __future__ import annotations

from typing import Any

import pykka

from ukm_actors.codecs.pricechecker import ProtocolSettings, UnknownProtocol, get_protocol
from ukm_actors.config.loader import ConfigError
from ukm_actors.errors import UkmError
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.pricechecker.responder.directory import TillDirectory
from ukm_actors.nodes.pricechecker.responder.gate import ConnectionLimits
from ukm_actors.nodes.pricechecker.responder.server import PriceResponder
from ukm_actors.nodes.pricechecker.responder.tills import TillPicker, TillRef
from ukm_actors.nodes.pricechecker.services import PricecheckerContext
from ukm_actors.supervision import Backoff, ChildSpec

TILLS_ASK = "store.tills"
RESPONDER = "price_responder"
DIRECTORY = "till_directory"


class NoServer(UkmError):
    code = "pricechecker.no_server"


def till_ask(ctx: PricecheckerContext) -> Any:
    """How the picker asks a till: a signed ask over the bridge."""

    def ask(till: TillRef, name: str, message: dict[str, Any], timeout: float) -> Any:
        return ctx.services.bridge.ask(till.url, name, message, timeout, peer=till.node_id)

    return ask


def _fetch_tills(ctx: PricecheckerContext) -> Any:
    cfg = ctx.config

    def fetch() -> Any:
        bridge = ctx.services.bridge
        url = bridge.server_url or cfg.bridge.server_url
        if not url:
            raise NoServer(
                "no cash server to ask for the store's tills ([bridge] server_urls or server_url)"
            )
        return bridge.ask(
            url, TILLS_ASK, {"store": cfg.pricechecker.store}, timeout=cfg.bridge.ask_timeout
        )

    return fetch


def setup(ctx: PricecheckerContext) -> None:
    s = ctx.config.pricechecker
    try:
        get_protocol(s.protocol)
    except UnknownProtocol as exc:
        raise ConfigError(ctx.config.where, "[pricechecker] protocol", str(exc)) from exc
    picker = TillPicker(
        till_ask(ctx),
        deadline=s.till_deadline,
        dead_for=s.dead_for,
        concurrency=s.till_concurrency,
    )
    ctx.services.picker = picker

    def status() -> dict[str, Any]:
        out: dict[str, Any] = {"store": s.store or None, "protocol": s.protocol}
        if not s.store:
            out["error"] = "not configured: [pricechecker] store is empty"
        for name, key in ((RESPONDER, "server"), (DIRECTORY, "directory")):
            ref = ctx.names.find(name)
            if ref is not None:
                try:
                    method = "stats" if name == RESPONDER else "status"
                    out[key] = getattr(ref.proxy(), method)().get(timeout=2)
                except (pykka.Timeout, pykka.ActorDeadError):
                    out[key] = {"error": "not answering"}
        out.update(picker.status())
        return out

    ctx.status_providers["pricechecker"] = status


def children(ctx: PricecheckerContext) -> list[ChildSpec]:
    s = ctx.config.pricechecker
    picker = ctx.services.picker
    bound: list[int] = []  # the port taken at the first start, kept across restarts
    settings = ProtocolSettings(
        encoding=s.encoding, max_line=s.max_line, display_width=s.display_width
    )

    def on_bound(host: str, port: int) -> None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
        ctx.services.ready_extra["tcp"] = f"tcp://{shown}:{port}"
        bound[:] = [port]

    def start_responder() -> pykka.ActorRef[Any]:
        port = bound[0] if bound else s.tcp_port
        return PriceResponder.start(
            s.tcp_host,
            port,
            get_protocol(s.protocol),
            settings,
            picker,
            ConnectionLimits(
                idle_timeout=s.idle_timeout,
                first_byte_timeout=s.first_byte_timeout,
                max_connections=s.max_connections,
                max_per_address=s.max_per_address,
            ),
            on_bound,
        )

    backoff = Backoff(initial=0.5, maximum=30.0)
    specs = [ChildSpec(RESPONDER, start_responder, backoff=backoff, shutdown=5.0)]
    if s.store:
        cache = ctx.config.resolve("pricechecker-tills.json")
        specs.insert(
            0,
            ChildSpec(
                DIRECTORY,
                lambda: TillDirectory.start(_fetch_tills(ctx), picker, cache, s.tills_refresh),
                backoff=backoff,
                shutdown=5.0,
            ),
        )
    return specs


FEATURE = Feature(__name__, setup=setup, children=children, uses=("bridge",), provides=("picker",))
