"""Emulators for the simple devices: a network receipt printer and a scanner."""

from __future__ import annotations

import socket

from ukm_actors.hw.emulators._tcp import TcpEmulator

DLE_EOT_ONLINE = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"

PAPER_STATUS = {"ok": 0x12, "near-end": 0x1E, "out": 0x72}


class NetworkPrinterEmulator(TcpEmulator):
    """A raw-TCP (port 9100 style) ESC/POS printer that keeps everything it receives.

    It answers the real-time status requests ``DLE EOT 1`` (online: 0x12,
    offline: 0x1A) and ``DLE EOT 4`` (paper ok 0x12, near end 0x1E, out 0x72),
    unless ``answers_status`` is False (many network printers stay silent).
    """

    what = "printer"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        online: bool = True,
        paper: str = "ok",
        answers_status: bool = True,
    ) -> None:
        super().__init__(host, port)
        if paper not in PAPER_STATUS:
            raise ValueError(f"paper must be one of {sorted(PAPER_STATUS)}, not {paper!r}")
        self.online = online
        self.paper = paper
        self.answers_status = answers_status
        self._received = bytearray()

    def received(self) -> bytes:
        """Every byte received so far, from all connections, in order."""
        with self._lock:
            return bytes(self._received)

    def wait_for(self, needle: bytes, timeout: float = 20.0) -> bool:
        """Wait until ``needle`` has been received; False on timeout (generous by default:
        tests run on loaded machines, and a needle already there returns at once)."""
        with self._lock:
            return self._lock.wait_for(lambda: needle in self._received, timeout)

    def serve(self, conn: socket.socket) -> None:
        tail = b""
        while not self.stopping.is_set():
            chunk = conn.recv(4096)
            if not chunk:
                return
            with self._lock:
                self._received.extend(chunk)
                self._lock.notify_all()
            window, tail = tail + chunk, (tail + chunk)[-2:]
            if not self.answers_status:
                continue
            for _ in range(window.count(DLE_EOT_ONLINE)):
                self.send(conn, bytes([0x12 if self.online else 0x1A]))
            for _ in range(window.count(DLE_EOT_PAPER)):
                self.send(conn, bytes([PAPER_STATUS[self.paper]]))


class ScannerEmulator(TcpEmulator):
    """A scanner on a TCP port: ``scan("4600000000000")`` sends it to every client."""

    what = "scanner"

    def scan(self, code: str, suffix: bytes = b"\r") -> int:
        """Send one scan (ASCII text + ``suffix``); returns how many clients got it."""
        return self.broadcast(code.encode("ascii") + suffix)

    def send_raw(self, data: bytes) -> int:
        """Send bytes as they are (noise, partial scans); returns how many clients got them."""
        return self.broadcast(data)

    def serve(self, conn: socket.socket) -> None:
        while not self.stopping.is_set():
            if not conn.recv(1024):
                return
