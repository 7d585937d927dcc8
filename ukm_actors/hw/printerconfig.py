"""A receipt printer's settings (``PrinterConfig``): where it is, how wide its paper is;
checked when made, so a till refuses a printer it could not drive before it opens it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from ukm_actors.hw._settings import Schema, check_settings
from ukm_actors.hw.errors import DeviceError
from ukm_actors.i18n import _

PrinterKind = Literal["dummy", "network", "serial", "usb", "file"]
PRINTER_KINDS: tuple[PrinterKind, ...] = get_args(PrinterKind)


@dataclass(frozen=True)
class PrinterConfig:
    """Where the printer is and how wide its paper is.

    ``network``: ``host`` and ``port``; ``serial``: ``url`` (a port, ``/dev/ttyUSB0``,
    ``COM3``, or any pyserial URL such as ``socket://10.0.0.9:4001``) and ``baudrate``
    (``device`` is the older name of ``url``: in a till's ``[till.devices.<name>]`` table
    ``device`` says what the table is, so use ``url`` there);
    ``usb``: ``usb_vendor`` and ``usb_product``; ``file``: ``path``.
    ``codepage`` forces one escpos code page ("CP866"); empty lets escpos pick
    per character. ``profile`` is an escpos printer profile name ("TM-T88V").
    """

    kind: PrinterKind = "dummy"
    host: str = ""
    port: int = 9100
    device: str = ""
    url: str = ""
    baudrate: int = 9600
    usb_vendor: int = 0
    usb_product: int = 0
    path: str = ""
    width_chars: int = 42
    timeout: float = 5.0
    codepage: str = ""
    profile: str = ""
    drawer_pin: int = 2

    def __post_init__(self) -> None:
        if self.kind not in PRINTER_KINDS:
            raise _bad(
                _(
                    "printer kind {kind!r} is not one of {PRINTER_KINDS}",
                    kind=self.kind,
                    PRINTER_KINDS=", ".join(PRINTER_KINDS),
                )
            )
        needs = {"network": "host", "serial": "url", "file": "path"}.get(self.kind)
        if needs and not (getattr(self, needs) or (needs == "url" and self.device)):
            raise _bad(
                _("a {kind} printer needs {needs!r} in its settings", kind=self.kind, needs=needs)
            )
        if self.kind == "usb" and not (self.usb_vendor and self.usb_product):
            raise _bad(
                _("a usb printer needs 'usb_vendor' and 'usb_product' (e.g. 0x04b8, 0x0202)")
            )
        if self.drawer_pin not in (2, 5):
            raise _bad(_("drawer_pin must be 2 or 5, not {drawer_pin}", drawer_pin=self.drawer_pin))
        if self.width_chars < 20:
            raise _bad(
                _(
                    "width_chars must be at least 20, not {width_chars}",
                    width_chars=self.width_chars,
                )
            )

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> PrinterConfig:
        """A config from a settings table; unknown keys, wrong types and values are refused."""
        schema: Schema = {}
        for f in fields(cls):
            allowed: tuple[object, ...] | None = None
            if f.name == "kind":
                allowed = PRINTER_KINDS
            elif f.name == "drawer_pin":
                allowed = (2, 5)
            schema[f.name] = (type(f.default), f.default, allowed)
        return cls(**check_settings("printer", settings, schema))

    @property
    def serial_port(self) -> str:
        """A serial printer's port: ``url``, else ``device``."""
        return self.url or self.device

    @property
    def target(self) -> str:
        """Where the printer is, in words: "127.0.0.1:9100", "/dev/ttyUSB0"..."""
        return {
            "dummy": "memory",
            "network": f"{self.host}:{self.port}",
            "serial": self.serial_port,
            "usb": f"usb {self.usb_vendor:04x}:{self.usb_product:04x}",
            "file": self.path,
        }[self.kind]


def _bad(message: str) -> DeviceError:
    return DeviceError(message, device="printer", code="device.config")
