"""The bridge's HTTP client: signed requests over kept-alive, pooled connections.

One ``BridgeClient`` per node (one urllib3 ``PoolManager``). Its sockets have
``TCP_NODELAY`` (with Nagle's algorithm a small request on a kept-alive
connection waits for the peer's delayed ACK: ~40 ms instead of ~0.3 ms) and
``SO_KEEPALIVE``. Every request has a timeout. urllib3 retries nothing: a
signed request must not be sent twice behind the caller's back (the nonce
would make the copy a replay, and an ask may not be idempotent); callers
that deliver documents retry on their own, which is safe (seq numbers).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import urllib3
import urllib3.connection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
)

from ukm_actors import __version__
from ukm_actors.bridge.auth import H_URL, H_VERSION, sign
from ukm_actors.bridge.errors import AskTimeout, BridgeError, PeerUnreachable, RemoteError
from ukm_actors.bridge.peers import peer_key
from ukm_actors.i18n import from_wire

log = logging.getLogger(__name__)

SOCKET_OPTIONS: list[tuple[int, int, int]] = [
    (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
]

Response = urllib3.BaseHTTPResponse


class _Connection(urllib3.connection.HTTPConnection):
    """Shuts its socket down when closed: a plain close leaves the socket open
    while a response object still refers to it, and the peer then keeps an idle
    handler for it (a node stopping waits for those)."""

    def close(self) -> None:
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        super().close()


class _Pool(urllib3.HTTPConnectionPool):
    ConnectionCls = _Connection


def normalize_url(url: str) -> str:
    return url.rstrip("/")


class BridgeClient:
    """Signs and sends this node's requests to other nodes."""

    def __init__(
        self,
        node_id: str,
        secret: Callable[[], str],
        *,
        own_url: Callable[[], str] = lambda: "",
        connect_timeout: float = 3.0,
        transfer_timeout: float = 60.0,
        maxsize: int = 8,
    ) -> None:
        self.node_id = node_id
        self._secret = secret
        self._own_url = own_url
        self.connect_timeout = connect_timeout
        self.transfer_timeout = transfer_timeout
        self.pool = urllib3.PoolManager(
            num_pools=64,
            maxsize=maxsize,
            block=False,
            retries=False,
            socket_options=SOCKET_OPTIONS,
        )
        self.pool.pool_classes_by_scheme = {
            **self.pool.pool_classes_by_scheme,
            "http": _Pool,
        }
        self._keys: dict[tuple[str, str], bytes] = {}
        self.peers: dict[str, str] = {}
        """Known URL → node id of the node there (who to sign requests for)."""

    # -- who is where --------------------------------------------------------

    def know(self, url: str, node_id: str) -> None:
        """Remember that ``node_id`` answers at ``url``."""
        self.peers[normalize_url(url)] = node_id

    def peer_at(self, url: str) -> str:
        """The node id at ``url``: known, or asked once (``GET /mailbox/v1/hello``)."""
        key = normalize_url(url)
        found = self.peers.get(key)
        if found:
            return found
        r = self._send("GET", key + "/mailbox/v1/hello", b"", {}, self._timeout(5.0), True)
        if r.status != 200:
            raise RemoteError(
                "bridge.hello",
                f"{url} does not look like a UKM node (HTTP {r.status})",
                status=r.status,
                url=url,
            )
        try:
            node = str(json.loads(r.data)["node"])
        except (ValueError, KeyError, TypeError):
            raise RemoteError("bridge.hello", f"{url} sent a bad hello", url=url) from None
        self.peers[key] = node
        return node

    def key_for(self, receiver: str) -> bytes:
        secret = self._secret()
        cached = self._keys.get((secret, receiver))
        if cached is None:
            cached = self._keys[(secret, receiver)] = peer_key(secret, receiver)
        return cached

    # -- requests --------------------------------------------------------------

    def _timeout(self, read: float | None) -> urllib3.Timeout:
        read = self.transfer_timeout if read is None else read
        return urllib3.Timeout(connect=min(self.connect_timeout, read), read=read)

    def request(
        self,
        method: str,
        url: str,
        path: str,
        *,
        peer: str | None = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        stream: bool = False,
    ) -> Response:
        """A signed request to ``url + path`` (``path`` may carry a query).

        Raises ``PeerUnreachable`` when no connection can be made or it
        breaks, ``AskTimeout`` when the peer is silent for ``timeout``
        seconds (default ``transfer_timeout``). With ``stream=True`` the body
        is left unread (``r.stream()``; call ``r.release_conn()`` after).
        """
        base = normalize_url(url)
        receiver = peer or self.peer_at(base)
        raw_path, sep, query = path.partition("?")
        target = unquote(raw_path) + sep + query
        hdrs = sign(self.key_for(receiver), self.node_id, method, target, body)
        hdrs[H_VERSION] = __version__
        own = self._own_url()
        if own:
            hdrs[H_URL] = own
        if headers:
            hdrs.update(headers)
        return self._send(method, base + path, body, hdrs, self._timeout(timeout), not stream)

    def get_plain(self, url: str, path: str, timeout: float) -> Response:
        """An unsigned GET of a public path (``/health``): the same errors as ``request``."""
        return self._send("GET", normalize_url(url) + path, b"", {}, self._timeout(timeout), True)

    def _send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        timeout: urllib3.Timeout,
        preload: bool,
    ) -> Response:
        where = _origin(url)
        try:
            return self.pool.request(
                method,
                url,
                body=body if body or method in ("POST", "PUT") else None,
                headers=headers,
                timeout=timeout,
                retries=False,
                redirect=False,
                preload_content=preload,
            )
        except ReadTimeoutError:
            raise AskTimeout(
                where, f"{method} {urlsplit(url).path}", float(timeout.read_timeout or 0)
            ) from None
        except (ConnectTimeoutError, NewConnectionError) as exc:
            raise PeerUnreachable(where, _reason(exc)) from None
        except HTTPError as exc:
            raise PeerUnreachable(where, _reason(exc)) from None
        except OSError as exc:
            raise PeerUnreachable(where, str(exc)) from None

    # -- asks ------------------------------------------------------------------

    def ask(
        self,
        url: str,
        name: str,
        message: dict[str, Any],
        timeout: float = 5.0,
        *,
        peer: str | None = None,
    ) -> Any:
        """Ask ``name`` at ``url``; the reply, or ``PeerUnreachable`` / ``AskTimeout`` /
        ``RemoteError`` (the remote's own code and message)."""
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            r = self.request(
                "POST",
                url,
                f"/mailbox/v1/ask/{name}",
                peer=peer,
                body=body,
                headers={"Content-Type": "application/json"},
                timeout=timeout,
            )
        except AskTimeout:
            raise AskTimeout(normalize_url(url), f"ask {name!r}", timeout) from None
        return parse_reply(r, url, name)

    def close(self) -> None:
        """Close every pooled connection (urllib3's ``clear()`` only forgets them)."""
        close_pools(self.pool)


def close_pools(manager: urllib3.PoolManager) -> None:
    """Close the idle connections of every pool of ``manager`` and forget the pools."""
    pools = [manager.pools[key] for key in list(manager.pools.keys())]
    manager.clear()
    for pool in pools:
        pool.close()


def parse_reply(r: Response, url: str, name: str) -> Any:
    """The reply of an ask response, or the ``RemoteError`` it carries."""
    try:
        data = json.loads(r.data) if r.data else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        if data.get("ok") is True and r.status == 200:
            return data.get("reply")
        err = data.get("error") if data.get("ok") is False else data
        if isinstance(err, dict) and err.get("code"):
            hint = err.get("hint")
            raise RemoteError(
                str(err["code"]),
                from_wire(err.get("message_text"), str(err.get("message", ""))),
                from_wire(err.get("hint_text"), hint) if isinstance(hint, str) else None,
                status=r.status,
                url=url,
            )
    raise RemoteError(
        f"http.{r.status}",
        f"{normalize_url(url)} answered ask {name!r} with HTTP {r.status}: {r.data[:200]!r}",
        status=r.status,
        url=url,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "reason", None) or exc.__context__ or exc
    text = str(inner)
    if "Connection refused" in text:
        return "connection refused (is the node running?)"
    return f"{type(inner).__name__}: {text}"[:300]


class Asker(Protocol):
    def ask(
        self,
        url: str,
        name: str,
        message: dict[str, Any],
        timeout: float | None = None,
        *,
        peer: str | None = None,
    ) -> Any: ...


class RemoteRef:
    """A named handler on another node, asked over the bridge.

    ``RemoteRef(server_url, "receipts.lookup", bridge).ask({...}, timeout=2)``
    """

    def __init__(
        self, node_url: str, actor_name: str, bridge: Asker, *, peer: str | None = None
    ) -> None:
        self.url = normalize_url(node_url)
        self.name = actor_name
        self.bridge = bridge
        self.peer = peer

    def ask(self, message: dict[str, Any], timeout: float | None = None) -> Any:
        return self.bridge.ask(self.url, self.name, message, timeout, peer=self.peer)

    def __repr__(self) -> str:
        return f"RemoteRef({self.url!r}, {self.name!r})"


__all__ = [
    "AskTimeout",
    "BridgeClient",
    "BridgeError",
    "PeerUnreachable",
    "RemoteError",
    "RemoteRef",
    "parse_reply",
]
