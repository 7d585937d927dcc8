"""Emulated devices for the tills of ``ukm up`` and ``ukm demo``.

The launcher starts one emulator of each kind in :data:`EMULATED` per till,
inside the launcher's process on a free 127.0.0.1 port, and gives the till the device
through the environment (``UKM_TILL_DEVICES``, the whole ``[till.devices]``
table as JSON): the till's own file is never rewritten, and a device table
of the same kind in that file wins over the emulator. The emulators live as
long as the launcher, so a till it restarts finds them again.

Each till also gets an emulated fiscal register (the ATOL driver's web server,
``hw.emulators.fiscal``) that keeps its fiscal storage in
``run/<till>-fiscal.json``, so its document counter and shift survive the
launcher as a real register's do.

Adding an emulated device is one entry in :data:`EMULATED`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ukm_actors.hw.emulators import (
    Acquirer,
    BankTerminalEmulator,
    FiscalRegisterEmulator,
    ScalesEmulator,
)

ENV_DEVICES = "UKM_TILL_DEVICES"


@dataclass(frozen=True)
class EmulatorOptions:
    """What the command line says about the emulators."""

    scales_weight: int = 500
    """What the emulated scales weigh, in grams (thousandths of a kilogram)."""
    state_dir: Path | None = None
    """Where emulators that keep state (the fiscal register) keep it; None: in memory."""
    acquirer: Acquirer = field(default_factory=Acquirer)
    """The bank behind every emulated terminal of this launcher: a card payment taken at
    one till can be refunded at another, as with a store's real acquirer."""


class RunningEmulator(Protocol):
    """A started emulator: where the till finds it, and how to stop it."""

    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


def _fiscal(options: EmulatorOptions, till: str) -> RunningEmulator:
    state = options.state_dir / f"{till}-fiscal.json" if options.state_dir else None
    return FiscalRegisterEmulator(state_path=state).start()


@dataclass(frozen=True)
class Emulated:
    """One kind of emulated device: how to start it, and the till's table for it."""

    kind: str
    """The device kind, also the name of its ``[till.devices.<kind>]`` table."""
    start: Callable[[EmulatorOptions, str], RunningEmulator]
    """Start one for the till named by the second argument."""
    settings: Callable[[RunningEmulator], dict[str, Any]]
    note: str
    """What a person trying the system should know (printed by ``ukm up``)."""


EMULATED: list[Emulated] = [
    Emulated(
        "bank",
        lambda o, _t: BankTerminalEmulator(acquirer=o.acquirer).start(),
        lambda e: {"url": e.url, "pay_timeout": 10},
        "approves every card payment except amounts ending in 99 kopecks (declined); "
        "refunds any payment of the store's tills",
    ),
    Emulated(
        "scales",
        lambda o, _t: ScalesEmulator(weight=o.scales_weight).start(),
        lambda e: {"url": e.url},
        "always weighs the --scales-weight (default 500 g), stable",
    ),
    Emulated(
        "fiscal",
        _fiscal,
        lambda e: {"url": e.url},
        "ATOL driver web server: registers every receipt, shift and cash move; "
        "its fiscal storage is run/<till>-fiscal.json",
    ),
]


@dataclass
class TillEmulators:
    """The running emulators of one till, by kind."""

    devices: dict[str, RunningEmulator] = field(default_factory=dict)

    def tables(self) -> dict[str, dict[str, Any]]:
        """``[till.devices.<kind>]`` tables for the emulators."""
        by_kind = {e.kind: e for e in EMULATED}
        return {k: by_kind[k].settings(emu) for k, emu in self.devices.items()}

    def stop(self) -> None:
        for emu in self.devices.values():
            emu.stop()


class Emulators:
    """Every till's emulators, started together and stopped together."""

    def __init__(self, tills: list[str], options: EmulatorOptions | None = None) -> None:
        self.tills = tills
        self.options = options or EmulatorOptions()
        self.by_till: dict[str, TillEmulators] = {}

    def start(self) -> Emulators:
        try:
            for till in self.tills:
                running = TillEmulators()
                self.by_till[till] = running
                for kind in EMULATED:
                    running.devices[kind.kind] = kind.start(self.options, till)
        except OSError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for running in self.by_till.values():
            running.stop()

    def get(self, till: str, kind: str) -> RunningEmulator:
        return self.by_till[till].devices[kind]

    def env_for(self, till: str, config: Path) -> dict[str, str]:
        """``UKM_TILL_DEVICES`` for ``till``: its file's devices, plus the emulated kinds
        the file has no device of."""
        if till not in self.by_till:
            return {}
        own = _file_devices(config)
        kinds = {str(t.get("device", name)) for name, t in own.items() if isinstance(t, dict)}
        merged = dict(own)
        for kind, table in self.by_till[till].tables().items():
            if kind not in kinds and kind not in merged:
                merged[kind] = table
        return {ENV_DEVICES: json.dumps(merged, ensure_ascii=False)}

    def describe(self, till: str) -> list[str]:
        """Lines for the printed table: each emulator's address and behaviour."""
        running = self.by_till.get(till)
        if running is None:
            return []
        notes = {e.kind: e.note for e in EMULATED}
        return [f"{k} {emu.url} ({notes[k]})" for k, emu in running.devices.items()]


def _file_devices(config: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    devices = data.get("till", {}).get("devices", {})
    return dict(devices) if isinstance(devices, dict) else {}
