"""Price-checker wire protocols: bytes from a device → requests; answers → bytes. Pure.

A protocol is a class with one instance per connection (it keeps the bytes of
a line not finished yet)::

    proto = get_protocol("line")(ProtocolSettings(encoding="cp866"))
    for event in proto.feed(sock.recv(4096)):      # Request or BadInput
        sock.sendall(proto.encode(answer))          # Answer → bytes

``register_protocol(name, factory)`` adds another device family; the node
picks one with ``[pricechecker] protocol``.

Protocol "line" (the default; docs/pricechecker.md):

- in: the barcode as printable ASCII (``!``..``~``, no spaces inside), ended by
  CR LF (a lone LF or CR also ends it); empty lines are ignored; surrounding
  spaces are dropped. At most ``max_line`` bytes before the line end;
- out, in ``encoding`` (unencodable characters become ``?``):
  found ``<name>\\r\\n<price>\\r\\n`` (price ``89.90``, name cut to
  ``display_width`` characters when that is not 0), not found
  ``NOT FOUND <barcode>\\r\\n``, no till ``price check unavailable: no till is
  running\\r\\n``, bad input ``ERROR <reason>\\r\\n`` — after which the server
  closes the connection.

Protocol "json": one JSON object per line, ``{"barcode": "..."}`` in;
``{"status": "found", "barcode", "name", "price": "89.90", "kopecks": 8990}``,
``{"status": "not_found", "barcode"}``, ``{"status": "unavailable", "message"}``
or ``{"status": "error", "message"}`` out, one line each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from ukm_actors.domain.money import format_money
from ukm_actors.errors import UkmError

UNAVAILABLE = "price check unavailable: no till is running"

AnswerKind = Literal["found", "not_found", "unavailable", "error"]


class UnknownProtocol(UkmError):
    code = "pricechecker.unknown_protocol"


@dataclass(frozen=True)
class ProtocolSettings:
    """What every protocol may use from ``[pricechecker]``."""

    encoding: str = "utf-8"
    max_line: int = 64
    display_width: int = 0
    """Longest item name shown (characters); 0: the whole name."""


@dataclass(frozen=True)
class Request:
    """A device asks for the price of ``barcode``."""

    barcode: str


@dataclass(frozen=True)
class BadInput:
    """The device sent something that is not a request: answer ``reason`` and close."""

    reason: str


Event = Request | BadInput


@dataclass(frozen=True)
class Answer:
    """What to show on the device."""

    kind: AnswerKind
    barcode: str = ""
    name: str = ""
    price: int = 0
    """Kopecks."""
    text: str = ""
    """For ``unavailable`` and ``error``: the message."""

    @classmethod
    def found(cls, barcode: str, name: str, price: int) -> Answer:
        return cls("found", barcode=barcode, name=name, price=price)

    @classmethod
    def not_found(cls, barcode: str) -> Answer:
        return cls("not_found", barcode=barcode)

    @classmethod
    def unavailable(cls, text: str = UNAVAILABLE) -> Answer:
        return cls("unavailable", text=text)

    @classmethod
    def error(cls, text: str) -> Answer:
        return cls("error", text=text)


class DeviceProtocol(Protocol):
    """One connection's codec."""

    def feed(self, data: bytes) -> list[Event]:
        """The complete requests (or the bad input) in ``data`` plus what came before."""

    def encode(self, answer: Answer) -> bytes:
        """The bytes to send for ``answer``."""


ProtocolFactory = Callable[[ProtocolSettings], DeviceProtocol]
_PROTOCOLS: dict[str, ProtocolFactory] = {}


def register_protocol(name: str, factory: ProtocolFactory) -> None:
    """Make protocol ``name`` available to ``[pricechecker] protocol``."""
    if name in _PROTOCOLS:
        raise ValueError(f"a price-checker protocol {name!r} is already registered")
    _PROTOCOLS[name] = factory


def get_protocol(name: str) -> ProtocolFactory:
    """The factory of protocol ``name``; ``UnknownProtocol`` names the known ones."""
    try:
        return _PROTOCOLS[name]
    except KeyError:
        raise UnknownProtocol(
            f"unknown price-checker protocol {name!r}",
            hint=f"known: {', '.join(protocol_names())}",
        ) from None


def protocol_names() -> list[str]:
    return sorted(_PROTOCOLS)


def clean_text(text: str, width: int = 0) -> str:
    """``text`` on one line (control characters become spaces), cut to ``width`` if > 0."""
    one = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return one[:width] if width > 0 else one


class LineFramer:
    """Splits bytes into lines ended by CR LF, LF or CR, at most ``max_line`` bytes each."""

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._skip_lf = False
        self.broken = False

    def feed(self, data: bytes) -> tuple[list[bytes], bool]:
        """The complete non-empty lines, and whether the current line is over the limit."""
        lines: list[bytes] = []
        if self.broken:
            return lines, True
        for byte in data:
            if self._skip_lf:
                self._skip_lf = False
                if byte == 0x0A:
                    continue
            if byte in (0x0A, 0x0D):
                self._skip_lf = byte == 0x0D
                if self._buf:
                    lines.append(bytes(self._buf))
                    self._buf.clear()
                continue
            self._buf.append(byte)
            if len(self._buf) > self.max_line:
                self.broken = True
                return lines, True
        return lines, False


def _is_barcode(text: str) -> bool:
    return bool(text) and all(0x21 <= ord(c) <= 0x7E for c in text)


class LineProtocol:
    """Barcode + CR LF in; ``<name>\\r\\n<price>\\r\\n`` out (see the module docstring)."""

    def __init__(self, settings: ProtocolSettings) -> None:
        self.settings = settings
        self.framer = LineFramer(settings.max_line)

    def feed(self, data: bytes) -> list[Event]:
        lines, too_long = self.framer.feed(data)
        events: list[Event] = []
        for raw in lines:
            try:
                text = raw.decode("ascii").strip(" ")
            except UnicodeDecodeError:
                events.append(BadInput("not a barcode: only printable ASCII is accepted"))
                return events
            if not text:
                continue
            if not _is_barcode(text):
                events.append(BadInput("not a barcode: only printable ASCII is accepted"))
                return events
            events.append(Request(text))
        if too_long:
            events.append(BadInput(f"line too long (more than {self.settings.max_line} bytes)"))
        return events

    def encode(self, answer: Answer) -> bytes:
        width = self.settings.display_width
        if answer.kind == "found":
            text = f"{clean_text(answer.name, width)}\r\n{format_money(answer.price)}\r\n"
        elif answer.kind == "not_found":
            text = f"NOT FOUND {answer.barcode}\r\n"
        elif answer.kind == "unavailable":
            text = f"{clean_text(answer.text)}\r\n"
        else:
            text = f"ERROR {clean_text(answer.text)}\r\n"
        return text.encode(self.settings.encoding, errors="replace")


class JsonLineProtocol:
    """One JSON object per line in and out (for integrators' own devices and kiosks)."""

    def __init__(self, settings: ProtocolSettings) -> None:
        self.settings = settings
        self.framer = LineFramer(settings.max_line + 32)

    def feed(self, data: bytes) -> list[Event]:
        lines, too_long = self.framer.feed(data)
        events: list[Event] = []
        for raw in lines:
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                events.append(BadInput("not a JSON object"))
                return events
            barcode = obj.get("barcode") if isinstance(obj, dict) else None
            if not isinstance(barcode, str) or not _is_barcode(barcode):
                events.append(BadInput('expected {"barcode": "<printable ASCII>"}'))
                return events
            if len(barcode) > self.settings.max_line:
                events.append(BadInput(f"barcode longer than {self.settings.max_line}"))
                return events
            events.append(Request(barcode))
        if too_long:
            events.append(BadInput("line too long"))
        return events

    def encode(self, answer: Answer) -> bytes:
        body: dict[str, object]
        if answer.kind == "found":
            body = {
                "status": "found",
                "barcode": answer.barcode,
                "name": clean_text(answer.name, self.settings.display_width),
                "price": format_money(answer.price),
                "kopecks": answer.price,
            }
        elif answer.kind == "not_found":
            body = {"status": "not_found", "barcode": answer.barcode}
        else:
            body = {"status": answer.kind, "message": answer.text}
        return (json.dumps(body, ensure_ascii=False) + "\n").encode("utf-8")


register_protocol("line", LineProtocol)
register_protocol("json", JsonLineProtocol)
