"""The till's devices from ``[till.devices.<name>]`` tables.

Each table is one device. ``device`` says what it is (printer, scanner,
scales, display, bank, fiscal); when absent, the table's name must be one of those
(``[till.devices.printer]``). The other keys are the driver's settings
(``ukm_actors.hw.factory``, docs/devices.md), except the till's own:

- ``check_interval``: seconds between health checks (the printer's status,
  the terminal's ping); 0 turns them off. Default 10.
- ``verify_online`` (printer): ask the printer whether it is online before
  each receipt (network and serial printers; default true). Turn it off for
  printers that never answer status requests.
- ``pay_timeout`` (bank): seconds a payment may wait for the customer;
  default ``[till] pay_timeout``.

At most one device of each kind is used by the sale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ukm_actors.config.loader import ConfigError
from ukm_actors.hw.errors import DeviceError
from ukm_actors.hw.factory import DEVICE_KINDS, build_device

OWN_KEYS = ("device", "check_interval", "verify_online", "pay_timeout", "enabled")


@dataclass(frozen=True)
class DeviceConfig:
    """One configured device: its name (the actor's), its kind and the driver's settings."""

    name: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    check_interval: float = 10.0
    verify_online: bool = True
    pay_timeout: float | None = None


def _number(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(
            "[till.devices]", f"{name}.{key}", f"{value!r} must be a number of seconds, 0 or more"
        )
    return float(value)


def parse_devices(tables: Mapping[str, Any]) -> list[DeviceConfig]:
    """The enabled devices of ``[till] devices``, with checked driver settings.

    Raises ``ConfigError`` naming the device and the setting.
    """
    out: list[DeviceConfig] = []
    kinds: dict[str, str] = {}
    for name, raw in tables.items():
        if not isinstance(raw, Mapping):
            raise ConfigError("[till.devices]", name, "must be a table of device settings")
        if "/" in name or not name:
            raise ConfigError("[till.devices]", name, "a device name may not contain '/'")
        kind = str(raw.get("device", name))
        if kind not in DEVICE_KINDS:
            raise ConfigError(
                "[till.devices]",
                name,
                f"device kind {kind!r} is not known",
                hint=f"set device = one of {', '.join(DEVICE_KINDS)}",
            )
        if raw.get("enabled", True) is False:
            continue
        if kind in kinds:
            raise ConfigError(
                "[till.devices]",
                name,
                f"a second {kind} (the first is {kinds[kind]!r}); the till uses one of each",
            )
        kinds[kind] = name
        settings = {k: v for k, v in raw.items() if k not in OWN_KEYS}
        try:
            build_device(kind, settings)
        except DeviceError as exc:
            raise ConfigError("[till.devices]", name, exc.message, hint=exc.hint) from exc
        pay = raw.get("pay_timeout")
        out.append(
            DeviceConfig(
                name=name,
                kind=kind,
                settings=settings,
                check_interval=_number(name, "check_interval", raw.get("check_interval", 10.0)),
                verify_online=bool(raw.get("verify_online", True)),
                pay_timeout=None if pay is None else _number(name, "pay_timeout", pay),
            )
        )
    return out
