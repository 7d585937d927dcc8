"""Feature "devices": one supervised actor per configured device, and how the sale calls them.

The actors run under a ``devices`` supervisor (one_for_one); each has a
back-off, so an unplugged printer is retried every few seconds (up to 30 s)
without bringing anything else down, and shows as "restarting" with its
last error in ``/status``. ``ctx.services.devices`` (``Devices``,
``service.py``) is how the rest of the till reaches them: by kind, through
each actor's typed proxy, with a deadline on every call, and "offline" as an
answer rather than a wait.
"""

from __future__ import annotations

import logging
from typing import Any

from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.devices.actors import ACTORS
from ukm_actors.nodes.till.devices.config import DeviceConfig, parse_devices
from ukm_actors.nodes.till.devices.service import SUPERVISOR, Devices
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.supervision import Backoff, ChildSpec, supervisor_spec

log = logging.getLogger(__name__)

BACKOFF = Backoff(initial=0.5, maximum=30.0, reset_after=30.0)


def _resolved(ctx: TillContext, tables: dict[str, Any]) -> dict[str, Any]:
    """The device tables with a file printer's relative ``path`` under the node's data_dir."""
    out: dict[str, Any] = {}
    for name, table in tables.items():
        if isinstance(table, dict) and table.get("kind") == "file" and table.get("path"):
            table = {**table, "path": str(ctx.config.resolve(str(table["path"])))}
        out[name] = table
    return out


def setup(ctx: TillContext) -> None:
    configs = parse_devices(_resolved(ctx, ctx.config.till.devices))
    devices = Devices(ctx.names, configs)
    ctx.services.devices = devices
    ctx.status_providers["devices"] = devices.status


def _spec(ctx: TillContext, config: DeviceConfig) -> ChildSpec:
    actor = ACTORS[config.kind]
    return ChildSpec(
        config.name,
        lambda: actor.start(config, ctx),
        backoff=BACKOFF,
        shutdown=5.0,
        start_timeout=30.0,
    )


def children(ctx: TillContext) -> list[ChildSpec]:
    devices = ctx.services.devices
    if not devices.configs:
        return []
    specs = [_spec(ctx, c) for c in devices.configs.values()]
    return [supervisor_spec(SUPERVISOR, specs, strategy="one_for_one", max_restarts=10, period=60)]


FEATURE = Feature(
    __name__, setup=setup, children=children, uses=("sale_flows",), provides=("devices",)
)
