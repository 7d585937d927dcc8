"""Real local HTTP servers that answer ``prices.lookup`` like a till's bridge route, and a
plain HTTP ask, for testing the picker and the TCP side without the bridge."""

from __future__ import annotations

import json
import socket

import bottle
import gevent
import pytest
import urllib3
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer

from ukm_actors.errors import UkmError
from ukm_actors.nodes.pricechecker.responder.tills import TillRef

PRICES = {"4600000000017": ("Молоко 3,2% 1 л", 8990), "2000000000015": ("Хлеб", 4500)}


class LocalTill:
    """An HTTP server on 127.0.0.1 answering POST /mailbox/v1/ask/prices.lookup."""

    def __init__(self, number: int, prices=PRICES) -> None:
        self.number = number
        self.prices = dict(prices)
        self.delay = 0.0
        self.reply_override = None
        self.asked = 0
        app = bottle.Bottle()

        @app.post("/mailbox/v1/ask/prices.lookup")
        def lookup():
            self.asked += 1
            if self.delay:
                gevent.sleep(self.delay)
            if self.reply_override is not None:
                return json.dumps(self.reply_override)
            barcode = json.loads(bottle.request.body.read())["barcode"]
            found = self.prices.get(barcode)
            if found is None:
                return json.dumps({"found": False})
            name, price = found
            return json.dumps(
                {
                    "found": True,
                    "article": barcode[-5:],
                    "name": name,
                    "price": price,
                    "measure": "шт",
                }
            )

        # A pool, so that stop() also ends kept-alive connections: a stopped till is gone.
        self.server = WSGIServer(("127.0.0.1", 0), app, log=None, spawn=Pool(100))
        self.server.start()
        self.ref = TillRef(
            f"till-17-{number}", number, f"http://127.0.0.1:{self.server.server_port}"
        )

    def stop(self) -> None:
        self.server.stop(timeout=0.1)


class AskFailed(UkmError):
    code = "test.ask_failed"


_http = urllib3.PoolManager(retries=False)


def http_ask(till: TillRef, name: str, message: dict, timeout: float):
    """A plain (unsigned) HTTP ask, standing in for the bridge's transport."""
    try:
        r = _http.request(
            "POST",
            f"{till.url}/mailbox/v1/ask/{name}",
            body=json.dumps(message).encode(),
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
    except urllib3.exceptions.HTTPError as exc:
        raise AskFailed(f"{till.url}: {exc}") from None
    if r.status != 200:
        raise AskFailed(f"{till.url}: HTTP {r.status}")
    return json.loads(r.data)


@pytest.fixture
def local_tills():
    tills = [LocalTill(1), LocalTill(2)]
    yield tills
    for t in tills:
        t.stop()


class Device:
    """A price checker: a TCP client that sends lines and reads answer lines."""

    def __init__(self, address: str) -> None:
        host, port = address.removeprefix("tcp://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_lines(self, n: int) -> list[str]:
        while self.buf.count(b"\r\n") < n:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        lines = self.buf.split(b"\r\n")
        out, self.buf = lines[:n], b"\r\n".join(lines[n:])
        return [x.decode() for x in out]

    def ask(self, barcode: str) -> list[str]:
        self.send(barcode.encode() + b"\r\n")
        first = self.read_lines(1)
        if first and (first[0].startswith(("NOT FOUND", "ERROR", "price check"))):
            return first
        return first + self.read_lines(1)

    def closed(self) -> bool:
        """True when the server closed the connection (after what is buffered)."""
        try:
            return self.sock.recv(4096) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()
