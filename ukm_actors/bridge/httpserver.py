"""The node's HTTP server: bottle apps on gevent's WSGI server, as an actor.

Accepted sockets get ``TCP_NODELAY``: gevent.pywsgi writes the headers and
the body with two ``sendall`` calls, and with Nagle's algorithm on, the body
of every response on a kept-alive connection waits ~40 ms for the peer's
delayed ACK (measured: 44 ms per request without it, 0.24 ms with it).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

from gevent.pool import Pool
from gevent.pywsgi import LoggingLogAdapter, WSGIHandler, WSGIServer

from ukm_actors.supervision import SupervisedActor

log = logging.getLogger(__name__)
access_log = logging.getLogger("ukm_actors.http.access")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Handler(WSGIHandler):  # type: ignore[misc]
    def handle_one_request(self) -> Any:
        # A stopped server reads no further request from a kept-alive connection. Its
        # handlers are killed on stop, but a kill can be swallowed on its way out (SQLAlchemy's
        # connection ping catches the GreenletExit and psycopg raises an ordinary error
        # instead): such a handler would answer its request and then go on serving the peer's
        # next ones, and a stopped cash server would look online to its tills.
        if self.server.closed:
            return None
        return super().handle_one_request()

    def log_request(self) -> None:
        if access_log.isEnabledFor(logging.DEBUG):
            access_log.debug(self.format_request())


class NoDelayWSGIServer(WSGIServer):  # type: ignore[misc]
    """A ``gevent.pywsgi.WSGIServer`` that sets ``TCP_NODELAY`` on every connection."""

    handler_class = _Handler

    def handle(self, sock: socket.socket, address: Any) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().handle(sock, address)


def body_limit(app: WsgiApp, max_body: int) -> WsgiApp:
    """Refuse request bodies larger than ``max_body`` with 413 before reading them."""

    def limited(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or "0"
        try:
            n = int(length)
        except ValueError:
            n = -1
        if n < 0 or n > max_body:
            body = (
                '{"code": "http.body_too_large", "message": "request body of '
                f'{length} bytes is over the limit of {max_body} bytes"'
                "}"
            ).encode()
            start_response(
                "413 Request Entity Too Large",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return app(environ, start_response)

    return limited


class HttpServer(SupervisedActor):
    """Serves ``app`` on ``host:port`` while it runs. Binds in ``__init__`` so a
    port in use is an error of the start, not a silent failure later."""

    def __init__(self, app: WsgiApp, host: str, port: int, max_body: int) -> None:
        super().__init__()
        # A pool (unbounded: hundreds of tills long-poll at once) lets stop() end the
        # handlers of kept-alive connections too, not only stop accepting new ones.
        self.server = NoDelayWSGIServer(
            (host, port),
            body_limit(app, max_body),
            spawn=Pool(None),
            log=LoggingLogAdapter(access_log, logging.DEBUG),
            error_log=LoggingLogAdapter(logging.getLogger("ukm_actors.http.error"), logging.ERROR),
        )
        self.server.init_socket()

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def address(self) -> tuple[str, int]:
        return str(self.server.server_host), self.port

    def on_start(self) -> None:
        self.server.start()
        log.info("serving HTTP on http://%s:%d", self.server.server_host, self.port)

    def on_stop(self) -> None:
        # Requests in flight get a moment to finish; idle kept-alive connections would
        # otherwise hold the stop for the whole timeout (a sender retries what is cut).
        self.server.stop(timeout=0.5)

    def on_failure(self, *exc_info: Any) -> None:
        self.server.stop(timeout=1)
