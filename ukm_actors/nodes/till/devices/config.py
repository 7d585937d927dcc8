"""The till's devices from its file's ``[till.devices.<name>]`` tables.

What a table may hold, and how the cash server's setting ``devices`` merges
over the file's tables, is ``ukm_actors.hw.devconfig`` (shared with the cash
server, which refuses a value the till could not use). Here a bad table in
the file is a ``ConfigError``: the till does not start with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ukm_actors.config.loader import ConfigError
from ukm_actors.hw import devconfig
from ukm_actors.hw.devconfig import OWN_KEYS, DeviceConfig, DeviceSettingsError

__all__ = ["OWN_KEYS", "DeviceConfig", "DeviceSettingsError", "parse_devices"]


def parse_devices(tables: Mapping[str, Any]) -> list[DeviceConfig]:
    """The enabled devices of ``[till] devices``, with checked driver settings.

    Raises ``ConfigError`` naming the device and the setting.
    """
    try:
        return devconfig.parse_devices(tables)
    except DeviceSettingsError as exc:
        raise ConfigError("[till.devices]", None, exc.message, hint=exc.hint) from exc
