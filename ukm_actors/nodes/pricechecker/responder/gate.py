"""``ConnectionGate``: who may hold a price-checker connection, so idle sockets cannot lock
real devices out.

The attack it answers: 256 TCP connections that never send a byte used to fill
every slot for a minute, again and again. Now

- one address holds at most ``max_per_address`` connections; more are closed at
  once (a store's price checkers are one connection each, from their own address);
- all addresses together hold at most ``max_connections``; when that is full, the
  oldest connection that has not yet completed a request ("silent") is closed to
  make room, and only when every connection has proved itself is the newcomer
  refused;
- a connection must send its first byte within ``first_byte_timeout`` seconds
  (the server enforces that; see ``server.py``).

The gate only counts; it never blocks. All of it runs in the responder's one
OS thread (greenlets), so plain dicts need no lock.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

WARN_EVERY = 60.0
"""Seconds between two log lines about the same address being refused."""


@dataclass(frozen=True)
class ConnectionLimits:
    """The limits of ``[pricechecker]`` that protect the TCP side (docs/pricechecker.md)."""

    idle_timeout: float = 60.0
    first_byte_timeout: float = 5.0
    max_connections: int = 256
    max_per_address: int = 8


@dataclass(eq=False)
class Ticket:
    """One admitted connection."""

    address: str
    sock: socket.socket
    opened: float = field(default_factory=time.monotonic)
    proven: bool = False
    """True once the device completed a request: it is never evicted for a newcomer."""


class ConnectionGate:
    """Admits or refuses connections by address and in total (see the module doc)."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._open: OrderedDict[int, Ticket] = OrderedDict()
        self._per_address: dict[str, int] = {}
        self._warned: dict[str, float] = {}
        self.refused = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._open)

    def admit(self, address: str, sock: socket.socket) -> Ticket | None:
        """A ticket for the new connection, or None when it must be closed now."""
        if self._per_address.get(address, 0) >= self.limits.max_per_address:
            self._refuse(address, f"it already has {self.limits.max_per_address} connections")
            return None
        if len(self._open) >= self.limits.max_connections and not self._evict_silent():
            self._refuse(address, f"all {self.limits.max_connections} connections are busy")
            return None
        ticket = Ticket(address, sock)
        self._open[id(ticket)] = ticket
        self._per_address[address] = self._per_address.get(address, 0) + 1
        return ticket

    def release(self, ticket: Ticket) -> None:
        """The connection of ``ticket`` is closed."""
        if self._open.pop(id(ticket), None) is None:
            return
        left = self._per_address.get(ticket.address, 1) - 1
        if left > 0:
            self._per_address[ticket.address] = left
        else:
            self._per_address.pop(ticket.address, None)

    def addresses(self) -> dict[str, int]:
        """Open connections per address, most first (for ``/status``)."""
        return dict(sorted(self._per_address.items(), key=lambda kv: -kv[1])[:10])

    def _evict_silent(self) -> bool:
        victim = next((t for t in self._open.values() if not t.proven), None)
        if victim is None:
            return False
        self.evicted += 1
        log.info("price checkers: closed a silent connection from %s to make room", victim.address)
        try:
            victim.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.release(victim)
        return True

    def _refuse(self, address: str, why: str) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._warned.get(address, -WARN_EVERY) >= WARN_EVERY:
            self._warned[address] = now
            if len(self._warned) > 1000:
                self._warned.clear()
            log.warning(
                "price checkers: refused a connection from %s: %s "
                "(see [pricechecker] max_per_address, max_connections)",
                address,
                why,
            )
