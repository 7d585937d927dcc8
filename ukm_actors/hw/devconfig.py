"""A till's devices as settings tables: checked, merged, turned into ``DeviceConfig``.

The same tables come from two places: the till's own file (``[till.devices.<name>]``)
and the cash server (the till setting ``devices``, a JSON object ``{name: table}``).
This module is the one place that says what such a table may hold, so the cash
server refuses a value the till could not use with the same words the till would
(``check_devices``), and the till merges the server's tables over its file's
(``merge_devices``).

Each table is one device. ``device`` says what it is (printer, scanner, scales,
display, bank, fiscal); when absent, the table's name must be one of those
(``[till.devices.printer]``). The other keys are the driver's settings
(``ukm_actors.hw.factory``, docs/devices.md), except the till's own:

- ``enabled``: false turns the device off (the table is otherwise not checked);
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

from ukm_actors.hw.errors import DeviceError
from ukm_actors.hw.factory import DEVICE_KINDS, build_device
from ukm_actors.i18n import _

OWN_KEYS = ("device", "check_interval", "verify_online", "pay_timeout", "enabled")
RESERVED_NAMES = ("settings",)
"""Names no device may have (``/status`` shows the settings' own state under ``settings``)."""


class DeviceSettingsError(DeviceError):
    """A device table the till cannot use; ``device`` names the table, ``key`` the setting."""

    code = "device.config"

    def __init__(self, message: str, *, device: str = "", key: str = "", hint: str | None = None):
        super().__init__(message, device=device, hint=hint)
        self.key = key


def refusal(exc: DeviceSettingsError) -> str:
    """What a refused devices setting shows (/status, the console): the message and its hint
    as one translatable text (``str(exc)`` would fix them in English)."""
    if exc.hint:
        return _("{message} ({hint})", message=exc.message, hint=exc.hint)
    return exc.message


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
        raise DeviceSettingsError(
            _(
                "device {name}: {key} = {value} must be a number of seconds, 0 or more",
                name=name,
                key=key,
                value=repr(value),
            ),
            device=name,
            key=key,
        )
    return float(value)


def _enabled(name: str, raw: Mapping[str, Any]) -> bool:
    value = raw.get("enabled", True)
    if not isinstance(value, bool):
        raise DeviceSettingsError(
            _("device {name}: enabled must be true or false, not {value}", name=name,
              value=repr(value)),
            device=name,
            key="enabled",
        )  # fmt: skip
    return value


def parse_devices(tables: Mapping[str, Any]) -> list[DeviceConfig]:
    """The enabled devices of ``tables`` (``{name: table}``), with checked driver settings.

    Raises ``DeviceSettingsError`` naming the device, the setting and what is allowed.
    """
    out: list[DeviceConfig] = []
    kinds: dict[str, str] = {}
    for name, raw in tables.items():
        if not isinstance(name, str) or not name or "/" in name or name in RESERVED_NAMES:
            raise DeviceSettingsError(
                _(
                    "a device may not be named {name} (empty, with '/', or reserved)",
                    name=repr(name),
                ),
                device=str(name),
                hint=_("name the device after its kind, e.g. printer"),
            )
        if not isinstance(raw, Mapping):
            raise DeviceSettingsError(
                _("device {name} must be an object of settings, not {value}", name=name,
                  value=repr(raw)),
                device=name,
                hint=_('e.g. {"printer": {"kind": "network", "host": "192.168.0.50"}}'),
            )  # fmt: skip
        if not _enabled(name, raw):
            continue
        kind = raw.get("device", name)
        if kind not in DEVICE_KINDS:
            raise DeviceSettingsError(
                _("device {name}: device kind {kind} is not known", name=name, kind=repr(kind)),
                device=name,
                key="device",
                hint=_("set device to one of {kinds}", kinds=", ".join(DEVICE_KINDS)),
            )
        if kind in kinds:
            raise DeviceSettingsError(
                _(
                    "device {name}: a second {kind} (the first is {first}); the till uses one "
                    "of each",
                    name=name,
                    kind=kind,
                    first=kinds[kind],
                ),
                device=name,
                key="device",
                hint=_("turn one of them off with enabled = false, or remove it"),
            )
        kinds[kind] = name
        settings = {k: v for k, v in raw.items() if k not in OWN_KEYS}
        try:
            build_device(kind, settings)
        except DeviceError as exc:
            raise DeviceSettingsError(
                _("device {name}: {message}", name=name, message=exc.message),
                device=name,
                hint=exc.hint,
            ) from exc
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


def check_devices(value: Any) -> list[DeviceConfig]:
    """The devices a till would use from the setting ``devices`` alone, or ``DeviceSettingsError``.

    ``value`` must be a JSON object ``{name: table}``."""
    if not isinstance(value, Mapping):
        raise DeviceSettingsError(
            _("devices must be an object {{name: settings}}, not {value}", value=repr(value)[:80]),
            hint=_('e.g. {"printer": {"kind": "network", "host": "192.168.0.50"}}'),
        )
    return parse_devices(value)


def merge_devices(
    own: Mapping[str, Any], server: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The till's file tables with the server's over them, device by device, and where each
    table comes from (``file`` / ``server``): a server table replaces the file's table of the
    same name (``{"enabled": false}`` turns it off); a device only in the file stays."""
    tables = dict(own)
    sources = dict.fromkeys(own, "file")
    for name, table in (server or {}).items():
        tables[name] = table
        sources[name] = "server"
    return tables, sources
