"""``ReceiptRegistrar``: the sale session's side of the fiscal register.

``SaleSession`` holds one (composition): before a paid receipt closes the
registrar registers it (``register``) and, in the session's closing
transaction, marks the register's request done (``committed``). A refusal
is kept (``error``: code, message, hint) for the receipt view and the
cashier's "register again". After a restart a paid receipt left
unregistered is settled in the background (``settle_later``): the session's
``retry_fiscal`` is called through the actor until the register answers.
A receipt the register may have registered (a request still pending)
cannot be cancelled (``refuse_cancel``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent

from ukm_actors.hw.fiscal import FiscalResult
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.closing import fiscal_json
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.fiscal import FiscalDesk
from ukm_actors.nodes.till.sale.model import OpenReceipt

log = logging.getLogger(__name__)

SETTLE_EVERY = 1.0
SETTLE_ATTEMPTS = 300
WAITING = ("fiscal.unknown", "fiscal.offline", "device.offline", "device.timeout")
"""Refusals that may pass by themselves: the background settling keeps trying."""


def keep_trying(retry: Callable[[], bool]) -> gevent.Greenlet:
    """Call ``retry`` every second (``SETTLE_ATTEMPTS`` times at most) until it answers True:
    an actor settling what the register did while it was down (``retry`` goes through the
    actor's proxy, so it runs between the actor's other messages)."""
    return gevent.spawn(_keep_trying, retry)


def _keep_trying(retry: Callable[[], bool]) -> None:
    for _attempt in range(SETTLE_ATTEMPTS):
        gevent.sleep(SETTLE_EVERY)
        try:
            if retry():
                return
        except Exception:  # noqa: BLE001 - the actor is stopping
            return


@dataclass(frozen=True)
class Registered:
    """A receipt the register registered: the request to mark done, its fiscal data."""

    request_id: str
    result: FiscalResult
    fiscal: dict[str, Any]
    """``fiscal_json``: stored on the receipt, printed, sent to the server."""


class ReceiptRegistrar:
    """Registers the session's paid receipts; see the module doc."""

    def __init__(self, desk: FiscalDesk) -> None:
        self.desk = desk
        self.error: dict[str, Any] | None = None
        self._settler: gevent.Greenlet | None = None

    @property
    def enabled(self) -> bool:
        return self.desk.enabled

    def register(self, r: OpenReceipt) -> Registered | None:
        """Register ``r`` (or find it registered); None without a register.

        Raises ``SaleError`` (``fiscal.*``), also kept in ``error``: the receipt stays open.
        """
        if not self.desk.enabled:
            return None
        self.error = None
        try:
            request_id, result = self.desk.register_receipt(r)
        except SaleError as exc:
            self.error = {"code": exc.code, "message": exc.message, "hint": exc.hint}
            raise
        return Registered(request_id, result, fiscal_json(result, r.kind))

    def new_register_shift(self, r: OpenReceipt, operator: str) -> None:
        """Before registering the paid ``r`` again: the register's shift is over 24 h, so it
        is closed (Z report) and a new one opened; the till's own shift stays open (54-ФЗ:
        the receipt is registered in the register's new shift, docs/till-api.md)."""
        if not self.desk.enabled:
            raise SaleError(
                _("no fiscal register is configured at this till"), code="fiscal.not_configured"
            )
        try:
            number = self.desk.renew_shift(operator, r.shift_id)
        except SaleError as exc:
            self.error = {"code": exc.code, "message": exc.message, "hint": exc.hint}
            raise
        log.info("register shift %s opened to register receipt %s", number, r.id)

    def committed(self, s: Any, registered: Registered | None) -> None:
        """In the transaction that completes the receipt: its request is done."""
        if registered is not None:
            self.desk.mark(s, registered.request_id, "done", registered.result)

    def refuse_cancel(self, r: OpenReceipt) -> None:
        """Refuse to cancel ``r`` while the register may have registered it."""
        if self.desk.enabled and self.desk.pending_for(r.id):
            raise SaleError(
                _(
                    "the fiscal register may have registered this receipt; it cannot be "
                    "cancelled until the register has answered"
                ),
                code="fiscal.unknown",
                hint=_("press 'register again' once the register is on"),
            )

    def keeps_trying(self) -> bool:
        """Whether the last refusal may pass by itself (the register offline, no answer)."""
        return (self.error or {}).get("code", "") in WAITING

    # -- after a restart ------------------------------------------------------------------

    def settle_later(self, retry: Callable[[], bool]) -> None:
        """Call ``retry`` (through the session's actor) every second until it says settled."""
        self._settler = keep_trying(retry)

    def stop(self) -> None:
        if self._settler is not None:
            self._settler.kill(block=False)
            self._settler = None
