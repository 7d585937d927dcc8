"""Attack: 256 idle TCP connections to the price-checker module used to take every slot for
60 s, again and again, so real price checkers could not connect. Defence: a per-address cap,
a short first-byte timeout, and a full server closing the oldest silent connection rather than
refusing a device (``nodes/pricechecker/responder/gate.py``). Real sockets throughout; the
second loopback address 127.0.0.2 plays the store's real price checker."""

from __future__ import annotations

import select
import socket
import time

import pytest

from tests.nodes.helpers import start_node
from tests.pricechecker.conftest import Device, http_ask, local_tills  # noqa: F401
from ukm_actors.codecs.pricechecker import ProtocolSettings, get_protocol
from ukm_actors.config.loader import ConfigError
from ukm_actors.nodes.pricechecker.responder.gate import ConnectionLimits
from ukm_actors.nodes.pricechecker.responder.server import PriceResponder
from ukm_actors.nodes.pricechecker.responder.tills import TillPicker

pytestmark = pytest.mark.timeout(60)

ATTACKER, DEVICE = "127.0.0.1", "127.0.0.2"


class Responder:
    def __init__(self, tills, limits: ConnectionLimits) -> None:
        picker = TillPicker(http_ask, deadline=0.5, dead_for=5.0)
        picker.set_tills([t.ref for t in tills])
        bound: dict[str, int] = {}
        self.ref = PriceResponder.start(
            "127.0.0.1", 0, get_protocol("line"), ProtocolSettings(), picker, limits,
            on_bound=lambda host, port: bound.update(port=port),
        )  # fmt: skip
        self.port = bound["port"]

    def connect(self, source: str) -> socket.socket:
        return socket.create_connection(
            ("127.0.0.1", self.port), timeout=5, source_address=(source, 0)
        )

    def device(self, source: str) -> Device:
        d = Device.__new__(Device)
        d.sock, d.buf = self.connect(source), b""
        return d

    def stats(self) -> dict:
        return self.ref.proxy().stats().get(timeout=5)


def closed_by_server(socks: list[socket.socket], wait: float) -> set[int]:
    """Indexes of the sockets the server has closed within ``wait`` seconds."""
    closed: set[int] = set()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and len(closed) < len(socks):
        live = [s for i, s in enumerate(socks) if i not in closed]
        readable, _, _ = select.select(live, [], [], 0.05)
        for s in readable:
            try:
                data = s.recv(64)
            except ConnectionResetError:
                data = b""
            if data == b"":
                closed.add(socks.index(s))
    return closed


def still_open(socks: list[socket.socket]) -> bool:
    """True when the server has closed none of ``socks`` (nothing to read on any of them)."""
    readable, _, _ = select.select(socks, [], [], 0)
    return not readable


def test_256_idle_connections_from_one_address_do_not_lock_a_device_out(local_tills):  # noqa: F811
    # 8 per address (the default); a first byte within 15 s (5 by default) leaves a loaded
    # machine room to see the 248 refused while the 8 kept are still open
    limits = ConnectionLimits(first_byte_timeout=15.0)
    r = Responder(local_tills, limits)
    # No admitted connection can be closed for silence before this + the first-byte timeout:
    # the server's clock for each starts when it accepts it, after the connect returned here.
    started = time.monotonic()
    idle = [r.connect(ATTACKER) for _ in range(256)]
    try:
        # All but max_per_address (8) are closed at once, refused for the cap (counted so),
        # not for silence: the 8 kept are still open.
        refused = closed_by_server(idle[8:], wait=limits.first_byte_timeout)
        assert len(refused) == 256 - 8
        assert r.stats()["refused_connections"] == 248
        assert still_open(idle[:8])

        # The store's price checker, from another address, is answered (how fast: bench/).
        device = r.device(DEVICE)
        for _ in range(3):
            assert device.ask("4600000000017") == ["Молоко 3,2% 1 л", "89.90"]

        # The 8 the attacker kept are closed once the first-byte timeout passes.
        kept = closed_by_server(idle[:8], wait=limits.first_byte_timeout + 10.0)
        assert kept == set(range(8))
        assert time.monotonic() - started >= limits.first_byte_timeout
        stats = r.stats()
        assert stats["refused_connections"] == 248
        assert stats["connected"] == 1  # the device, still connected
        assert device.ask("2000000000015") == ["Хлеб", "45.00"]
        device.close()

        # Healthy afterwards: the attacker's address is an ordinary client again.
        again = r.device(ATTACKER)
        assert again.ask("999") == ["NOT FOUND 999"]
        again.close()
    finally:
        for s in idle:
            s.close()
        r.ref.stop()


def test_silent_connections_from_many_addresses_make_room_for_a_device(local_tills):  # noqa: F811
    r = Responder(local_tills, ConnectionLimits(max_connections=16, max_per_address=8))
    idle = [r.connect(f"127.0.0.{3 + i % 2}") for i in range(16)]
    try:
        assert closed_by_server(idle, wait=0.3) == set()  # 16 slots, all taken
        device = r.device(DEVICE)
        assert device.ask("4600000000017") == ["Молоко 3,2% 1 л", "89.90"]
        # The oldest silent connection gave way; the device, proven, is never evicted.
        assert closed_by_server(idle, wait=1.0) == {0}
        more = [r.connect(f"127.0.0.{5 + i}") for i in range(3)]
        assert closed_by_server(more, wait=0.5) == set()
        assert device.ask("2000000000015") == ["Хлеб", "45.00"]
        assert r.stats()["evicted_silent"] == 4
        device.close()
        for s in more:
            s.close()
    finally:
        for s in idle:
            s.close()
        r.ref.stop()


def test_the_limits_are_checked_when_the_node_starts(tmp_path):
    with pytest.raises(ConfigError, match="max_per_address"):
        start_node("pricechecker", tmp_path, pricechecker={"max_per_address": 0})
    with pytest.raises(ConfigError, match="first_byte_timeout"):
        start_node("pricechecker", tmp_path, pricechecker={"first_byte_timeout": 0})
