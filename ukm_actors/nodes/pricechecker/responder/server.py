"""``PriceResponder``: the TCP server price checkers connect to, owned by an actor.

It binds in ``__init__`` (a port in use fails the start, clearly), serves from
``on_start`` and stops in ``on_stop``. Each connection runs in its own
greenlet, so a slow till or a silent device holds up only its own connection.
Whatever a device sends, the worst it gets is an error line and a closed
connection; nothing it sends can stop the server.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import gevent
from gevent.pool import Pool
from gevent.server import StreamServer

from ukm_actors.codecs.pricechecker import (
    Answer,
    BadInput,
    ProtocolFactory,
    ProtocolSettings,
    Request,
)
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
        idle_timeout: float,
        max_connections: int,
        on_bound: Callable[[str, int], None] = lambda host, port: None,
    ) -> None:
        super().__init__()
        self.protocol = protocol
        self.settings = settings
        self.picker = picker
        self.idle_timeout = idle_timeout
        self.pool = Pool(max_connections)
        self.server = StreamServer((host, port), self._serve, spawn=self.pool)
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
            "connected": len(self.pool),
            "connections": self.connections,
            "requests": self.requests,
            "refused_input": self.refused,
        }

    # -- one connection (its own greenlet) -------------------------------------

    def _serve(self, sock: socket.socket, address: Any) -> None:
        self.connections += 1
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        try:
            self._converse(sock)
        except (OSError, _Idle):
            pass
        except Exception:
            log.exception("price checker %s: unexpected error; connection closed", address)
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _converse(self, sock: socket.socket) -> None:
        proto = self.protocol(self.settings)
        while True:
            with gevent.Timeout(self.idle_timeout, _Idle()):
                data = sock.recv(RECV)
            if not data:
                return
            for event in proto.feed(data):
                if isinstance(event, Request):
                    self.requests += 1
                    sock.sendall(proto.encode(self.picker.lookup(event.barcode)))
                elif isinstance(event, BadInput):
                    self.refused += 1
                    sock.sendall(proto.encode(Answer.error(event.reason)))
                    return
