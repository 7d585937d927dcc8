"""From a device's settings table to its driver.

``build_device(kind, settings)`` checks the settings (unknown keys, missing
keys, wrong types and values are refused with the name of the setting and
what is allowed) and returns the driver, not yet open. ``open_device`` also
opens it. Settings, by kind (defaults in brackets):

    printer  kind (dummy|network|serial|usb|file) [dummy], host, port [9100],
             device, baudrate [9600], usb_vendor, usb_product, path,
             width_chars [42], timeout [5.0], codepage, profile, drawer_pin [2]
    scanner  url, baudrate [9600], suffix ["\\r"]
    scales   url, baudrate [9600], protocol (toledo8217) [toledo8217],
             bytesize [7], parity (N|E|O) [E]
    display  url, baudrate [9600], encoding [cp866], code_table
    bank     url, baudrate [9600], protocol (jsonlines) [jsonlines]
    fiscal   url (the ATOL driver's web server, http://host:16732), protocol (atol-web)
             [atol-web], poll [0.05], taxation (osn|usnIncome|usnIncomeOutcome|esn|patent)
             [osn], operator_vatin [""], timeout [30.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, overload

from ukm_actors.hw._settings import REQUIRED, Schema, check_settings, config_error
from ukm_actors.hw.atol import AtolWebRegister
from ukm_actors.hw.bank import LineProtocolTerminal
from ukm_actors.hw.display import CustomerDisplay
from ukm_actors.hw.printer import PrinterConfig, ReceiptPrinter
from ukm_actors.hw.scales import PROTOCOLS as SCALES_PROTOCOLS
from ukm_actors.hw.scales import Scales
from ukm_actors.hw.scanner import BarcodeScanner

DeviceKind = Literal["printer", "scanner", "scales", "display", "bank", "fiscal"]
DEVICE_KINDS: tuple[str, ...] = ("printer", "scanner", "scales", "display", "bank", "fiscal")
BANK_PROTOCOLS: tuple[str, ...] = ("jsonlines",)
FISCAL_PROTOCOLS: tuple[str, ...] = ("atol-web",)
TAXATION: tuple[str, ...] = ("osn", "usnIncome", "usnIncomeOutcome", "esn", "patent")


class Device(Protocol):
    """What every driver has: a name, explicit open/close, and a status dict."""

    @property
    def name(self) -> str: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


_SERIAL: Schema = {"url": (str, REQUIRED, None), "baudrate": (int, 9600, None)}
SCHEMAS: dict[str, Schema] = {
    "scanner": {**_SERIAL, "suffix": (str, "\r", None)},
    "scales": {
        **_SERIAL,
        "protocol": (str, "toledo8217", SCALES_PROTOCOLS),
        "bytesize": (int, 7, (7, 8)),
        "parity": (str, "E", ("N", "E", "O")),
    },
    "display": {
        **_SERIAL,
        "encoding": (str, "cp866", None),
        "code_table": (int, None, None),
    },
    "bank": {**_SERIAL, "protocol": (str, "jsonlines", BANK_PROTOCOLS)},
    "fiscal": {
        "url": (str, REQUIRED, None),
        "protocol": (str, "atol-web", FISCAL_PROTOCOLS),
        "poll": (float, 0.05, None),
        "taxation": (str, "osn", TAXATION),
        "operator_vatin": (str, "", None),
        "timeout": (float, 30.0, None),
    },
}


@overload
def build_device(kind: Literal["printer"], settings: Mapping[str, Any]) -> ReceiptPrinter: ...
@overload
def build_device(kind: Literal["scanner"], settings: Mapping[str, Any]) -> BarcodeScanner: ...
@overload
def build_device(kind: Literal["scales"], settings: Mapping[str, Any]) -> Scales: ...
@overload
def build_device(kind: Literal["display"], settings: Mapping[str, Any]) -> CustomerDisplay: ...
@overload
def build_device(kind: Literal["bank"], settings: Mapping[str, Any]) -> LineProtocolTerminal: ...
@overload
def build_device(kind: Literal["fiscal"], settings: Mapping[str, Any]) -> AtolWebRegister: ...
@overload
def build_device(kind: str, settings: Mapping[str, Any]) -> Device: ...
def build_device(kind: str, settings: Mapping[str, Any]) -> Device:
    """The driver for a device of ``kind`` from its settings; not opened yet."""
    if kind == "printer":
        return ReceiptPrinter(PrinterConfig.from_mapping(settings))
    if kind not in SCHEMAS:
        raise config_error(f"device kind {kind!r} is not known; allowed: {', '.join(DEVICE_KINDS)}")
    s = check_settings(kind, settings, SCHEMAS[kind])
    if kind == "scanner":
        try:
            suffix = s["suffix"].encode("ascii")
        except UnicodeEncodeError as exc:
            raise config_error(
                f"scanner setting 'suffix' must be ASCII, not {s['suffix']!r}"
            ) from exc
        return BarcodeScanner(s["url"], s["baudrate"], suffix)
    if kind == "scales":
        return Scales(
            s["url"], s["baudrate"], s["protocol"], bytesize=s["bytesize"], parity=s["parity"]
        )
    if kind == "display":
        return CustomerDisplay(s["url"], s["baudrate"], s["encoding"], code_table=s["code_table"])
    if kind == "fiscal":
        if not s["url"].startswith(("http://", "https://")):
            raise config_error(f"fiscal setting 'url' must be http://host:port, not {s['url']!r}")
        return AtolWebRegister(
            s["url"],
            poll=s["poll"],
            taxation=s["taxation"],
            operator_vatin=s["operator_vatin"],
            timeout=s["timeout"],
        )
    return LineProtocolTerminal(s["url"], s["baudrate"])


@overload
def open_device(kind: Literal["printer"], settings: Mapping[str, Any]) -> ReceiptPrinter: ...
@overload
def open_device(kind: Literal["scanner"], settings: Mapping[str, Any]) -> BarcodeScanner: ...
@overload
def open_device(kind: Literal["scales"], settings: Mapping[str, Any]) -> Scales: ...
@overload
def open_device(kind: Literal["display"], settings: Mapping[str, Any]) -> CustomerDisplay: ...
@overload
def open_device(kind: Literal["bank"], settings: Mapping[str, Any]) -> LineProtocolTerminal: ...
@overload
def open_device(kind: Literal["fiscal"], settings: Mapping[str, Any]) -> AtolWebRegister: ...
@overload
def open_device(kind: str, settings: Mapping[str, Any]) -> Device: ...
def open_device(kind: str, settings: Mapping[str, Any]) -> Device:
    """``build_device`` and ``open()``: a connected driver, or a ``DeviceError``."""
    device = build_device(kind, settings)
    device.open()
    return device
