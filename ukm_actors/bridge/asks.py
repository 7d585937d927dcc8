"""Registry of the asks a node answers (``POST /mailbox/v1/ask/{name}``).

A handler takes the decoded JSON message and the authenticated peer's node
id and returns a JSON-able reply, or raises a ``UkmError`` whose code and
message travel back to the caller as a ``RemoteError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ukm_actors.bridge.policy import SubjectOf
from ukm_actors.errors import UkmError

AskHandler = Callable[[dict[str, Any], str], Any]


class UnknownAsk(UkmError):
    code = "bridge.unknown_ask"
    http_status = 404


class AskHandlers:
    """Ask name → handler."""

    def __init__(self) -> None:
        self._handlers: dict[str, AskHandler] = {}
        self._subjects: dict[str, SubjectOf] = {}

    def register(self, name: str, handler: AskHandler, subject: SubjectOf | None = None) -> None:
        """``subject(message)``: the stores (and node) an ask is about, for the
        authorisation table's store scope (``bridge/policy.py``)."""
        if name in self._handlers:
            raise ValueError(f"an ask handler for {name!r} is already registered")
        self._handlers[name] = handler
        if subject is not None:
            self._subjects[name] = subject

    def subject_of(self, name: str) -> SubjectOf | None:
        return self._subjects.get(name)

    def get(self, name: str) -> AskHandler:
        handler = self._handlers.get(name)
        if handler is None:
            raise UnknownAsk(
                f"this node does not answer {name!r}",
                hint=f"it answers: {', '.join(sorted(self._handlers)) or 'nothing'}",
            )
        return handler

    def names(self) -> list[str]:
        return sorted(self._handlers)
