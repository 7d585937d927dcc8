"""Feature "distribution" of the integration module: the trade system's files to every
till's numbered queue folder, and the tills' sales files back. No database: the folders
and a few small state files are the module's state (see docs/integration.md).

    integration (role supervisor, one_for_one)
    ├── tills             supervisor, one_for_one: distributor-<till node id> per till
    ├── source_watcher    admits source files, removes them once every till has them
    ├── sales_collector   tills' sales folders → the trade system's sales folder
    └── settings_client   settings from the cash server (cached; each ask carries the
                          module's status, shown in the console) or [integration]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ukm_actors.config.loader import ConfigError
from ukm_actors.errors import UkmError
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.integration.distribution.actors import (
    SALES,
    SETTINGS,
    SOURCE,
    SalesCollector,
    Shared,
    SourceWatcher,
)
from ukm_actors.nodes.integration.distribution.layout import (
    LayoutError,
    StoreLayout,
    local_raw,
    parse_layout,
)
from ukm_actors.nodes.integration.distribution.settings import SettingsClient
from ukm_actors.nodes.integration.services import IntegrationContext
from ukm_actors.supervision import Backoff, ChildSpec

SETTINGS_ASK = "integration.settings"


class NoServer(UkmError):
    code = "integration.no_server"


def _parser(ctx: IntegrationContext) -> Callable[[Any], StoreLayout]:
    store = ctx.config.integration.store

    def parse(raw: Any) -> StoreLayout:
        if not isinstance(raw, Mapping):
            raise LayoutError(f"the cash server's integration settings are not a table: {raw!r}")
        return parse_layout(
            raw, store, ctx.config.resolve, "the cash server's integration settings"
        )

    return parse


def _fetcher(ctx: IntegrationContext) -> Callable[[], Any]:
    cfg = ctx.config

    def fetch() -> Any:
        bridge = ctx.services.bridge
        url = bridge.server_url or cfg.bridge.server_url
        if not url:
            raise NoServer(
                "no cash server is set ([bridge] server_urls, or server_url)",
                hint='set it, or use [integration] settings_source = "local"',
            )
        store = cfg.integration.store
        message: dict[str, Any] = {"store": store} if store else {}
        message["report"] = short(ctx.services.distribution.status())
        return bridge.ask(url, SETTINGS_ASK, message, timeout=cfg.bridge.ask_timeout)

    return fetch


def short(value: Any, depth: int = 0) -> Any:
    """``value`` (the module's ``/status`` → ``integration``) cut short for the report
    the module sends with its settings ask: texts at 500 characters, lists at 20 items,
    tables at 100 keys, 6 levels deep."""
    if isinstance(value, str):
        return value[:500]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if depth >= 6:
        return None
    if isinstance(value, Mapping):
        return {str(k)[:100]: short(v, depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple)):
        return [short(v, depth + 1) for v in value[:20]]
    return str(value)[:500]


def local_layout(ctx: IntegrationContext) -> StoreLayout:
    """The layout of the node's own ``[integration]`` section (settings_source = "local")."""
    s = ctx.config.integration
    try:
        return parse_layout(
            local_raw(s.store, s.source_dir, s.sales_dir, s.tills),
            s.store,
            ctx.config.resolve,
            "[integration]",
        )
    except LayoutError as exc:
        raise ConfigError(ctx.config.where, None, exc.message) from exc


def configured(ctx: IntegrationContext) -> bool:
    """A store of its own, or a cash server to learn it from (``settings_source`` server:
    a module started with only the servers' addresses and its secret configures itself)."""
    s = ctx.config.integration
    return bool(s.store) or (s.settings_source == "server" and bool(ctx.config.bridge.servers()))


def setup(ctx: IntegrationContext) -> None:
    s = ctx.config.integration
    shared = Shared(
        state_dir=ctx.config.resolve(s.state_dir),
        poll=s.poll,
        settle=s.settle,
        width=s.number_width,
        batch=s.batch,
        retry_maximum=s.retry_maximum,
    )
    ctx.services.distribution = shared
    ctx.services.local_layout = None
    if not configured(ctx):
        ctx.status_providers["integration"] = lambda: {
            "store": None,
            "error": "not configured: [integration] store is empty and no cash server to ask",
        }
        return
    if s.settings_source == "local":
        ctx.services.local_layout = local_layout(ctx)
    ctx.status_providers["integration"] = shared.status


def children(ctx: IntegrationContext) -> list[ChildSpec]:
    s = ctx.config.integration
    if not configured(ctx):
        return []
    shared = ctx.services.distribution
    local = ctx.services.local_layout
    backoff = Backoff(initial=min(0.5, s.retry_maximum), maximum=s.retry_maximum)
    return [
        shared.tills_spec(),
        ChildSpec(SOURCE, lambda: SourceWatcher.start(shared), backoff=backoff, shutdown=10.0),
        ChildSpec(SALES, lambda: SalesCollector.start(shared), backoff=backoff, shutdown=10.0),
        ChildSpec(
            SETTINGS,
            lambda: SettingsClient.start(
                shared, _fetcher(ctx), s.settings_refresh, local, _parser(ctx)
            ),
            backoff=backoff,
            shutdown=10.0,
        ),
    ]


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    uses=("bridge",),
    provides=("distribution", "local_layout"),
)
