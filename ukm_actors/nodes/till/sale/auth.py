"""Who is at the till, and what they may do.

One cashier is logged in at a time (by code and password, or by card).
Rights are read from the server's cashier directory on every check, so a
right taken away on the server stops working at the next operation. A
right the cashier lacks can be granted for one operation by a supervisor:
any request may carry ``{"supervisor": {"code", "password"}}``; the
supervisor needs the ``supervisor`` right and the right asked for. The
login is not kept across a restart: after a power loss the cashier logs in
again (the open receipt is kept).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ukm_actors.domain.passwords import verify_password
from ukm_actors.domain.rights import Right
from ukm_actors.i18n import _
from ukm_actors.nodes.till.catalog.public import CashierRecord, TillCatalog
from ukm_actors.nodes.till.sale.errors import (
    BadRequest,
    LoginFailed,
    NotLoggedIn,
    RightMissing,
    missing_right,
)
from ukm_actors.nodes.till.sale.logins import CashierGuard, request_address

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cashier:
    """A logged-in cashier: code, name, rights."""

    code: str
    name: str
    rights: frozenset[Right]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "rights": sorted(r.value for r in self.rights),
        }


@dataclass(frozen=True)
class Grant:
    """Permission for one operation: the cashier, and the supervisor who confirmed it, if any."""

    cashier: Cashier
    supervisor: Cashier | None = None

    @property
    def supervisor_code(self) -> str | None:
        return self.supervisor.code if self.supervisor else None


def _cashier(rec: CashierRecord) -> Cashier:
    return Cashier(rec.code, rec.name or rec.code, rec.rights)


class TillAuth:
    """Login state and rights checks of one till (``ctx.services.auth``)."""

    def __init__(self, catalog: TillCatalog, guard: CashierGuard | None = None) -> None:
        self.catalog = catalog
        self.guard = guard or CashierGuard()
        self._code: str | None = None
        self._locked_by: str | None = None

    def login(
        self, code: str | None = None, password: str | None = None, card: str | None = None
    ) -> Cashier:
        """Log a cashier in; raises ``LoginFailed`` with a message for the cashier."""
        if card:
            address = request_address()
            self.guard.check(None, "", address)
            rec = self.catalog.cashier_by_card(card)
            if rec is None:
                self.guard.failed(None, "", address)
                raise LoginFailed(_("this card does not belong to any cashier of this store"))
        elif code:
            rec = self._check_password(code, password or "")
        else:
            raise BadRequest(_("give the cashier code and password, or the cashier's card"))
        if not rec.enabled:
            raise LoginFailed(
                _(
                    "cashier {code} ({name}) is disabled; ask the store administrator",
                    code=rec.code,
                    name=rec.name,
                ),
                code="auth.disabled",
            )
        self._code = rec.code
        self._locked_by = None
        log.info("cashier %s logged in", rec.code)
        return _cashier(rec)

    def _check_password(self, code: str, password: str) -> CashierRecord:
        """The cashier ``code`` if ``password`` is theirs; every check is throttled
        (``logins.CashierGuard``), a wrong one counted and logged."""
        address = request_address()
        rec = self.catalog.cashier(code)
        stored = (rec.password_hash if rec is not None else "") or ""
        self.guard.check(code, stored, address)
        if rec is None or not stored or not verify_password(password, stored):
            self.guard.failed(code, stored, address)
            raise LoginFailed(_("wrong cashier code or password; try again"))
        self.guard.succeeded(code, address)
        return rec

    def unlock(self, code: str, supervisor: Any) -> Cashier:
        """Lift the lock of cashier ``code`` after failed logins; a supervisor confirms.
        Returns the supervisor."""
        sup = self.confirm(Right.SUPERVISOR, supervisor)
        if not self.guard.unlock(code):
            raise BadRequest(
                _("cashier {code} has no failed logins to forget", code=code),
                code="auth.not_locked",
            )
        log.warning("supervisor %s unlocked cashier %s", sup.code, code)
        return sup

    def logout(self) -> None:
        """Nobody is logged in any more."""
        self._code = None
        self._locked_by = None

    def lock(self) -> Cashier:
        """The cashier steps away: nobody may work until a cashier logs in again."""
        cashier = self.require_login()
        self._code = None
        self._locked_by = cashier.code
        log.info("cashier %s locked the till", cashier.code)
        return cashier

    def locked_by(self) -> Cashier | None:
        """Who locked the till (shown on the lock screen), while nobody is logged in."""
        if self._code is not None or self._locked_by is None:
            return None
        rec = self.catalog.cashier(self._locked_by)
        return _cashier(rec) if rec is not None else None

    def current(self) -> Cashier | None:
        """The logged-in cashier with today's rights, or None."""
        if self._code is None:
            return None
        rec = self.catalog.cashier(self._code)
        if rec is None or not rec.enabled:
            log.warning("cashier %s is no longer in the directory or disabled", self._code)
            self._code = None
            return None
        return _cashier(rec)

    def require_login(self) -> Cashier:
        """The logged-in cashier, or ``NotLoggedIn``."""
        cashier = self.current()
        if cashier is None:
            raise NotLoggedIn(_("no cashier is logged in; log in first"))
        return cashier

    def authorize(self, right: Right | None, supervisor: Any = None) -> Grant:
        """Permission for an operation needing ``right``, or ``RightMissing``.

        ``supervisor`` is the request's ``{"code", "password"}`` confirmation.
        """
        cashier = self.require_login()
        if right is None or right in cashier.rights:
            return Grant(cashier)
        if not supervisor:
            raise missing_right(f"{cashier.code} ({cashier.name})", right)
        return Grant(cashier, self.confirm(right, supervisor))

    def confirm(self, right: Right, supervisor: Any) -> Cashier:
        """The supervisor confirming ``right``, after checking the code and password."""
        if not isinstance(supervisor, Mapping) or not supervisor.get("code"):
            raise BadRequest(_('a supervisor confirmation is {"code": ..., "password": ...}'))
        rec = self._check_password(str(supervisor["code"]), str(supervisor.get("password", "")))
        sup = _cashier(rec)
        if not rec.enabled or Right.SUPERVISOR not in sup.rights or right not in sup.rights:
            raise RightMissing(
                _(
                    "{code} ({name}) cannot confirm this: a supervisor needs the rights "
                    "'supervisor' and '{value}' ({action})",
                    code=sup.code,
                    name=sup.name,
                    value=right.value,
                    action=right.action,
                ),
                code="rights.missing",
                right=right,
            )
        log.info("supervisor %s confirmed %s", sup.code, right.value)
        return sup
