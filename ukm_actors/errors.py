"""The root of every error this system raises on purpose.

Each layer defines its own subclasses (``ConfigError``, ``ImportFormatError``,
``PeerUnreachable``, ``DeviceError``, ``RightsError`` ...). A message says what
failed, where, and what to do; ``code`` is a stable machine-readable name that
HTTP APIs put in their JSON error bodies.
"""

from __future__ import annotations


class UkmError(Exception):
    """Base class of all deliberate errors.

    ``code`` is a short stable identifier (``"rights.missing"``); ``hint`` says
    what the person reading the message should do next, when there is
    something useful to say.
    """

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message

    def to_json(self) -> dict[str, str]:
        """The error as an API body: ``{"code": ..., "message": ..., "hint": ...}``."""
        body = {"code": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        return body
