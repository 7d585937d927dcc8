"""Checkout scales on a TCP port, speaking Mettler Toledo 8217 (see ``ukm_actors.hw.scales``)."""

from __future__ import annotations

import socket

from ukm_actors.domain.money import Quantity
from ukm_actors.hw.emulators._tcp import TcpEmulator
from ukm_actors.hw.scales import (
    CENTER_OF_ZERO,
    CR,
    NET,
    REQUEST_WEIGHT,
    STX,
    status_byte,
)

MAX_GRAMS = 99_999


class ScalesEmulator(TcpEmulator):
    """Answers ``W`` with the weight set by ``set_weight`` or with a status byte.

    ``silent`` makes it ignore requests (for timeout tests); ``noise`` is sent
    before every frame (line noise the driver must skip); ``requests`` counts
    the ``W`` requests received.
    """

    what = "scales"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        weight: Quantity = 0,
        stable: bool = True,
    ) -> None:
        super().__init__(host, port)
        self.weight = weight
        self.stable = stable
        self.overload = False
        self.under_zero = False
        self.net = False
        self.silent = False
        self.noise = b""
        self.requests = 0

    def set_weight(self, quantity: Quantity, *, stable: bool = True) -> None:
        """Put ``quantity`` grams on the platter; ``stable=False`` means it still moves."""
        if not 0 <= quantity <= MAX_GRAMS:
            raise ValueError(f"weight must be 0..{MAX_GRAMS} g, not {quantity}")
        with self._lock:
            self.weight = quantity
            self.stable = stable
            self.overload = False
            self.under_zero = False

    def set_overload(self) -> None:
        """Report over capacity from now on (until ``set_weight``)."""
        with self._lock:
            self.overload = True

    def set_under_zero(self) -> None:
        """Report under zero from now on (until ``set_weight``)."""
        with self._lock:
            self.under_zero = True

    def wait_requests(self, count: int, timeout: float = 2.0) -> bool:
        """Wait until ``count`` weight requests have been received; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self.requests >= count, timeout)

    def answer(self, command: int) -> bytes:
        """The frame the scales send for one command byte."""
        with self._lock:
            if command != REQUEST_WEIGHT[0]:
                return bytes([STX, ord("?"), self.status(), CR])
            self.requests += 1
            self._lock.notify_all()
            if self.overload or self.under_zero or not self.stable:
                code = status_byte(
                    motion=not self.stable, over=self.overload, under=self.under_zero
                )
                return bytes([STX, ord("?"), code, CR])
            kg, grams = divmod(self.weight, 1000)
            text = f"{kg:02d}.{grams:03d}" + ("N" if self.net else "")
            return bytes([STX]) + text.encode("ascii") + bytes([CR])

    def status(self) -> int:
        """The current status byte (as the scales would send it after ``?``)."""
        with self._lock:
            value = status_byte(motion=not self.stable, over=self.overload, under=self.under_zero)
            if self.weight == 0:
                value |= CENTER_OF_ZERO
            if self.net:
                value |= NET
            return value

    def serve(self, conn: socket.socket) -> None:
        while not self.stopping.is_set():
            chunk = conn.recv(64)
            if not chunk:
                return
            for command in chunk:
                if command in (CR, 0x0A):
                    continue
                if self.silent:
                    continue
                self.send(conn, self.noise + self.answer(command & 0x7F))
