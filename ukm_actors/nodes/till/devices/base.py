"""``DeviceActor``: one hardware driver wrapped in a supervised actor.

The actor opens its driver in ``on_start``: a device that is not there
fails the start, and the ``devices`` supervisor retries with back-off
(shown as "restarting" in ``/status``). A driver call that finds the
device gone (``DeviceUnavailable``, ``DeviceTimeout``) is answered with the
error and crashes the actor, so it is reopened the same way. A health
check every ``check_interval`` seconds notices a device that went away
while nobody used it.
"""

from __future__ import annotations

import logging
from typing import Any

from ukm_actors.hw.errors import DeviceError, DeviceTimeout, DeviceUnavailable
from ukm_actors.hw.factory import build_device
from ukm_actors.nodes.till.devices.config import DeviceConfig
from ukm_actors.supervision import Ticking

log = logging.getLogger(__name__)

LOST = (DeviceUnavailable, DeviceTimeout)
"""Errors after which the driver is reopened (the actor restarts)."""


class DeviceActor(Ticking):
    """Base of the device actors: open, health checks, restart on a lost device."""

    def __init__(self, config: DeviceConfig, ctx: Any) -> None:
        super().__init__()
        self.config = config
        self.ctx = ctx
        self.driver: Any = None
        self.last_error: str | None = None

    @property
    def label(self) -> str:
        return str(getattr(self.driver, "name", self.config.name))

    def on_start(self) -> None:
        self.driver = build_device(self.config.kind, self.config.settings)
        self.driver.open()
        self.opened()
        log.info("%s %r is open (%s)", self.config.kind, self.config.name, self.label)
        self._schedule_check()

    def opened(self) -> None:
        """Called once the driver is open (start readers here)."""

    def on_stop(self) -> None:
        self._shutdown()

    def on_failure(self, *exc_info: Any) -> None:
        self._shutdown()

    def _shutdown(self) -> None:
        self.unschedule()
        self.closing()
        if self.driver is not None:
            self.driver.close()

    def closing(self) -> None:
        """Called before the driver is closed (stop readers here)."""

    def _schedule_check(self) -> None:
        interval = self.config.check_interval
        if interval > 0:
            self.schedule(interval)

    def tick(self) -> None:
        try:
            self.check()
        except DeviceError as exc:
            self.lost(exc)
            return
        self._schedule_check()

    def check(self) -> None:
        """Raise ``DeviceError`` when the device is not usable any more."""

    def lost(self, exc: BaseException) -> None:
        """The device went away: crash, to be reopened with back-off."""
        self.last_error = str(exc)
        self.crash(f"{self.config.name}: {exc}")

    def guard(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the driver; a lost device crashes the actor after answering the error."""
        try:
            return fn(*args, **kwargs)
        except LOST as exc:
            self.lost(exc)
            raise

    def info(self) -> dict[str, Any]:
        """What ``/status`` shows about this device (no I/O)."""
        status: Any
        try:
            status = self.quick_status()
        except Exception as exc:  # noqa: BLE001 - status must not fail
            status = {"error": str(exc)}
        return {"name": self.config.name, "kind": self.config.kind, "driver": status}

    def quick_status(self) -> dict[str, Any]:
        return {"device": self.label}
