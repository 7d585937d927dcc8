"""``Devices``: how the rest of the till reaches its devices (``ctx.services.devices``).

One ``Device`` per kind (``devices.printer``, ``devices.scales``…), typed by
its actor's proxy: ``devices.scales.call(lambda s: s.read_weight(2.0),
timeout=4.0)`` waits at most ``timeout`` seconds, and mypy checks the call
against ``ScalesDevice.read_weight``. A device that is not configured, is
being reconnected, does not answer in time or goes away meanwhile is a
``DeviceMissing`` saying which and what to do; ``tell`` neither waits nor
fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import pykka

from ukm_actors.hw.factory import DeviceKind
from ukm_actors.i18n import Text, _
from ukm_actors.nodes.till.devices.config import DeviceConfig
from ukm_actors.nodes.till.devices.proxies import (
    BankProxy,
    DeviceProxy,
    DisplayProxy,
    FiscalProxy,
    PrinterProxy,
    ScalesProxy,
    ScannerProxy,
)
from ukm_actors.nodes.till.sale.errors import DeviceMissing
from ukm_actors.supervision import Names, SupervisorProxy

SUPERVISOR = "devices"
KINDS: tuple[DeviceKind, ...] = ("printer", "scanner", "scales", "display", "bank", "fiscal")
LABELS: dict[str, Text] = {
    "printer": _("receipt printer"),
    "scanner": _("barcode scanner"),
    "scales": _("scales"),
    "display": _("customer display"),
    "bank": _("bank terminal"),
    "fiscal": _("fiscal register"),
}

P = TypeVar("P", bound=DeviceProxy)
T = TypeVar("T")


class Device(Generic[P]):
    """The till's device of one kind: its live actor, called through its typed proxy."""

    def __init__(self, names: Names, kind: DeviceKind, config: DeviceConfig | None) -> None:
        self.names = names
        self.kind = kind
        self.config = config

    @property
    def configured(self) -> bool:
        return self.config is not None

    @property
    def label(self) -> Text:
        return LABELS[self.kind]

    def ref(self) -> pykka.ActorRef[Any] | None:
        """The live actor, or None (not configured, restarting)."""
        return None if self.config is None else self.names.find(self.config.name)

    def require(self) -> pykka.ActorRef[Any]:
        """The live actor, or ``DeviceMissing`` saying why it is not there."""
        if self.config is None:
            raise DeviceMissing(
                _("no {label} is configured at this till", label=self.label),
                code="device.not_configured",
                hint=_("add a [till.devices.{kind}] table to the till's settings", kind=self.kind),
            )
        ref = self.ref()
        if ref is None:
            raise DeviceMissing(
                _("the {label} is offline (it is being reconnected)", label=self.label),
                hint=_("check its cable and power; the till retries by itself"),
            )
        return ref

    def _proxy(self, ref: pykka.ActorRef[Any]) -> P:
        assert self.config is not None
        return cast(P, self.names.proxy_of(self.config.name, ref))

    def call(self, send: Callable[[P], pykka.Future[T]], *, timeout: float) -> T:
        """``send``'s answer from the device actor, waiting at most ``timeout`` seconds."""
        ref = self.require()
        try:
            return send(self._proxy(ref)).get(timeout=timeout)
        except pykka.Timeout:
            raise DeviceMissing(
                _(
                    "the {label} did not answer within {timeout:g} s",
                    label=self.label,
                    timeout=timeout,
                ),
                code="device.timeout",
                hint=_("the till goes on without it; check the device"),
            ) from None
        except pykka.ActorDeadError:
            raise DeviceMissing(_("the {label} went offline", label=self.label)) from None

    def tell(self, send: Callable[[P], object]) -> None:
        """Ask the device to do something, without waiting and without failing."""
        ref = self.ref()
        if ref is None:
            return
        try:
            send(self._proxy(ref))
        except pykka.ActorDeadError:
            pass


@dataclass
class PendingChange:
    """Devices in force that wait to be applied: the new set, what changes, and why it waits."""

    configs: list[DeviceConfig]
    sources: dict[str, str]
    changes: dict[str, str]
    """Device name → ``add`` / ``replace`` / ``remove``."""
    since: str
    waits_for: str | None = None
    hint: str | None = None
    """What to do so that it stops waiting, when someone has to act (else None)."""


@dataclass
class SettingsState:
    """Where the devices' settings stand: the server's value refused, a change pending."""

    server: bool = False
    """The cash server has sent a ``devices`` setting (it is merged over the file's)."""
    refused: str | None = None
    pending: PendingChange | None = None
    applied_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        p = self.pending
        return {
            "server": self.server,
            "refused": self.refused,
            "pending": None
            if p is None
            else {
                "since": p.since,
                "changes": dict(p.changes),
                "waits_for": p.waits_for,
                "hint": p.hint,
            },
            "applied_at": self.applied_at,
        }


class Devices:
    """The till's devices, one ``Device`` per kind, and their ``/status``.

    The ``Device`` objects live as long as the till: when the devices in force change
    (``update``), each one's config changes in place, so a part of the sale holding one
    reaches the new device."""

    def __init__(
        self,
        names: Names,
        configs: list[DeviceConfig],
        sources: dict[str, str] | None = None,
    ) -> None:
        self.names = names
        self.configs = {c.kind: c for c in configs}
        self.sources = dict(sources or {})
        self.settings = SettingsState()
        found = self.configs.get
        self.printer: Device[PrinterProxy] = Device(names, "printer", found("printer"))
        self.scanner: Device[ScannerProxy] = Device(names, "scanner", found("scanner"))
        self.scales: Device[ScalesProxy] = Device(names, "scales", found("scales"))
        self.display: Device[DisplayProxy] = Device(names, "display", found("display"))
        self.bank: Device[BankProxy] = Device(names, "bank", found("bank"))
        self.fiscal: Device[FiscalProxy] = Device(names, "fiscal", found("fiscal"))

    def update(self, configs: list[DeviceConfig], sources: dict[str, str]) -> None:
        """The devices in force are now ``configs`` (their actors are started by the caller)."""
        self.configs = {c.kind: c for c in configs}
        self.sources = dict(sources)
        for kind in KINDS:
            self.of(kind).config = self.configs.get(kind)

    def by_name(self) -> dict[str, DeviceConfig]:
        """The devices in force by name (the actors' names)."""
        return {c.name: c for c in self.configs.values()}

    def of(self, kind: DeviceKind) -> Device[DeviceProxy]:
        """The device of ``kind``, typed only as a device."""
        device: Device[Any] = getattr(self, kind)
        return device

    def configured(self, kind: DeviceKind) -> bool:
        return self.of(kind).configured

    def config(self, kind: DeviceKind) -> DeviceConfig | None:
        return self.of(kind).config

    def ref(self, kind: DeviceKind) -> pykka.ActorRef[Any] | None:
        """The live actor of the device of ``kind``, or None (not configured, restarting)."""
        return self.of(kind).ref()

    def require(self, kind: DeviceKind) -> pykka.ActorRef[Any]:
        """The live actor, or ``DeviceMissing`` saying why it is not there."""
        return self.of(kind).require()

    def status(self) -> dict[str, Any]:
        """Per device: kind, state (running / restarting ...), restarts, last error, driver."""
        states: dict[str, Any] = {}
        sup = self.names.find(SUPERVISOR)
        if sup is not None:
            try:
                tree = cast(SupervisorProxy, sup.proxy()).tree().get(timeout=1.0)
                states = {c["name"]: c for c in tree["children"]}
            except (pykka.Timeout, pykka.ActorDeadError):
                states = {}
        out: dict[str, Any] = {}
        for kind, config in self.configs.items():
            node = states.get(config.name, {})
            entry: dict[str, Any] = {
                "kind": kind,
                "source": self.sources.get(config.name, "file"),
                "state": node.get("state", "unknown"),
                "restarts": node.get("restarts", 0),
                "last_error": (node.get("last_error") or {}).get("message"),
            }
            if "restart_in" in node:
                entry["restart_in"] = node["restart_in"]
            ref = self.names.find(config.name)
            if ref is not None:
                try:
                    info = cast(DeviceProxy, ref.proxy()).info().get(timeout=0.5)
                    entry["driver"] = info["driver"]
                except (pykka.Timeout, pykka.ActorDeadError):
                    entry["driver"] = None
            out[config.name] = entry
        return out

    def status_with_settings(self) -> dict[str, Any]:
        """``status()`` and, under ``settings``, the server's setting refused or pending."""
        return {**self.status(), "settings": self.settings.to_json()}
