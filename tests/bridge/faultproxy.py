"""A small real HTTP proxy that breaks chosen responses: cut mid-body, or one byte flipped.

It forwards each request on a fresh upstream connection (``Connection:
close``), reads the whole response, and sends it on — or, for a request
that matches a pending fault, sends only part of the body and drops the
connection, or flips a byte of the body. ``hold(path_part)`` keeps matching
requests from going upstream until ``release()`` (a document in flight).
Every request is logged.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

import gevent.event
from gevent.server import StreamServer


@dataclass
class Fault:
    path_contains: str
    action: str  # "cut" | "flip"
    fraction: float = 0.6


@dataclass
class Seen:
    method: str
    path: str
    range: str | None
    status: int
    body_bytes: int
    sent_bytes: int
    fault: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """The request's headers (lower-case names)."""
    coding: str | None = None
    """The response's Content-Encoding."""


def _read_head(sock: socket.socket, buf: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None
        buf.extend(data)
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end])
    del buf[:end]
    return head


def _headers(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    out = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip().lower()] = v.strip()
    return lines[0], out


def _read_n(sock: socket.socket, buf: bytearray, n: int) -> bytes:
    while len(buf) < n:
        data = sock.recv(65536)
        if not data:
            break
        buf.extend(data)
    body = bytes(buf[:n])
    del buf[:n]
    return body


@dataclass
class FaultProxy:
    upstream: tuple[str, int]
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = StreamServer(("127.0.0.1", 0), self._handle)
        self.server.start()
        self.holding: str | None = None
        self.released = gevent.event.Event()
        self.released.set()

    def hold(self, path_contains: str) -> None:
        """Requests whose path contains ``path_contains`` wait here until ``release()``."""
        self.holding = path_contains
        self.released.clear()

    def release(self) -> None:
        self.holding = None
        self.released.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.stop(timeout=1)

    def _handle(self, client: socket.socket, _addr: object) -> None:
        buf = bytearray()
        try:
            while True:
                head = _read_head(client, buf)
                if head is None:
                    return
                first, hdrs = _headers(head)
                body = _read_n(client, buf, int(hdrs.get("content-length", "0")))
                if not self._forward(client, head, first, hdrs, body):
                    return
        except OSError:
            return
        finally:
            client.close()

    def _forward(self, client, head, first, hdrs, body) -> bool:
        method, path = first.split(" ")[:2]
        if self.holding is not None and self.holding in path:
            self.released.wait(timeout=60)
        lines = [
            ln
            for ln in head.decode("latin-1").split("\r\n")[:-2]
            if not ln.lower().startswith("connection:")
        ]
        upstream_head = ("\r\n".join(lines) + "\r\nConnection: close\r\n\r\n").encode("latin-1")
        up = socket.create_connection(self.upstream, timeout=60)
        try:
            up.sendall(upstream_head + body)
            raw = bytearray()
            while chunk := up.recv(65536):
                raw.extend(chunk)
        finally:
            up.close()
        end = raw.index(b"\r\n\r\n") + 4
        rhead, rbody = bytes(raw[:end]), bytes(raw[end:])
        status = int(rhead.split(b" ", 2)[1])
        fault = next(
            (f for f in self.faults if f.path_contains in path and status in (200, 206)), None
        )
        _, rhdrs = _headers(rhead)
        rec = Seen(
            method,
            path,
            hdrs.get("range"),
            status,
            len(rbody),
            len(rbody),
            headers=hdrs,
            coding=rhdrs.get("content-encoding"),
        )
        self.seen.append(rec)
        if fault is None:
            client.sendall(rhead + rbody)
            return True
        self.faults.remove(fault)
        rec.fault = fault.action
        if fault.action == "flip":
            flipped = bytearray(rbody)
            flipped[-1] ^= 0x01
            client.sendall(rhead + bytes(flipped))
            return True
        keep = int(len(rbody) * fault.fraction)
        rec.sent_bytes = keep
        client.sendall(rhead + rbody[:keep])
        return False
