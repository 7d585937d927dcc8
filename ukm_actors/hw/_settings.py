"""Checking a device's settings table against a small schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ukm_actors.hw.errors import DeviceError
from ukm_actors.i18n import _

REQUIRED = object()
"""Marks a setting that has no default."""

Schema = dict[str, tuple[type, object, tuple[object, ...] | None]]
"""setting -> (type, default or REQUIRED, allowed values or None)."""


def config_error(message: str) -> DeviceError:
    """A ``DeviceError`` (code ``device.config``) about a device's settings."""
    return DeviceError(message, code="device.config", hint=_("fix the till's device settings"))


def _typed(kind: str, key: str, value: object, expected: type) -> object:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and expected is not bool:
        ok = False
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise config_error(f"{kind} setting {key!r} must be {expected.__name__}, not {value!r}")
    return value


def check_settings(kind: str, settings: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """``settings`` with defaults filled in, or a ``DeviceError`` naming the bad setting."""
    unknown = sorted(set(settings) - set(schema))
    if unknown:
        raise config_error(
            f"{kind} settings have unknown keys {unknown}; allowed: {sorted(schema)}"
        )
    result: dict[str, Any] = {}
    for key, (expected, default, allowed) in schema.items():
        if key not in settings:
            if default is REQUIRED:
                raise config_error(f"{kind} settings need {key!r}")
            result[key] = default
            continue
        value = settings[key]
        if value is None and default is None:
            result[key] = None
            continue
        value = _typed(kind, key, value, expected)
        if allowed is not None and value not in allowed:
            raise config_error(
                f"{kind} setting {key!r} is {value!r}; allowed: "
                + ", ".join(str(a) for a in allowed)
            )
        result[key] = value
    return result
