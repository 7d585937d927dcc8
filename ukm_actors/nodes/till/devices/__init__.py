"""Feature "devices": one supervised actor per configured device, and how the sale calls them.

The actors run under a ``devices`` supervisor (one_for_one); each has a
back-off, so an unplugged printer is retried every few seconds (up to 30 s)
without bringing anything else down, and shows as "restarting" with its
last error in ``/status``. ``ctx.services["devices"]`` (``Devices``) is
how the rest of the till reaches them: by kind, with a deadline on every
call, and "offline" as an answer rather than a wait.
"""

from __future__ import annotations

import logging
from typing import Any

import pykka

from ukm_actors.i18n import _
from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.devices.actors import ACTORS
from ukm_actors.nodes.till.devices.config import DeviceConfig, parse_devices
from ukm_actors.nodes.till.sale.errors import DeviceMissing
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.supervision import Backoff, ChildSpec, Names, supervisor_spec

log = logging.getLogger(__name__)

SUPERVISOR = "devices"
BACKOFF = Backoff(initial=0.5, maximum=30.0, reset_after=30.0)
_LABELS = {
    "printer": _("receipt printer"),
    "scanner": _("barcode scanner"),
    "scales": _("scales"),
    "display": _("customer display"),
    "bank": _("bank terminal"),
    "fiscal": _("fiscal register"),
}


class Devices:
    """The till's devices by kind: ``call`` with a deadline, ``tell`` and forget."""

    def __init__(self, names: Names, configs: list[DeviceConfig]) -> None:
        self.names = names
        self.configs = {c.kind: c for c in configs}
        self.proxies = Proxies(names)

    def configured(self, kind: str) -> bool:
        return kind in self.configs

    def config(self, kind: str) -> DeviceConfig | None:
        return self.configs.get(kind)

    def ref(self, kind: str) -> pykka.ActorRef[Any] | None:
        """The live actor of the device of ``kind``, or None (not configured, restarting)."""
        config = self.configs.get(kind)
        return None if config is None else self.names.find(config.name)

    def require(self, kind: str) -> pykka.ActorRef[Any]:
        """The live actor, or ``DeviceMissing`` saying why it is not there."""
        label = _LABELS.get(kind, kind)
        if kind not in self.configs:
            raise DeviceMissing(
                _("no {label} is configured at this till", label=label),
                code="device.not_configured",
                hint=_("add a [till.devices.{kind}] table to the till's settings", kind=kind),
            )
        ref = self.ref(kind)
        if ref is None:
            raise DeviceMissing(
                _("the {label} is offline (it is being reconnected)", label=label),
                hint=_("check its cable and power; the till retries by itself"),
            )
        return ref

    def call(self, kind: str, method: str, *args: Any, timeout: float, **kwargs: Any) -> Any:
        """Call ``method`` on the device actor; waits at most ``timeout`` seconds."""
        ref = self.require(kind)
        label = _LABELS.get(kind, kind)
        try:
            proxy = self.proxies.of(self.configs[kind].name, ref)
            return getattr(proxy, method)(*args, **kwargs).get(timeout=timeout)
        except pykka.Timeout:
            raise DeviceMissing(
                _("the {label} did not answer within {timeout:g} s", label=label, timeout=timeout),
                code="device.timeout",
                hint=_("the till goes on without it; check the device"),
            ) from None
        except pykka.ActorDeadError:
            raise DeviceMissing(_("the {label} went offline", label=label)) from None

    def tell(self, kind: str, method: str, *args: Any) -> None:
        """Ask the device to do something, without waiting and without failing."""
        ref = self.ref(kind)
        if ref is None:
            return
        try:
            getattr(self.proxies.of(self.configs[kind].name, ref), method)(*args)
        except pykka.ActorDeadError:
            pass

    def status(self) -> dict[str, Any]:
        """Per device: kind, state (running / restarting ...), restarts, last error, driver."""
        states: dict[str, Any] = {}
        sup = self.names.find(SUPERVISOR)
        if sup is not None:
            try:
                tree = sup.proxy().tree().get(timeout=1.0)
                states = {c["name"]: c for c in tree["children"]}
            except (pykka.Timeout, pykka.ActorDeadError):
                states = {}
        out: dict[str, Any] = {}
        for kind, config in self.configs.items():
            node = states.get(config.name, {})
            entry: dict[str, Any] = {
                "kind": kind,
                "state": node.get("state", "unknown"),
                "restarts": node.get("restarts", 0),
                "last_error": (node.get("last_error") or {}).get("message"),
            }
            if "restart_in" in node:
                entry["restart_in"] = node["restart_in"]
            ref = self.names.find(config.name)
            if ref is not None:
                try:
                    entry["driver"] = ref.proxy().info().get(timeout=0.5)["driver"]
                except (pykka.Timeout, pykka.ActorDeadError):
                    entry["driver"] = None
            out[config.name] = entry
        return out


def _resolved(ctx: NodeContext, tables: dict[str, Any]) -> dict[str, Any]:
    """The device tables with a file printer's relative ``path`` under the node's data_dir."""
    out: dict[str, Any] = {}
    for name, table in tables.items():
        if isinstance(table, dict) and table.get("kind") == "file" and table.get("path"):
            table = {**table, "path": str(ctx.config.resolve(str(table["path"])))}
        out[name] = table
    return out


def setup(ctx: NodeContext) -> None:
    configs = parse_devices(_resolved(ctx, ctx.config.till.devices))
    devices = Devices(ctx.names, configs)
    ctx.services["devices"] = devices
    ctx.status_providers["devices"] = devices.status


def _spec(ctx: NodeContext, config: DeviceConfig) -> ChildSpec:
    actor = ACTORS[config.kind]
    return ChildSpec(
        config.name,
        lambda: actor.start(config, ctx),
        backoff=BACKOFF,
        shutdown=5.0,
        start_timeout=30.0,
    )


def children(ctx: NodeContext) -> list[ChildSpec]:
    devices: Devices = ctx.services["devices"]
    if not devices.configs:
        return []
    specs = [_spec(ctx, c) for c in devices.configs.values()]
    return [supervisor_spec(SUPERVISOR, specs, strategy="one_for_one", max_restarts=10, period=60)]


FEATURE = Feature(
    __name__, setup=setup, children=children, uses=("sale_flows",), provides=("devices",)
)
