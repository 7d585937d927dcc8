"""What a cashier may do at the till.

Rights come from the cashier's role on the cash server and reach the till
as a list of names. ``supervisor`` means the cashier may confirm an
operation for another cashier who lacks the right (a senior cashier's
key or card at the till).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from ukm_actors.errors import UkmError
from ukm_actors.i18n import _


class Right(StrEnum):
    """One permission of a cashier; the value is its name in settings and exchange."""

    SELL = "sell"
    VOID_LINE = "void_line"
    CANCEL_RECEIPT = "cancel_receipt"
    RETURN = "return"
    RETURN_WITHOUT_RECEIPT = "return_without_receipt"
    CASH_IN = "cash_in"
    CASH_OUT = "cash_out"
    OPEN_SHIFT = "open_shift"
    CLOSE_SHIFT = "close_shift"
    X_REPORT = "x_report"
    REPRINT = "reprint"
    DISCOUNT_MANUAL = "discount_manual"
    SUPERVISOR = "supervisor"

    @property
    def label(self) -> str:
        """A short English label for screens and reports, e.g. ``"Void a line"``."""
        action = _ACTIONS[self]
        return action[0].upper() + action[1:]

    @property
    def action(self) -> str:
        """What the right allows, as a phrase that follows "no right to"."""
        return _ACTIONS[self]


_ACTIONS: dict[Right, str] = {
    Right.SELL: _("sell"),
    Right.VOID_LINE: _("void a line"),
    Right.CANCEL_RECEIPT: _("cancel a receipt"),
    Right.RETURN: _("accept a return against a receipt"),
    Right.RETURN_WITHOUT_RECEIPT: _("accept a return without a receipt"),
    Right.CASH_IN: _("put cash into the drawer (cash in)"),
    Right.CASH_OUT: _("take cash out of the drawer (cash out)"),
    Right.OPEN_SHIFT: _("open a shift"),
    Right.CLOSE_SHIFT: _("close a shift (Z report)"),
    Right.X_REPORT: _("print an X report"),
    Right.REPRINT: _("reprint a receipt"),
    Right.DISCOUNT_MANUAL: _("give a manual discount"),
    Right.SUPERVISOR: _("confirm operations for other cashiers"),
}

ALL_RIGHTS: frozenset[Right] = frozenset(Right)
"""Every right there is (an administrator's role)."""

_CASHIER = (
    Right.SELL,
    Right.OPEN_SHIFT,
    Right.CLOSE_SHIFT,
    Right.X_REPORT,
    Right.CASH_IN,
    Right.REPRINT,
)
_SENIOR = (
    *_CASHIER,
    Right.VOID_LINE,
    Right.CANCEL_RECEIPT,
    Right.RETURN,
    Right.CASH_OUT,
    Right.DISCOUNT_MANUAL,
    Right.SUPERVISOR,
)

DEFAULT_ROLES: dict[int, tuple[str, frozenset[Right]]] = {
    1: ("Кассир", frozenset(_CASHIER)),
    2: ("Старший кассир", frozenset(_SENIOR)),
    13: ("Администратор магазина", ALL_RIGHTS),
}
"""The roles ``storeCashiers`` files refer to by ``roleId``: a new cash server seeds them
(employees may change them there); a till that reads the files itself uses them as they are."""


class RightsError(UkmError):
    """An unknown right name (``rights.unknown``) or a missing right (``rights.missing``)."""

    code = "rights.missing"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        right: Right | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.right = right


def parse_rights(names: Iterable[str]) -> frozenset[Right]:
    """Turn right names (``"void_line"``; blanks and case ignored) into rights.

    An unknown name raises ``RightsError`` with code ``rights.unknown`` and
    the list of names that exist.
    """
    out: set[Right] = set()
    for raw in names:
        name = raw.strip().lower()
        try:
            out.add(Right(name))
        except ValueError:
            allowed = ", ".join(r.value for r in Right)
            raise RightsError(
                _(
                    "unknown cashier right {raw!r}; known rights are: {allowed}",
                    raw=raw,
                    allowed=allowed,
                ),
                code="rights.unknown",
            ) from None
    return frozenset(out)


def has_right(rights: frozenset[Right], right: Right) -> bool:
    """True when ``right`` is among ``rights``."""
    return right in rights


def require(rights: frozenset[Right], right: Right, who: str) -> None:
    """Return if ``who`` holds ``right``; otherwise raise ``RightsError`` (``rights.missing``).

    The message is meant to be shown to the cashier as it is.
    """
    if right in rights:
        return
    if right is Right.SUPERVISOR:
        todo = _("call a senior cashier or the store administrator")
    else:
        todo = _("ask a supervisor to confirm")
    raise RightsError(
        _(
            "Cashier {who} has no right to {action}; {todo}",
            who=who,
            action=right.action,
            todo=todo,
        ),
        code="rights.missing",
        right=right,
    )
