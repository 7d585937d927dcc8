"""A serial-like port with deadlines, shared by the serial drivers.

``SerialLink`` opens any pyserial URL (``/dev/ttyUSB0``, ``socket://host:port``,
``loop://``), never blocks without a bound, and turns pyserial's and the
OS's exceptions into ``DeviceError`` subclasses that name the device. After a
failure that means the port is gone, the link closes itself: the next call
raises ``DeviceUnavailable`` until ``open()`` succeeds again.

Under gevent, pyserial's posix and socket paths wait in ``select``, which
gevent makes cooperative. ``flush()`` (``tcdrain``) is never called: it would
block the whole process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

import serial

from ukm_actors.hw.errors import DeviceError, DeviceTimeout, DeviceUnavailable
from ukm_actors.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")

_WHAT = {
    "bank terminal": _("bank terminal"),
    "display": _("customer display"),
    "scales": _("scales"),
    "scanner": _("barcode scanner"),
}
"""The devices' names in messages (translatable)."""

PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}


def deadline_after(timeout: float) -> float:
    """The monotonic time ``timeout`` seconds from now (negative timeouts count as 0)."""
    return time.monotonic() + max(0.0, timeout)


def time_left(deadline: float) -> float:
    """Seconds until ``deadline``, never below 0."""
    return max(0.0, deadline - time.monotonic())


class SerialLink:
    """One port, opened explicitly, with bounded reads and writes.

    ``what`` is the device's role ("scanner", "scales"...); ``label`` is
    ``"<what> on <url>"`` and starts every error message.
    """

    def __init__(
        self,
        url: str,
        *,
        what: str,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        write_timeout: float = 2.0,
    ) -> None:
        if parity not in PARITIES:
            raise DeviceError(
                _(
                    "{what} on {url}: parity {parity!r} is not one of {PARITIES}",
                    what=what,
                    url=url,
                    parity=parity,
                    PARITIES=sorted(PARITIES),
                ),
                device=f"{what} on {url}",
            )
        self.url = url
        self.what = what
        self.baudrate = baudrate
        self.bytesize = bytesize
        self.parity = parity
        self.stopbits = stopbits
        self.write_timeout = write_timeout
        self._port: Any = None
        self._write_lock = threading.Lock()

    @property
    def label(self) -> str:
        """``"<what> on <url>"``, the device's name in messages."""
        return _("{what} on {url}", what=_WHAT.get(self.what, self.what), url=self.url)

    @property
    def is_open(self) -> bool:
        """True between a successful ``open()`` and ``close()`` (or a lost port)."""
        return self._port is not None

    def open(self) -> None:
        """Open the port; an open link is closed and reopened.

        Raises ``DeviceUnavailable`` when the port is missing or refuses, and
        ``DeviceError`` when the URL or settings are not valid.
        """
        self.close()
        try:
            self._port = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                parity=PARITIES[self.parity],
                stopbits=self.stopbits,
                timeout=0,
                write_timeout=self.write_timeout,
            )
        except serial.SerialException as exc:
            raise DeviceUnavailable(
                _("{label} cannot be opened: {exc}", label=self.label, exc=exc),
                device=self.label,
                hint=_("check that the device is plugged in and powered, and the port name"),
            ) from exc
        except (ValueError, OSError) as exc:
            raise DeviceError(
                _("{label}: the port settings are not valid: {exc}", label=self.label, exc=exc),
                device=self.label,
                hint=_("check the device's url and baudrate in the till settings"),
            ) from exc

    def close(self) -> None:
        """Close the port. Idempotent; never raises."""
        port, self._port = self._port, None
        if port is None:
            return
        try:
            port.close()
        except (serial.SerialException, OSError) as exc:
            log.warning("%s: error while closing: %s", self.label, exc)

    def _require(self) -> Any:
        if self._port is None:
            raise DeviceUnavailable(
                _("{label} is not open", label=self.label),
                device=self.label,
                hint=_("open the device first; it may have been closed after an error"),
            )
        return self._port

    def _lost(self, exc: BaseException) -> DeviceUnavailable:
        self.close()
        return DeviceUnavailable(
            _("{label} stopped answering: {exc}", label=self.label, exc=exc),
            device=self.label,
            hint=_("check the cable and power, then reopen the device"),
        )

    def write(self, data: bytes, timeout: float | None = None) -> None:
        """Send all of ``data`` within ``timeout`` seconds (the link's default if None).

        Raises ``DeviceTimeout`` if the device does not take the data in time
        and ``DeviceUnavailable`` if the port is gone. Safe to call from two
        greenlets: writes do not interleave.
        """
        port = self._require()
        limit = self.write_timeout if timeout is None else timeout
        with self._write_lock:
            try:
                if port.write_timeout != limit:
                    port.write_timeout = limit
                port.write(data)
            except serial.SerialTimeoutException as exc:
                raise DeviceTimeout(
                    _(
                        "{label} did not take {count} bytes within {limit:g} s",
                        label=self.label,
                        count=len(data),
                        limit=limit,
                    ),
                    device=self.label,
                    hint=_("check the cable, power and flow-control settings"),
                ) from exc
            except (serial.SerialException, OSError) as exc:
                raise self._lost(exc) from exc

    def read_some(self, deadline: float) -> bytes:
        """The bytes that arrive before ``deadline`` (at least one, or b"" at the deadline).

        Returns as soon as something is there; never waits past ``deadline``.
        """
        port = self._require()
        try:
            port.timeout = time_left(deadline)
            waiting = port.in_waiting
            data: bytes = port.read(max(1, waiting))
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from exc
        return data

    def discard_input(self) -> None:
        """Drop whatever the device sent that nobody read yet."""
        port = self._require()
        try:
            port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from exc


class SerialDevice:
    """A device behind one ``SerialLink``: named by the link, opened and closed with it.

    A subclass sets ``self.link``; it is a context manager that opens on entry
    and closes on exit.
    """

    link: SerialLink

    @property
    def name(self) -> str:
        """``"<what> on <url>"``."""
        return self.link.label

    def open(self) -> None:
        """Open the port. Raises ``DeviceUnavailable`` if it is not there."""
        self.link.open()

    def close(self) -> None:
        """Close the port. Idempotent."""
        self.link.close()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LineBuffer:
    """Splits a byte stream into lines ended by any of ``terminators``.

    Lines longer than ``max_len`` are dropped whole (up to their terminator)
    and counted in ``overlong``.
    """

    def __init__(self, terminators: bytes, max_len: int) -> None:
        self.terminators = terminators
        self.max_len = max_len
        self.overlong = 0
        self._buf = bytearray()
        self._dropping = False

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        self._buf.extend(data)

    def next_line(self) -> bytes | None:
        """The next complete line without its terminator, or None if none is complete.

        Empty lines are returned too (b""); callers decide to skip them.
        """
        while True:
            end = next((i for i, b in enumerate(self._buf) if b in self.terminators), -1)
            if end < 0:
                if len(self._buf) > self.max_len:
                    if not self._dropping:
                        self.overlong += 1
                    self._dropping = True
                    self._buf.clear()
                return None
            line = bytes(self._buf[:end])
            del self._buf[: end + 1]
            if self._dropping:
                self._dropping = False
                continue
            if len(line) > self.max_len:
                self.overlong += 1
                continue
            return line


def read_line(
    link: SerialLink, lines: LineBuffer, deadline: float, decode: Callable[[bytes], T | None]
) -> T | None:
    """The first complete line that ``decode`` makes a value of, reading ``link`` into
    ``lines`` until ``deadline`` (at least once); None when there is none by then.

    Lines ``decode`` refuses (returns None for) are dropped; a partly received line
    stays in ``lines`` for the next call.
    """
    polled = False
    while True:
        line = lines.next_line()
        while line is not None:
            value = decode(line)
            if value is not None:
                return value
            line = lines.next_line()
        if polled and time_left(deadline) <= 0:
            return None
        data = link.read_some(deadline)
        polled = True
        if not data:
            return None
        lines.feed(data)
