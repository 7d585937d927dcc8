"""``ServerSet``: the cash servers of a cluster, as one client node sees them.

A till, an integration or price-checker module and the marketing server may
know several cash servers (``[bridge] server_urls``). Each prefers one of
them by a stable hash of its own node id (``preferred_index``), so a chain's
tills spread evenly over the servers, and every restart of a node picks the
same one. The others follow in a fixed order (the preferred one's
successors, wrapping around).

Every user of the set (the push sender, the pull fetcher, asks, the key
refresher) asks ``current()`` for the server to use and reports what
happened: ``failed(url, why)`` after a connection error, a timeout or a 5xx
(the set moves on to the next server, for every user at once), ``ok(url)``
after an answer. After ``failback`` seconds away from the preferred server,
``current()`` starts a check of it in the background (``check``: the node's
``GET /health``, ``server_health``) and keeps offering the
server in use meanwhile; the set goes back to the preferred server when the
check finds it fit, and waits ``failback`` seconds more when not. So a
server that hangs (SIGSTOP, swapping) or answers 503 costs a node one
failure, not one timeout per ``failback`` period. Without ``check`` (unit
tests) the preferred server is offered again directly.

Documents stay exactly-once whichever server gets them: the servers share
one database, where each channel's last applied seq is locked for the
applying transaction (``bridge.inbox``), and the document lists, ETags and
acknowledgements a till downloads are the same on every server.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import gevent

from ukm_actors.bridge.client import BridgeClient, Response, normalize_url
from ukm_actors.bridge.errors import AskTimeout, BridgeError, PeerUnreachable, RemoteError
from ukm_actors.bridge.keys import SERVER_ID
from ukm_actors.isotime import iso_utc

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
"""Answers that mean "this server cannot serve now" (nothing was done): another may."""

NO_SERVER = "no cash server is set ([bridge] server_urls or server_url)"

HEALTH_TIMEOUT = 5.0
"""Seconds a cash server has to answer ``/health`` before a node goes back to it."""


def preferred_index(node_id: str, n: int) -> int:
    """The index of ``node_id``'s preferred server among ``n`` (stable across restarts
    and machines: a SHA-256 of the id, not Python's salted ``hash``)."""
    if n <= 1:
        return 0
    digest = hashlib.sha256(node_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


def server_health(client: BridgeClient, url: str, timeout: float = HEALTH_TIMEOUT) -> str | None:
    """None when the cash server at ``url`` answers ``GET /health`` with 200 within
    ``timeout`` seconds (fit to serve: its database answers, its actors run), else why
    not. HAProxy checks the servers the same way (deploy/haproxy/haproxy.cfg)."""
    try:
        r = client.get_plain(url, "/health", timeout)
    except BridgeError as exc:
        return str(exc)
    return None if r.status == 200 else f"/health answered HTTP {r.status}"


def is_server_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the server is down or broken (try another), not that
    it refused what was asked."""
    if isinstance(exc, PeerUnreachable | AskTimeout):
        return True
    return isinstance(exc, RemoteError) and exc.status >= 500


class ServerSet:
    """The cash servers this node may use, in its order of preference."""

    def __init__(
        self,
        urls: list[str],
        node_id: str,
        *,
        failback: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        check: Callable[[str], str | None] | None = None,
        spawn: Callable[[Callable[[], None]], object] = gevent.spawn,
    ) -> None:
        clean = [normalize_url(u) for u in urls if u and u.strip()]
        unique = list(dict.fromkeys(clean))
        first = preferred_index(node_id, len(unique))
        self.urls: list[str] = unique[first:] + unique[:first]
        """Preferred first, then the fallbacks in order."""
        self.failback = failback
        self._clock = clock
        self._index = 0
        self._away_since = 0.0
        self.switches = 0
        self.last_failure: dict[str, tuple[float, str]] = {}
        """url → (unix time, reason) of its latest failure."""
        self.check = check
        """Asked in the background before going back to the preferred server: None when
        that server is fit to serve, else why not."""
        self.checks = 0
        """How many checks of the preferred server have finished."""
        self._spawn = spawn
        self._checking = False

    def __bool__(self) -> bool:
        return bool(self.urls)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and normalize_url(url) in self.urls

    def __len__(self) -> int:
        return len(self.urls)

    @property
    def preferred(self) -> str:
        return self.urls[0] if self.urls else ""

    def current(self) -> str:
        """The server to use now ("" when none is configured)."""
        if not self.urls:
            return ""
        if self._index and self._clock() - self._away_since >= self.failback:
            if self.check is None:
                log.info("trying the preferred cash server %s again", self.urls[0])
                self._index = 0
            elif not self._checking:
                self._checking = True
                self._spawn(self._check_preferred)
        return self.urls[self._index]

    def _check_preferred(self) -> None:
        """Go back to the preferred server if ``check`` finds it fit; else wait again."""
        url = self.urls[0]
        try:
            assert self.check is not None
            why = self.check(url)
        except Exception as exc:  # noqa: BLE001 - a failed check is a reason to stay away
            why = f"{type(exc).__name__}: {exc}"
        finally:
            self.checks += 1
            self._checking = False
        if why is None:
            if self._index:
                log.info("the preferred cash server %s answers again: using it", url)
                self._index = 0
            return
        self.last_failure[url] = (time.time(), f"health check: {why}"[:300])
        if self._index:
            self._away_since = self._clock()

    def failed(self, url: str, why: str = "") -> bool:
        """``url`` failed; move on if it is the current one. True when the next
        call goes to another server than ``url``."""
        url = normalize_url(url)
        self.last_failure[url] = (time.time(), why[:300])
        if len(self.urls) < 2 or url not in self.urls:
            return False
        if self.urls[self._index] != url:
            return True  # someone else has moved on already
        self._index = (self._index + 1) % len(self.urls)
        if self._index:
            self._away_since = self._clock()
        self.switches += 1
        log.warning(
            "cash server %s failed (%s); using %s", url, why or "error", self.urls[self._index]
        )
        return True

    def ok(self, url: str) -> None:
        """``url`` answered (nothing to change: a success does not move the set)."""

    def status(self) -> dict[str, Any]:
        """For ``/status``: the servers in order, which one is in use, recent failures."""
        current = self.urls[self._index] if self.urls else ""
        return {
            "servers": [
                {
                    "url": u,
                    "preferred": i == 0,
                    "current": u == current,
                    **(
                        {
                            "last_failure": iso_utc(self.last_failure[u][0], z=True),
                            "reason": self.last_failure[u][1],
                        }
                        if u in self.last_failure
                        else {}
                    ),
                }
                for i, u in enumerate(self.urls)
            ],
            "switches": self.switches,
            "checks": self.checks,
        }


def ask_any(
    client: BridgeClient, servers: ServerSet, name: str, message: dict[str, Any], timeout: float
) -> Any:
    """Ask ``name`` of the server in use; on to the next when it cannot be reached or
    answers 502/503/504 (nothing was done). A timeout moves later asks on but is
    raised: the deadline is spent, and the server may have acted."""
    last: Exception | None = None
    for _ in range(len(servers)):
        target = servers.current()
        try:
            return client.ask(target, name, message, timeout, peer=SERVER_ID)
        except PeerUnreachable as exc:
            servers.failed(target, str(exc))
            last = exc
        except AskTimeout as exc:
            servers.failed(target, str(exc))
            raise
        except RemoteError as exc:
            if exc.status not in RETRY_STATUSES:
                raise
            servers.failed(target, str(exc))
            last = exc
    if last is None:
        raise PeerUnreachable("(no server)", NO_SERVER)
    raise last


def request_any(
    client: BridgeClient, servers: ServerSet, method: str, path: str, **kwargs: Any
) -> Response:
    """A signed request (safe to repeat) to the server in use, on to the next on a
    connection error, a timeout or a 5xx; the last server's answer otherwise."""
    last: Exception | None = None
    for i in range(len(servers)):
        target = servers.current()
        try:
            r = client.request(method, target, path, peer=SERVER_ID, **kwargs)
        except (PeerUnreachable, AskTimeout) as exc:
            servers.failed(target, str(exc))
            last = exc
            continue
        if r.status < 500 or i == len(servers) - 1:
            return r
        servers.failed(target, f"HTTP {r.status}")
    if last is None:
        raise PeerUnreachable("(no server)", NO_SERVER)
    raise last
