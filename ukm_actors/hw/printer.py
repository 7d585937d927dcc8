"""Receipt printer (and the cash drawer on its kick-out port), through python-escpos.

``ReceiptPrinter`` builds one of python-escpos's printers from a
``PrinterConfig``: ``Dummy`` (keeps the bytes, for tests and the demo),
``Network`` (raw TCP, port 9100), ``Serial``, ``Usb`` (needs pyusb) or
``File`` (``/dev/usb/lp0`` or any file). A receipt is first composed into
an in-memory ``Dummy`` with escpos's commands (text, alignment, bold, QR or
CODE128, cut), then sent in one write bounded by ``timeout``: a layout
error sends nothing, and a slow printer cannot block for longer than the
timeout.
"""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Mapping
from typing import Any

import serial
from escpos import printer as escpos_printer
from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError

from ukm_actors.hw.errors import DeviceError, DeviceTimeout, DeviceUnavailable
from ukm_actors.hw.printerconfig import PRINTER_KINDS, PrinterConfig, PrinterKind
from ukm_actors.hw.receipt import (
    DiscountLine,
    PaymentLine,
    PrintableReceipt,
    PrintCode,
    PrintItem,
    PrintLine,
    ReceiptLine,
    TotalLine,
    render_receipt,
)
from ukm_actors.i18n import _

__all__ = [
    "PRINTER_KINDS",
    "DiscountLine",
    "PaymentLine",
    "PrintCode",
    "PrintLine",
    "PrintableReceipt",
    "PrinterConfig",
    "PrinterKind",
    "ReceiptLine",
    "ReceiptPrinter",
    "TotalLine",
    "compose_escpos",
    "render_receipt",
]

ONLINE_MASK = 0x08
PAPER_OUT_MASK = 0x60
PAPER_NEAR_END_MASK = 0x0C


def _scratch(profile: str) -> Any:
    return escpos_printer.Dummy(profile=profile or None)


def compose_escpos(
    items: list[PrintItem], *, profile: str = "", codepage: str = "", cut: bool = True
) -> bytes:
    """The ESC/POS bytes for a laid-out receipt: init, lines, code, feed and cut."""
    p = _scratch(profile)
    p.hw("INIT")
    if codepage:
        p.charcode(codepage)
    for item in items:
        if isinstance(item, PrintCode):
            _code(p, item)
            p.set(align="left")
            continue
        p.set(align=item.align, bold=item.bold)
        p.textln(item.text)
        if item.bold:
            p.set(bold=False)
    if cut:
        p.cut(mode="PART")
    return bytes(p.output)


def _code(p: Any, item: PrintCode) -> None:
    try:
        if item.symbology == "qr":
            p.set(align="center")
            p.qr(item.content, native=True, size=5)
        else:
            # escpos prints which barcode renderer it chose; keep stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                p.barcode("{B" + item.content, "CODE128", function_type="B", pos="BELOW", width=2)
    except EscposError as exc:
        raise DeviceError(
            _(
                "cannot print {symbology} code {content!r}: {exc}",
                symbology=item.symbology,
                content=item.content,
                exc=exc,
            ),
            device="printer",
            code="printer.code",
            hint=_("CODE128 takes ASCII only, up to 253 characters"),
        ) from exc


class ReceiptPrinter:
    """One ESC/POS printer: ``open()``, ``print_receipt()``, ``kick_drawer()``, ``close()``."""

    def __init__(self, config: PrinterConfig | Mapping[str, Any]) -> None:
        self.config = (
            config if isinstance(config, PrinterConfig) else PrinterConfig.from_mapping(config)
        )
        self._printer: Any = None
        self.printed = 0

    @property
    def name(self) -> str:
        """``"printer on <where>"``."""
        return f"printer on {self.config.target}"

    @property
    def is_open(self) -> bool:
        """True between ``open()`` and ``close()`` (or a lost connection)."""
        return self._printer is not None

    def open(self) -> None:
        """Connect to the printer. Raises ``DeviceUnavailable`` naming what to check."""
        self.close()
        printer = self._build()
        try:
            if self.config.kind == "network":
                # escpos's Network.open() leaks its socket when connect fails;
                # connect here and hand escpos the connected socket.
                printer.device = self._connect()
            elif self.config.kind == "serial":
                # escpos's Serial opens a plain port; pyserial's serial_for_url also takes
                # socket:// (a serial-to-Ethernet converter), as every other device does.
                printer.device = self._open_serial()
            else:
                printer.open()
        except DeviceNotFoundError as exc:
            raise self._unreachable(str(exc).strip()) from exc
        device = printer.device
        if self.config.kind == "serial" and device is not None:
            device.write_timeout = self.config.timeout
            device.timeout = min(self.config.timeout, 1.0)
        self._printer = printer

    def _open_serial(self) -> Any:
        c = self.config
        try:
            return serial.serial_for_url(
                c.serial_port,
                baudrate=c.baudrate,
                timeout=min(c.timeout, 1.0),
                write_timeout=c.timeout,
                dsrdtr=False,
            )
        except (OSError, ValueError, serial.SerialException) as exc:
            raise self._unreachable(str(exc).strip()) from exc

    def _connect(self) -> socket.socket:
        c = self.config
        try:
            sock = socket.create_connection((c.host, c.port), timeout=c.timeout)
        except OSError as exc:
            raise self._unreachable(f"cannot connect: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _unreachable(self, detail: str) -> DeviceUnavailable:
        return DeviceUnavailable(
            _("{name} cannot be reached: {detail}", name=self.name, detail=detail),
            device=self.name,
            hint=_("check the cable, power and the printer's address in the till settings"),
        )

    def _build(self) -> Any:
        c = self.config
        profile = c.profile or None
        if c.kind == "dummy":
            return escpos_printer.Dummy(profile=profile)
        if c.kind == "network":
            return escpos_printer.Network(c.host, c.port, timeout=c.timeout, profile=profile)
        if c.kind == "serial":
            return escpos_printer.Serial(
                c.serial_port, baudrate=c.baudrate, timeout=c.timeout, dsrdtr=False, profile=profile
            )
        if c.kind == "file":
            return escpos_printer.File(c.path, profile=profile)
        if not escpos_printer.Usb.is_usable():
            raise DeviceUnavailable(
                _(
                    "{name}: USB printing needs the pyusb package, which is not installed",
                    name=self.name,
                ),
                device=self.name,
                hint=_("install pyusb, or connect the printer through serial or network"),
            )
        return escpos_printer.Usb(
            c.usb_vendor, c.usb_product, timeout=int(c.timeout * 1000), profile=profile
        )

    def close(self) -> None:
        """Disconnect. Idempotent; never raises."""
        printer, self._printer = self._printer, None
        if printer is None:
            return
        with contextlib.suppress(OSError, serial.SerialException, EscposError):
            printer.close()

    def __enter__(self) -> ReceiptPrinter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def output(self) -> bytes:
        """Every byte sent so far (dummy printers only)."""
        if self.config.kind != "dummy" or self._printer is None:
            raise DeviceError(
                _("{name}: only an open dummy printer keeps its output", name=self.name)
            )
        return bytes(self._printer.output)

    def print_receipt(self, doc: PrintableReceipt) -> None:
        """Print the receipt and cut the paper."""
        items = render_receipt(doc, self.config.width_chars)
        data = compose_escpos(items, profile=self.config.profile, codepage=self.config.codepage)
        self.send(data)
        self.printed += 1

    def kick_drawer(self) -> None:
        """Pulse the cash drawer connected to the printer (ESC p on pin 2 or 5)."""
        p = _scratch(self.config.profile)
        p.cashdraw(self.config.drawer_pin)
        self.send(bytes(p.output))

    def send(self, data: bytes) -> None:
        """Send raw ESC/POS bytes in one write, bounded by the config's timeout."""
        printer = self._require()
        try:
            printer._raw(data)
        except (TimeoutError, serial.SerialTimeoutException) as exc:
            raise DeviceTimeout(
                _(
                    "{name} did not take the data within {timeout:g} s",
                    name=self.name,
                    timeout=self.config.timeout,
                ),
                device=self.name,
                hint=_("check the paper, the cover and the cable"),
            ) from exc
        except (OSError, serial.SerialException) as exc:
            self.close()
            raise DeviceUnavailable(
                _("{name} stopped answering: {exc}", name=self.name, exc=exc),
                device=self.name,
                hint=_("check the cable and power, then reopen the printer"),
            ) from exc

    def _require(self) -> Any:
        if self._printer is None:
            raise DeviceUnavailable(
                _("{name} is not open", name=self.name),
                device=self.name,
                hint=_("open the printer first; it may have been closed after an error"),
            )
        return self._printer

    def _query(self, request: bytes, timeout: float) -> int | None:
        printer = self._require()
        if self.config.kind in ("dummy", "file"):
            return None
        device = printer.device
        try:
            if self.config.kind == "network":
                device.settimeout(timeout)
            elif self.config.kind == "serial":
                device.timeout = timeout
            answer = printer.query_status(request)
        except (TimeoutError, serial.SerialTimeoutException, NotImplementedError):
            return None
        except (OSError, serial.SerialException) as exc:
            self.close()
            raise DeviceUnavailable(
                _("{name} stopped answering: {exc}", name=self.name, exc=exc), device=self.name
            ) from exc
        finally:
            if self.config.kind == "network" and self._printer is not None:
                device.settimeout(self.config.timeout)
        return answer[0] if answer else None

    def is_online(self, timeout: float = 1.0) -> bool:
        """True if the printer says it is online (``DLE EOT 1``) within ``timeout``.

        Dummy and file printers have no status channel: they are online while
        open. A printer that does not answer counts as offline.
        """
        if self._printer is None:
            return False
        if self.config.kind in ("dummy", "file"):
            return True
        status = self._query(RT_STATUS_ONLINE, timeout)
        return status is not None and not status & ONLINE_MASK

    def paper(self, timeout: float = 1.0) -> str | None:
        """ "ok", "near-end" or "out" from ``DLE EOT 4``; None when the printer cannot tell."""
        if self._printer is None:
            return None
        status = self._query(RT_STATUS_PAPER, timeout)
        if status is None:
            return None
        if status & PAPER_OUT_MASK == PAPER_OUT_MASK:
            return "out"
        if status & PAPER_NEAR_END_MASK == PAPER_NEAR_END_MASK:
            return "near-end"
        return "ok"

    def status(self, timeout: float = 1.0) -> dict[str, Any]:
        """``{"device", "kind", "open", "online", "paper", "printed"}``; asks the printer."""
        online = self.is_online(timeout)
        return {
            "device": self.name,
            "kind": self.config.kind,
            "open": self.is_open,
            "online": online,
            "paper": self.paper(timeout) if online else None,
            "printed": self.printed,
        }
