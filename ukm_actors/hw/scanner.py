"""Barcode scanner on a serial port (or a USB scanner in serial/CDC mode).

A scanner sends each scan as text followed by a terminator (CR by default
on most models; LF or CRLF on others). ``BarcodeScanner`` accepts CR, LF,
CRLF and the configured ``suffix``, strips spaces, skips empty lines, and
drops what cannot be a scan: lines longer than 128 characters, and lines
with bytes outside printable ASCII. GS (0x1D), the GS1 group separator
inside DataMatrix codes of marked goods, is kept. Dropped lines are counted
(``status()``), never raised: line noise must not stop the till.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.hw._link import LineBuffer, SerialDevice, SerialLink, deadline_after, read_line

MAX_SCAN_CHARS = 128
GS = 0x1D


def _acceptable(line: bytes) -> bool:
    return all(0x20 <= b <= 0x7E or b == GS for b in line)


class BarcodeScanner(SerialDevice):
    """Reads scans from ``url`` (``/dev/ttyACM0``, ``socket://host:port``, ``loop://``)."""

    def __init__(self, url: str, baudrate: int = 9600, suffix: bytes = b"\r") -> None:
        self.link = SerialLink(url, what="scanner", baudrate=baudrate)
        self.suffix = suffix
        self._lines = LineBuffer(b"\r\n" + suffix, MAX_SCAN_CHARS)
        self.scans = 0
        self.rejected_binary = 0

    @property
    def rejected_overlong(self) -> int:
        """How many lines longer than 128 characters were dropped."""
        return self._lines.overlong

    def read_barcode(self, timeout: float) -> str | None:
        """The next scan, or None if no complete scan arrives within ``timeout`` seconds.

        A partly received scan stays buffered for the next call. Raises
        ``DeviceUnavailable`` if the port is closed or lost.
        """
        scan = read_line(self.link, self._lines, deadline_after(timeout), self._accept)
        if scan is not None:
            self.scans += 1
        return scan

    def _accept(self, line: bytes) -> str | None:
        if not _acceptable(line):
            self.rejected_binary += 1
            return None
        text = line.decode("ascii").strip()
        return text or None

    def status(self) -> dict[str, Any]:
        """``{"device", "open", "scans", "rejected_binary", "rejected_overlong"}``."""
        return {
            "device": self.name,
            "open": self.link.is_open,
            "scans": self.scans,
            "rejected_binary": self.rejected_binary,
            "rejected_overlong": self.rejected_overlong,
        }
