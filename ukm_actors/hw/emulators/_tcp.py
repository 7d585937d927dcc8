"""A tiny TCP server for device emulators.

Plain ``threading`` + ``socket``: under gevent's monkey-patching the threads
are greenlets and the sockets cooperative; without it they are OS threads.
``stop()`` wakes every blocked ``accept``/``recv`` by shutting the sockets
down, so it never waits on a timeout.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Self

log = logging.getLogger(__name__)


class TcpEmulator:
    """Listens on ``host``:``port`` (port 0 picks a free one) and serves each client.

    Subclasses implement ``serve(conn)``: read requests until ``recv`` returns
    b"" or ``self.stopping`` is set, and write answers with ``send(conn, data)``.
    """

    what = "device"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._clients: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Condition()
        self._send_lock = threading.Lock()

    @property
    def url(self) -> str:
        """``socket://host:port``, ready for pyserial's ``serial_for_url``."""
        return f"socket://{self.host}:{self.port}"

    def start(self) -> Self:
        """Bind, listen and start accepting. Returns self."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept_loop, "accept")
        return self

    def stop(self) -> None:
        """Close the listener and every client; wait for the threads. Idempotent."""
        self.stopping.set()
        with self._lock:
            sockets = [s for s in [self._listener, *self._clients] if s is not None]
            self._listener = None
            self._clients = []
            threads = list(self._threads)
        for sock in sockets:
            _shut(sock)
        current = threading.current_thread()
        for thread in threads:
            if thread is not current:
                thread.join(timeout=2.0)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def clients(self) -> int:
        """How many clients are connected now."""
        with self._lock:
            return len(self._clients)

    def wait_clients(self, count: int = 1, timeout: float = 2.0) -> bool:
        """Wait until at least ``count`` clients are connected; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._clients) >= count, timeout)

    def _spawn(self, target: Callable[..., object], name: str, *args: object) -> None:
        thread = threading.Thread(
            target=target,
            args=args,
            name=f"{type(self).__name__}-{name}",
            daemon=True,
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            listener = self._listener
            if listener is None:
                return
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self.stopping.is_set():
                    _shut(conn)
                    return
                self._clients.append(conn)
                self._lock.notify_all()
            self._spawn(self._serve_client, "client", conn)

    def _serve_client(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except OSError as exc:
            if not self.stopping.is_set():
                log.debug("%s emulator: client gone: %s", self.what, exc)
        finally:
            with self._lock:
                if conn in self._clients:
                    self._clients.remove(conn)
            _shut(conn)

    def serve(self, conn: socket.socket) -> None:
        """Serve one client until it disconnects or the emulator stops."""
        raise NotImplementedError

    def send(self, conn: socket.socket, data: bytes) -> None:
        """Send ``data`` to one client; concurrent senders do not interleave."""
        with self._send_lock:
            try:
                conn.sendall(data)
            except OSError as exc:
                log.debug("%s emulator: send failed: %s", self.what, exc)

    def broadcast(self, data: bytes) -> int:
        """Send ``data`` to every connected client; returns how many got it."""
        with self._lock:
            clients = list(self._clients)
        for conn in clients:
            self.send(conn, data)
        return len(clients)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
