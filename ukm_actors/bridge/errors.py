"""Errors of the HTTP mailbox bridge.

Callers of ``BridgeService.ask`` see three outcomes besides a reply:
``PeerUnreachable`` (no connection, or it broke before an answer),
``AskTimeout`` (no answer within the deadline) and ``RemoteError`` (the
remote node answered with an error: its ``code``, ``message`` and ``hint``).
"""

from __future__ import annotations

from ukm_actors.errors import UkmError


class BridgeError(UkmError):
    """Base of the bridge's errors."""

    code = "bridge.error"


class PeerUnreachable(BridgeError):
    """The peer could not be reached, or the connection broke before it answered."""

    code = "bridge.unreachable"
    http_status = 503

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(
            f"cannot reach {url}: {detail}",
            hint="check that the node runs and the network between the nodes",
        )
        self.url = url


class AskTimeout(BridgeError):
    """The peer did not answer within the deadline."""

    code = "bridge.timeout"
    http_status = 504

    def __init__(self, url: str, what: str, timeout: float) -> None:
        super().__init__(
            f"{url} did not answer {what} within {timeout:g} s",
            hint="the peer is overloaded or hung; try again or check its /status",
        )
        self.url = url
        self.timeout = timeout


class RemoteError(BridgeError):
    """The remote node refused or failed the request; ``code``/``message`` are its own."""

    http_status = 502

    def __init__(
        self, code: str, message: str, hint: str | None = None, *, status: int = 0, url: str = ""
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.status = status
        self.url = url


class AuthError(BridgeError):
    """A bridge request that is not signed by a known, enabled peer (HTTP 401)."""

    code = "bridge.auth"
    http_status = 401


class Forbidden(BridgeError):
    """An authenticated peer asked for something that is not its own (HTTP 403)."""

    code = "bridge.forbidden"
    http_status = 403


class BadRequest(BridgeError):
    """A request body the bridge cannot use (empty, malformed)."""

    code = "bridge.bad_request"
    http_status = 400


class BodyTooLarge(BridgeError):
    """A request body over the configured limit (HTTP 413)."""

    code = "bridge.too_large"
    http_status = 413


class UnsupportedEncoding(BridgeError):
    """A request body in a ``Content-Encoding`` this node does not read."""

    code = "bridge.encoding"
    http_status = 415

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Accept-Encoding": "zstd"}  # RFC 7694: what this node reads
