"""The device actors through their proxies, typed (``pykka.typing``).

Each class lists what the rest of the till may ask a device actor; mypy
checks every such call (``Device.call``/``tell`` in ``devices/__init__.py``)
against the actor's method. The classes only type the proxies pykka makes;
they are never instantiated, and do not derive from ``pykka.ActorProxy``,
whose ``__getattr__`` would let a misspelled method through as ``Any``.
"""

from __future__ import annotations

from pykka.typing import ActorMemberMixin, proxy_method

from ukm_actors.nodes.till.devices.actors import (
    BankDevice,
    DisplayDevice,
    FiscalDevice,
    PrinterDevice,
    ScalesDevice,
)
from ukm_actors.nodes.till.devices.base import DeviceActor


class DeviceProxy(ActorMemberMixin):
    """What every device actor answers."""

    info = proxy_method(DeviceActor.info)
    lost = proxy_method(DeviceActor.lost)


class PrinterProxy(DeviceProxy):
    print_document = proxy_method(PrinterDevice.print_document)
    kick_drawer = proxy_method(PrinterDevice.kick_drawer)
    output = proxy_method(PrinterDevice.output)


class ScannerProxy(DeviceProxy):
    """The scanner hands its scans to the sale; it is only asked what every device is."""


class ScalesProxy(DeviceProxy):
    read_weight = proxy_method(ScalesDevice.read_weight)


class DisplayProxy(DeviceProxy):
    show = proxy_method(DisplayDevice.show)
    clear = proxy_method(DisplayDevice.clear)


class BankProxy(DeviceProxy):
    pay = proxy_method(BankDevice.pay)
    refund = proxy_method(BankDevice.refund)
    cancel = proxy_method(BankDevice.cancel)
    busy = proxy_method(BankDevice.busy)


class FiscalProxy(DeviceProxy):
    register = proxy_method(FiscalDevice.register)
    open_shift = proxy_method(FiscalDevice.open_shift)
    close_shift = proxy_method(FiscalDevice.close_shift)
    cash = proxy_method(FiscalDevice.cash)
    x_report = proxy_method(FiscalDevice.x_report)
    outcome = proxy_method(FiscalDevice.outcome)
    finished = proxy_method(FiscalDevice.finished)
    last_document = proxy_method(FiscalDevice.last_document)
    shift_state = proxy_method(FiscalDevice.shift_state)
    health = proxy_method(FiscalDevice.health)
