"""``TenderBook``: the payments of the open receipt, as the ``SaleSession`` records them.

The session holds one, reachable through its proxy (``sale.tenders``, a
``pykka.traversable``), so these run in the session's actor between its
other messages. The ``PaymentDesk`` asks for them: ``take_cash`` records
cash at once; ``begin`` writes a tender as "pending" before a device or the
marketing server is asked, ``complete`` / ``fail`` record the outcome;
``resolve`` is the cashier's verdict on an unknown one; ``reverse`` takes an
approved one back. A receipt whose approved payments cover it is closed at
once (``ReceiptCloser``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pykka.typing import proxy_method

from ukm_actors.db import Database
from ukm_actors.domain.receipt import Payment, add_payment, remove_payment
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.closer import ReceiptCloser
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import Closed, OpenReceipt, Paid, SaleView, Tender
from ukm_actors.nodes.till.sale.pricing import Repricer
from ukm_actors.nodes.till.sale.registrar import ReceiptRegistrar
from ukm_actors.nodes.till.sale.repo import insert_tender, save_lines, update_tender
from ukm_actors.nodes.till.sale.state import SaleState, require_unlocked


class TenderBook:
    """Records the open receipt's payments (see the module doc)."""

    def __init__(
        self,
        state: SaleState,
        db: Database,
        env: SaleEnv,
        repricer: Repricer,
        registrar: ReceiptRegistrar,
        closer: ReceiptCloser,
    ) -> None:
        self.state = state
        self.db = db
        self.env = env
        self.repricer = repricer
        self.registrar = registrar
        self.closer = closer

    def _utc(self) -> str:
        return self.env.utc(self.env.now())

    def _prepare_payment(self, r: OpenReceipt) -> OpenReceipt:
        require_unlocked(r)
        if r.receipt.payments or r.kind == "return":
            return r
        new = self.repricer.reprice(r)
        if new.receipt != r.receipt:
            with self.db.write() as s:
                save_lines(s, r.id, r.receipt, new.receipt)
            self.state.current = new
        return new

    def _paid(self, tender: Tender, closed: Closed | None) -> Paid:
        if closed is not None:
            return Paid(payment=tender, closed=closed, receipt=None)
        r = self.state.require()
        return Paid(payment=tender, closed=None, receipt=r, fiscal_error=self.registrar.error)

    def take_cash(self, grant: Grant, amount: int) -> Paid:
        """Take (or, on a return, give back) cash; closes the receipt when it is covered."""
        r = self._prepare_payment(self.state.require())
        receipt = add_payment(
            r.receipt, Payment("cash", amount), max_change=self.env.settings.max_change
        )
        with self.db.write() as s:
            tender = insert_tender(
                s, r.id, self._utc(), state="approved", type="cash", amount=amount
            )
        self.state.current = replace(r, receipt=receipt, tenders=(*r.tenders, tender))
        return self._paid(tender, self.closer.close_if_paid())

    def begin(
        self,
        grant: Grant,
        type_: str,
        amount: int,
        rrn: str | None = None,
        reference: str | None = None,
    ) -> dict[str, Any]:
        """Record a tender about to be sent to a device or service; returns what to send."""
        r = self._prepare_payment(self.state.require())
        add_payment(r.receipt, Payment(type_, amount, rrn, None, reference))
        terminal_ref = f"{self.env.store}-{self.env.till}-{r.shift_num}-{r.number}"
        with self.db.write() as s:
            tender = insert_tender(
                s,
                r.id,
                self._utc(),
                state="pending",
                type=type_,
                amount=amount,
                rrn=rrn,
                reference=reference,
                terminal_ref=terminal_ref,
            )
        self.state.current = replace(r, tenders=(*r.tenders, tender))
        return {
            "tender": tender.id,
            "receipt_id": r.id,
            "ref": terminal_ref,
            "refund": r.kind == "return",
            "type": type_,
            "amount": amount,
            "rrn": rrn,
            "reference": reference,
        }

    def _live_tender(self, tender_id: int) -> tuple[OpenReceipt, Tender]:
        r = self.state.current
        t = r.tender(tender_id) if r is not None else None
        if r is None or t is None:
            raise SaleError(
                _("payment {tender_id} is not on the open receipt", tender_id=tender_id),
                code="sale.payment_unknown",
            )
        if t.state not in ("pending", "unknown"):
            raise SaleError(
                _("payment {tender_id} is already {state}", tender_id=tender_id, state=t.state),
                code="sale.payment_settled",
            )
        return r, t

    def complete(
        self,
        tender_id: int,
        *,
        rrn: str | None = None,
        card_mask: str | None = None,
        auth_code: str | None = None,
        reference: str | None = None,
        amount: int | None = None,
    ) -> Paid:
        """The device approved the tender: it counts now; closes the receipt when covered."""
        r, t = self._live_tender(tender_id)
        paid = amount if amount is not None else t.amount
        if r.kind == "return" and t.type == "card" and t.rrn and not reference:
            reference = t.rrn  # a card refund keeps the rrn of the payment it gives back
        payment = Payment(t.type, paid, rrn or t.rrn, card_mask, reference or t.reference)
        receipt = add_payment(r.receipt, payment)
        with self.db.write() as s:
            tender = update_tender(
                s,
                tender_id,
                self._utc(),
                state="approved",
                amount=paid,
                rrn=payment.rrn,
                card_mask=card_mask,
                auth_code=auth_code,
                reference=payment.reference,
                message="approved",
            )
        tenders = tuple(tender if x.id == tender_id else x for x in r.tenders)
        self.state.current = replace(r, receipt=receipt, tenders=tenders)
        return self._paid(tender, self.closer.close_if_paid())

    def fail(self, tender_id: int, state: str, message: str) -> Tender:
        """The tender did not go through (``declined``, ``failed``), or its outcome is unknown."""
        r, _t = self._live_tender(tender_id)
        with self.db.write() as s:
            tender = update_tender(s, tender_id, self._utc(), state=state, message=message)
        self.state.current = replace(
            r, tenders=tuple(tender if x.id == tender_id else x for x in r.tenders)
        )
        return tender

    def resolve(
        self, grant: Grant, tender_id: int, approved: bool, rrn: str | None, card_mask: str | None
    ) -> Paid:
        """The cashier looked at the terminal: the unknown tender was approved, or was not."""
        _r, t = self._live_tender(tender_id)
        if t.state != "unknown":
            raise SaleError(
                _(
                    "payment {tender_id} is still waiting for the terminal; wait or cancel it",
                    tender_id=tender_id,
                ),
                code="sale.payment_in_progress",
            )
        if approved:
            if t.type == "card" and not rrn:
                raise SaleError(
                    _("give the rrn printed on the terminal's slip"), code="request.invalid"
                )
            return self.complete(tender_id, rrn=rrn, card_mask=card_mask)
        self.fail(
            tender_id, "declined", _("not approved (checked by {code})", code=grant.cashier.code)
        )
        return self._paid(self.state.require().tender(tender_id) or t, None)

    def reverse(self, tender_id: int, message: str) -> SaleView:
        """An approved tender was given back (refund, void): it stops counting."""
        r = self.state.require()
        approved = r.approved
        index = next((i for i, t in enumerate(approved) if t.id == tender_id), None)
        if index is None:
            raise SaleError(
                _(
                    "payment {tender_id} is not an approved payment of this receipt",
                    tender_id=tender_id,
                ),
                code="sale.payment_unknown",
            )
        receipt = remove_payment(r.receipt, index)
        with self.db.write() as s:
            tender = update_tender(s, tender_id, self._utc(), state="reversed", message=message)
        self.state.current = replace(
            r, receipt=receipt, tenders=tuple(tender if x.id == tender_id else x for x in r.tenders)
        )
        return self.state.view()


class TenderBookProxy:
    """``TenderBook`` through the session's proxy (``sale.tenders``): answers are futures."""

    take_cash = proxy_method(TenderBook.take_cash)
    begin = proxy_method(TenderBook.begin)
    complete = proxy_method(TenderBook.complete)
    fail = proxy_method(TenderBook.fail)
    resolve = proxy_method(TenderBook.resolve)
    reverse = proxy_method(TenderBook.reverse)
