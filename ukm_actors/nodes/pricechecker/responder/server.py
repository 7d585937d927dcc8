"""``PriceResponder``: the TCP server price checkers connect to, owned by an actor.

It binds in ``__init__`` (a port in use fails the start, clearly), serves from
``on_start`` and stops in ``on_stop``. Each connection runs in its own
greenlet, so a slow till or a silent device holds up only its own connection.
Whatever a device sends, the worst it gets is an error line and a closed
connection; nothing it sends can stop the server. Every connection is
accepted at once and then admitted or closed by the :class:`ConnectionGate`
(per-address and total caps), so idle sockets cannot keep real price
checkers from connecting; one that sends nothing within the first-byte
timeout is closed.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import gevent
from gevent.server import StreamServer

from ukm_actors.codecs.pricechecker import (
    Answer,
    BadInput,
    ProtocolFactory,
    ProtocolSettings,
    Request,
)
from ukm_actors.nodes.pricechecker.responder.gate import ConnectionGate, ConnectionLimits, Ticket
from ukm_actors.nodes.pricechecker.responder.tills import TillPicker
from ukm_actors.supervision import SupervisedActor

log = logging.getLogger(__name__)

RECV = 4096


class _Idle(Exception):
    pass


class PriceResponder(SupervisedActor):
    """Serves one price-checker protocol on ``host:port``."""

    def __init__(
        self,
        host: str,
        port: int,
        protocol: ProtocolFactory,
        settings: ProtocolSettings,
        picker: TillPicker,
        limits: ConnectionLimits,
        on_bound: Callable[[str, int], None] = lambda host, port: None,
    ) -> None:
        super().__init__()
        self.protocol = protocol
        self.settings = settings
        self.picker = picker
        self.limits = limits
        self.gate = ConnectionGate(limits)
        # Unbounded spawning on purpose: a full server must still accept, to close the
        # connection it cannot serve at once rather than leave it waiting in the backlog.
        self.server = StreamServer((host, port), self._serve)
        self.server.init_socket()
        self.connections = 0
        self.requests = 0
        self.refused = 0
        on_bound(str(self.server.server_host), self.port)

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def on_start(self) -> None:
        self.server.start()
        log.info("price checkers: tcp://%s:%d", self.server.server_host, self.port)

    def on_stop(self) -> None:
        self.server.stop(timeout=2)

    def on_failure(self, *exc_info: Any) -> None:
        self.server.stop(timeout=1)

    def stats(self) -> dict[str, Any]:
        return {
            "address": f"tcp://{self.server.server_host}:{self.port}",
            "connected": len(self.gate),
            "connections": self.connections,
            "requests": self.requests,
            "refused_input": self.refused,
            "refused_connections": self.gate.refused,
            "evicted_silent": self.gate.evicted,
            "by_address": self.gate.addresses(),
        }

    # -- one connection (its own greenlet) -------------------------------------

    def _serve(self, sock: socket.socket, address: Any) -> None:
        self.connections += 1
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        ticket = self.gate.admit(host, sock)
        try:
            if ticket is None:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._converse(sock, ticket)
        except (OSError, _Idle):
            pass
        except Exception:
            log.exception("price checker %s: unexpected error; connection closed", address)
        finally:
            if ticket is not None:
                self.gate.release(ticket)
            try:
                sock.close()
            except OSError:
                pass

    def _converse(self, sock: socket.socket, ticket: Ticket) -> None:
        proto = self.protocol(self.settings)
        timeout = self.limits.first_byte_timeout
        while True:
            with gevent.Timeout(timeout, _Idle()):
                data = sock.recv(RECV)
            if not data:
                return
            timeout = self.limits.idle_timeout
            for event in proto.feed(data):
                if isinstance(event, Request):
                    self.requests += 1
                    ticket.proven = True
                    sock.sendall(proto.encode(self.picker.lookup(event.barcode)))
                elif isinstance(event, BadInput):
                    self.refused += 1
                    sock.sendall(proto.encode(Answer.error(event.reason)))
                    return
