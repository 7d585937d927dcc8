"""Feature "devices": one supervised actor per configured device, and how the sale calls them.

The actors run under a ``devices`` supervisor (one_for_one); each has a
back-off, so an unplugged printer is retried every few seconds (up to 30 s)
without bringing anything else down, and shows as "restarting" with its
last error in ``/status``. ``ctx.services.devices`` (``Devices``,
``service.py``) is how the rest of the till reaches them: by kind, through
each actor's typed proxy, with a deadline on every call, and "offline" as an
answer rather than a wait.

The devices in force are the till's file's tables with the cash server's
``devices`` setting merged over them (``changes.py``): read at start from the
catalog in the till's database, and applied again by the ``device_settings``
actor whenever they change, between receipts.
"""

from __future__ import annotations

import logging
from typing import Any

import pykka

from ukm_actors.hw.devconfig import DeviceSettingsError, refusal
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.devices.changes import (
    NAME,
    DeviceSettings,
    desired,
    device_spec,
    resolved,
)
from ukm_actors.nodes.till.devices.config import parse_devices
from ukm_actors.nodes.till.devices.service import SUPERVISOR, Devices
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.supervision import ChildSpec, Supervisor, wake

log = logging.getLogger(__name__)


def setup(ctx: TillContext) -> None:
    own = parse_devices(resolved(ctx, ctx.config.till.devices))  # a bad file stops the start
    devices = Devices(ctx.names, own, {c.name: "file" for c in own})
    ctx.services.devices = devices
    ctx.status_providers["devices"] = devices.status_with_settings
    ctx.services.catalog.listeners.append(lambda: wake(ctx.names.find(NAME)))


def _in_force(ctx: TillContext, devices: Devices) -> None:
    """Take the devices in force from the file and the catalog in the database (the server's
    last ``devices`` setting), so a till restarted offline keeps them."""
    try:
        configs, sources, server = desired(ctx)
    except DeviceSettingsError as exc:
        log.error("the cash server's devices setting is refused: %s", exc)
        devices.settings.refused = refusal(exc)
        return
    devices.update(configs, sources)
    devices.settings.server = server


def children(ctx: TillContext) -> list[ChildSpec]:
    devices = ctx.services.devices
    loaded: list[bool] = []

    def start_devices() -> pykka.ActorRef[Any]:
        # the first start reads the devices in force; a restart keeps those running before
        # (a change still pending waits for the sale to be between receipts)
        if not loaded:
            _in_force(ctx, devices)
            loaded.append(True)
        specs = [device_spec(ctx, c) for c in devices.configs.values()]
        return Supervisor.start(children=specs, strategy="one_for_one", max_restarts=10, period=60)

    return [
        ChildSpec(SUPERVISOR, start_devices, shutdown=30.0),
        ChildSpec(NAME, lambda: DeviceSettings.start(ctx)),
    ]


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    uses=("sale_flows",),
    needs=("catalog",),
    provides=("devices",),
)
