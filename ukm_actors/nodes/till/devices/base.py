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
from abc import abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

from ukm_actors.hw.errors import DeviceError, DeviceTimeout, DeviceUnavailable
from ukm_actors.hw.factory import Device
from ukm_actors.i18n import _
from ukm_actors.nodes.till.devices.config import DeviceConfig
from ukm_actors.supervision import Ticking

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

LOST = (DeviceUnavailable, DeviceTimeout)
"""Errors after which the driver is reopened (the actor restarts)."""

D = TypeVar("D", bound=Device)
P = ParamSpec("P")
T = TypeVar("T")


class DeviceActor(Ticking, Generic[D]):
    """Base of the device actors: open, health checks, restart on a lost device.

    ``D`` is the driver's class (``ukm_actors.hw``), made by ``build``."""

    def __init__(self, config: DeviceConfig, ctx: TillContext) -> None:
        super().__init__()
        self.config = config
        self.ctx = ctx
        self._driver: D | None = None
        self.last_error: str | None = None

    @abstractmethod
    def build(self) -> D:
        """The driver from the device's settings, not open yet."""

    @property
    def driver(self) -> D:
        """The open driver (between ``on_start`` and the actor's stop)."""
        if self._driver is None:
            raise DeviceUnavailable(
                _("{name} is not open", name=self.config.name), device=self.config.name
            )
        return self._driver

    @property
    def label(self) -> str:
        return self.config.name if self._driver is None else self._driver.name

    def on_start(self) -> None:
        self._driver = self.build()
        self._driver.open()
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
        if self._driver is not None:
            self._driver.close()

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

    def guard(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
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
