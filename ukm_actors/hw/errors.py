"""Errors of the hardware layer.

Every failure a driver reports is a ``DeviceError`` subclass, so a device
actor can catch one class, log it and let its supervisor decide. A message
names the device and where it is ("printer on 192.168.0.50:9100") and says
what to check. ``device`` carries that name on its own for status pages.
"""

from __future__ import annotations

from ukm_actors.errors import UkmError


class DeviceError(UkmError):
    """A device failed, refused or answered something we cannot use."""

    code = "device.error"

    def __init__(
        self,
        message: str,
        *,
        device: str = "",
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.device = device


class DeviceUnavailable(DeviceError):
    """The device is not there: not connected, unplugged, port missing, not open."""

    code = "device.unavailable"


class DeviceTimeout(DeviceError):
    """The device did not answer (or did not take our data) in the time given."""

    code = "device.timeout"


class ScalesUnstable(DeviceError):
    """The scales report motion: the weight is not settled yet."""

    code = "scales.unstable"


class ScalesOverload(DeviceError):
    """The load is over the scales' capacity."""

    code = "scales.overload"


class ScalesUnderZero(DeviceError):
    """The scales read below zero (platter lifted, zero drifted)."""

    code = "scales.under-zero"


class CardDeclined(DeviceError):
    """The bank terminal did not approve the operation; ``reason`` is its text."""

    code = "card.declined"

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        device: str = "",
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, device=device, code=code, hint=hint)
        self.reason = reason


class CardCancelled(CardDeclined):
    """The operation was cancelled (by the customer on the terminal, or by the till)."""

    code = "card.cancelled"
