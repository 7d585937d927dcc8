"""Errors the till's sale answers with; each message is meant for the cashier."""

from __future__ import annotations

from typing import Any

from ukm_actors.domain.rights import Right, RightsError
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _


class SaleError(UkmError):
    """An operation the till refuses now; ``code`` says which rule."""

    code = "sale.refused"
    http_status = 409


class NotLoggedIn(SaleError):
    code = "auth.required"
    http_status = 401


class LoginFailed(SaleError):
    code = "auth.failed"
    http_status = 401


class RightMissing(RightsError):
    """A cashier (and no supervisor's confirmation) lacks a right."""

    http_status = 403


class ItemNotFound(SaleError):
    code = "sale.item_unknown"
    http_status = 404


class NeedsAnswer(SaleError):
    """The line needs the cashier's answer first (age confirmation, which price).

    ``question`` is added to the JSON body, so the cashier UI can ask and
    send the same request again with the answer.
    """

    def __init__(
        self, message: str, *, code: str, question: dict[str, Any], hint: str | None = None
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.question = question

    def to_json(self) -> dict[str, Any]:  # type: ignore[override]
        body: dict[str, Any] = dict(super().to_json())
        body["question"] = self.question
        return body


class DeviceMissing(SaleError):
    """A device the operation needs is not configured, or is offline now."""

    code = "device.offline"
    http_status = 503


class DevicesChanging(SaleError):
    """No receipt opens for the few seconds the till's devices are being changed."""

    code = "till.devices_changing"
    http_status = 503


class ServerUnreachable(SaleError):
    code = "server.unreachable"
    http_status = 503


class BadRequest(SaleError):
    code = "request.invalid"
    http_status = 400


def missing_right(who: str, right: Right) -> RightMissing:
    """The error for ``who`` lacking ``right`` and no supervisor confirming it."""
    return RightMissing(
        _(
            "Cashier {who} has no right to {action}; ask a supervisor to confirm",
            who=who,
            action=right.action,
        ),
        code="rights.missing",
        right=right,
    )
