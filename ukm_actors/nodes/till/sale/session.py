"""``SaleSession``: the receipt being sold or refunded now.

One actor, one receipt at a time. Every change is one write transaction,
and the in-memory receipt changes only after it commits: a crash at any
point restarts with the receipt exactly as the database has it. On start
the actor reads the open receipt back; a tender that was still waiting for
a device becomes "unknown" (the cashier resolves it with the terminal),
and a receipt whose payments already cover it is closed.

Payments are taken by the ``PaymentDesk``; this actor records them
(``take_cash``, ``begin_tender`` / ``complete_tender`` / ``fail_tender``).
Lines are frozen while a tender is pending or unknown, and once any
payment is on the receipt (the domain rule).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any, cast

from pykka.typing import ActorMemberMixin, proxy_method

from ukm_actors.domain.receipt import (
    Receipt,
    add_line,
    set_quantity,
    tender_label,
    void_line,
)
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.busy import line_connection, line_write
from ukm_actors.nodes.till.sale.clock import zoned_text
from ukm_actors.nodes.till.sale.closing import finish_receipt
from ukm_actors.nodes.till.sale.customer import CustomerDesk
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.items import AddRequest, check_certificate, resolve_line
from ukm_actors.nodes.till.sale.model import (
    Closed,
    LineAdded,
    LineSums,
    OpenReceipt,
    SaleView,
    changed_lines,
    receipt_totals,
)
from ukm_actors.nodes.till.sale.pricing import Repricer, show_on_display, with_outcome
from ukm_actors.nodes.till.sale.registrar import ReceiptRegistrar
from ukm_actors.nodes.till.sale.repo import (
    insert_receipt,
    load_open,
    open_shift,
    save_lines,
    update_receipt,
    update_tender,
)
from ukm_actors.nodes.till.sale.returnspec import ReturnSpec, return_receipt, with_price_names
from ukm_actors.nodes.till.sale.shiftrules import require_fresh
from ukm_actors.nodes.till.sale.tables import ShiftRow
from ukm_actors.nodes.till.sale.tenders import TenderRecording
from ukm_actors.supervision import SupervisedActor

log = logging.getLogger(__name__)


class SaleSession(CustomerDesk, TenderRecording, SupervisedActor):
    """The current receipt: lines, restrictions, prices, payments recorded, closing."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = ctx.require_db()
        self.env = ctx.services["sale_env"]
        self.catalog = ctx.services["catalog"]
        self.repricer = Repricer(ctx, self.env)
        self.current: OpenReceipt | None = None
        self.question: tuple[AddRequest, dict[str, Any]] | None = None
        self.notice: str | None = None
        self.sums = LineSums()
        self.registrar = ReceiptRegistrar(ctx.services["fiscal"])

    # -- life ----------------------------------------------------------------------

    def on_start(self) -> None:
        with self.db.read() as s:
            current = load_open(s)
        if current is not None and any(t.state == "pending" for t in current.tenders):
            at = self._utc()
            with self.db.write() as s:
                for t in current.tenders:
                    if t.state == "pending":
                        update_tender(
                            s,
                            t.id,
                            at,
                            state="unknown",
                            message="the till restarted while waiting for this payment; "
                            "check the terminal and resolve it",
                        )
                current = load_open(s)
        self.current = current
        if current is not None:
            log.info("receipt %s (number %s) reopened after a restart", current.id, current.number)
            if self.registrar.enabled:
                proxy = cast(SaleSessionProxy, self.actor_ref.proxy())
                self.registrar.settle_later(lambda: bool(proxy.retry_fiscal().get(timeout=60)))
                return
            closed = self._close_if_paid()
            if closed is not None:
                self.notice = _("the receipt paid before the restart has been closed")

    def on_stop(self) -> None:
        self.registrar.stop()

    def retry_fiscal(self) -> bool:
        """Close the paid receipt if the register registers it (or had); True when settled."""
        r = self.current
        if r is None or r.live or not r.receipt.is_paid:
            return True
        if self._close_if_paid() is not None:
            self.notice = _("the receipt paid before the restart has been registered and closed")
            return True
        return not self.registrar.keeps_trying()

    def register(self, grant: Grant, new_register_shift: bool = False) -> Closed:
        """The cashier's "register again": resolve and register the paid receipt, then close
        it; with ``new_register_shift`` in a new register shift (the old one over 24 h)."""
        r = self._require()
        self._require_unlocked(r)
        if not r.receipt.is_paid:
            raise SaleError(_("the receipt is not paid yet"), code="sale.not_paid")
        if new_register_shift:
            self.registrar.new_register_shift(r, grant.cashier.name)
        return self._finish(r, "completed")

    def _utc(self) -> str:
        return str(self.env.utc(self.env.now()))

    # -- views ---------------------------------------------------------------------

    def view(self) -> SaleView:
        """The open receipt (None when there is none), the question waiting, the last notice.

        ``fiscal_error``: why the paid receipt is not registered yet (and what to do).
        """
        self.current = with_outcome(self.repricer, self.current)
        return SaleView(
            receipt=self.current,
            question=self.question[1] if self.question else None,
            notice=self.notice,
            fiscal_error=self.registrar.error if self.current else None,
        )

    def snapshot(self) -> OpenReceipt | None:
        """The open receipt as a value."""
        return self.current

    def _require(self) -> OpenReceipt:
        if self.current is None:
            raise SaleError(_("there is no open receipt"), code="sale.no_receipt")
        return self.current

    def _require_unlocked(self, r: OpenReceipt) -> None:
        live = r.live
        if not live:
            return
        t = live[0]
        if t.state == "pending":
            raise SaleError(
                _(
                    "a {type} payment of {amount:.2f} is in progress; wait for it or cancel it "
                    "on the terminal",
                    type=tender_label(t.type),
                    amount=t.amount / 100,
                ),
                code="sale.payment_in_progress",
            )
        raise SaleError(
            _(
                "the outcome of the {type} payment {id} of {amount:.2f} is unknown; check the "
                "terminal and resolve it first",
                type=tender_label(t.type),
                id=t.id,
                amount=t.amount / 100,
            ),
            code="sale.payment_unresolved",
        )

    # -- lines -----------------------------------------------------------------------

    def add(self, grant: Grant, req: AddRequest) -> LineAdded:
        """Add a line; returns it with the receipt's totals."""
        self.question = None
        r = self.current
        if r is not None:
            self._require_unlocked(r)
            if r.kind == "return":
                raise SaleError(
                    _("this is a return receipt; lines come from the original receipt"),
                    code="sale.return_open",
                )
            require_fresh(r.shift_opened_ms, self.env)
        req = replace(req, card=bool(r is not None and r.card))
        on_receipt = [ln.barcode for ln in r.receipt.lines if not ln.voided] if r else []
        check_certificate(req, self.ctx, on_receipt)
        try:
            spec = resolve_line(self.catalog, self.env, req)
        except SaleError as exc:
            question = getattr(exc, "question", None)
            if question is not None:
                self.question = (req, question)
            raise
        created = r is None
        if r is None:
            with self.db.read() as s:
                r = self._draft(open_shift(s), grant)
        receipt = add_line(
            r.receipt,
            article=spec.article,
            name=spec.name,
            quantity=spec.quantity,
            price=spec.price,
            measure=spec.measure,
            barcode=spec.barcode,
            taxgroup_id=spec.taxgroup_id,
            price_type=spec.price_type,
            price_name=spec.price_name,
            seller_code=spec.seller_code,
            age_confirmed=spec.age_confirmed,
        )
        new = self.repricer.reprice(replace(r, receipt=receipt))
        if created:
            with line_write(self.db, self.catalog) as s:
                new = self._numbered(s, new)
                insert_receipt(s, new)
                save_lines(s, new.id, None, new.receipt)
        else:
            with line_connection(self.db, self.catalog) as conn:
                save_lines(conn, new.id, r.receipt, new.receipt)
        self.current = new
        self.notice = None
        line = new.receipt.lines[-1]
        show_on_display(self.ctx, line=line, receipt=new.receipt)
        return LineAdded(
            receipt=new,
            line=line,
            changed=changed_lines(r.receipt, new.receipt),
            totals=receipt_totals(new.receipt, self.sums),
        )

    def _draft(self, shift: ShiftRow | None, grant: Grant, kind: str = "sale") -> OpenReceipt:
        """A new empty receipt in ``shift``, not numbered or stored yet."""
        if shift is None:
            raise SaleError(_("no shift is open; open a shift first"), code="shift.closed")
        require_fresh(shift.opened_ms, self.env)
        now = self.env.now()
        return OpenReceipt(
            id=str(uuid.uuid4()),
            shift_id=shift.id,
            shift_num=shift.num,
            shift_opened_ms=shift.opened_ms,
            number=0,
            kind=kind,
            opened_at=self.env.local(now),
            opened_at_utc=self.env.utc(now),
            cashier_code=grant.cashier.code,
            cashier_name=grant.cashier.name,
            receipt=Receipt(kind="return" if kind == "return" else "sale"),
            supervisor_code=grant.supervisor_code,
        )

    def _numbered(self, s: Any, draft: OpenReceipt) -> OpenReceipt:
        """``draft`` with the next receipt number of its shift (taken in ``s``)."""
        shift = open_shift(s, lock=True)
        if shift is None or shift.id != draft.shift_id:
            raise SaleError(_("no shift is open; open a shift first"), code="shift.closed")
        number = shift.next_receipt
        shift.next_receipt = number + 1
        return replace(draft, number=number)

    def _new_receipt(self, s: Any, grant: Grant, kind: str = "sale") -> OpenReceipt:
        return self._numbered(s, self._draft(open_shift(s, lock=True), grant, kind))

    def answer(self, grant: Grant, answers: dict[str, Any]) -> SaleView | LineAdded:
        """Answer the waiting question (age, price) and add the line it held back."""
        if self.question is None:
            raise SaleError(_("there is no question waiting"), code="sale.no_question")
        req, _q = self.question
        if answers.get("cancel"):
            self.question = None
            return self.view()
        req = replace(
            req,
            age_confirmed=bool(answers.get("age_confirmed", req.age_confirmed)),
            price_type=answers.get("price_type", req.price_type),
            quantity=answers.get("quantity", req.quantity),
        )
        return self.add(grant, req)

    def note(self, text: str | None) -> None:
        """Show ``text`` to the cashier with the receipt (a scan that failed, say)."""
        self.notice = text

    def _change_lines(self, grant: Grant, new_receipt: Any) -> SaleView:
        r = self._require()
        new = self.repricer.reprice(replace(r, receipt=new_receipt))
        with line_write(self.db, self.catalog) as s:
            save_lines(s, r.id, r.receipt, new.receipt)
            if grant.supervisor_code and not r.supervisor_code:
                update_receipt(s, r.id, supervisor_code=grant.supervisor_code)
                new = replace(new, supervisor_code=grant.supervisor_code)
        self.current = new
        show_on_display(self.ctx, line=None, receipt=new.receipt)
        return self.view()

    def line_quantity(self, position: int) -> int:
        """The quantity now on line ``position``."""
        return self._require().receipt.line(position).quantity

    def set_quantity(self, grant: Grant, position: int, quantity: int) -> SaleView:
        """Change a line's quantity (the caller checked the right for a decrease)."""
        r = self._require()
        self._require_unlocked(r)
        line = r.receipt.line(position)
        item = self.catalog.item(line.article)
        if item is not None and not item.weighted and quantity % item.step:
            raise SaleError(
                _(
                    "{name} is sold in whole steps of {step:g} {measure}",
                    name=line.name,
                    step=item.step / 1000,
                    measure=item.measure,
                ),
                code="sale.quantity_step",
            )
        return self._change_lines(grant, set_quantity(r.receipt, position, quantity))

    def void(self, grant: Grant, position: int) -> SaleView:
        """Void a line: it stays on the receipt, crossed out."""
        r = self._require()
        self._require_unlocked(r)
        if r.kind == "return":
            raise SaleError(
                _("lines of a return cannot be voided; cancel the return instead"),
                code="sale.return_open",
            )
        return self._change_lines(grant, void_line(r.receipt, position))

    # -- closing ------------------------------------------------------------------------

    def cancel(self, grant: Grant) -> Closed:
        """Cancel the open receipt (cash taken is given back; other tenders must be reversed)."""
        r = self._require()
        self._require_unlocked(r)
        self.registrar.refuse_cancel(r)
        others = [t for t in r.approved if t.type != "cash"]
        if others:
            t = others[0]
            raise SaleError(
                _(
                    "the receipt has an approved {type} payment of {amount:.2f}; it must be "
                    "reversed before the receipt is cancelled",
                    type=tender_label(t.type),
                    amount=t.amount / 100,
                ),
                code="sale.reverse_first",
            )
        if grant.supervisor_code:
            r = replace(r, supervisor_code=grant.supervisor_code)
        return self._finish(r, "cancelled")

    def _finish(self, r: OpenReceipt, state: str) -> Closed:
        registered = self.registrar.register(r) if state == "completed" else None
        fiscal = registered.fiscal if registered else None
        now = self.env.now()
        with self.db.write() as s:
            if r.supervisor_code:
                update_receipt(s, r.id, supervisor_code=r.supervisor_code)
            doc, job = finish_receipt(s, r, state, now, self.env, fiscal)
            self.registrar.committed(s, registered)
        self.current = None
        self.question = None
        self.sums.clear()
        self.env.notify_server()
        show_on_display(self.ctx, line=None, receipt=r.receipt, closed=state == "completed")
        log.info("receipt %s number %s %s, total %s", r.id, r.number, state, doc.total)
        return Closed(
            receipt=r,
            state=state,
            closed_at=zoned_text(doc.closed_at, doc.closed_at_utc),
            change=doc.change,
            fiscal=fiscal,
            print_job=job,
            cash=any(t.type == "cash" for t in r.approved),
        )

    def _close_if_paid(self) -> Closed | None:
        r = self.current
        if r is None or r.live or not r.receipt.is_paid:
            return None
        try:
            return self._finish(r, "completed")
        except SaleError as exc:
            if not exc.code.startswith(("fiscal.", "device.")):
                raise
            log.warning("receipt %s paid but not registered: %s", r.id, exc)
            return None

    # -- returns --------------------------------------------------------------------------

    def open_return(self, grant: Grant, spec: ReturnSpec) -> SaleView:
        """Open a return receipt for ``spec`` (the original receipt's lines at the prices paid)."""
        if self.current is not None:
            raise SaleError(
                _(
                    "receipt {number} is open; finish or cancel it before a return",
                    number=self.current.number,
                ),
                code="sale.receipt_open",
            )
        with self.db.write() as s:
            base = self._new_receipt(s, grant, kind="return")
            r = return_receipt(base, with_price_names(spec, self.catalog))
            insert_receipt(s, r)
            save_lines(s, r.id, None, r.receipt)
        self.current = r
        self._close_if_paid()
        return self.view()


class SaleSessionProxy(ActorMemberMixin):
    """``SaleSession`` through its proxy: each method answers a ``pykka.Future``."""

    view = proxy_method(SaleSession.view)
    snapshot = proxy_method(SaleSession.snapshot)
    add = proxy_method(SaleSession.add)
    answer = proxy_method(SaleSession.answer)
    note = proxy_method(SaleSession.note)
    line_quantity = proxy_method(SaleSession.line_quantity)
    set_quantity = proxy_method(SaleSession.set_quantity)
    void = proxy_method(SaleSession.void)
    cancel = proxy_method(SaleSession.cancel)
    register = proxy_method(SaleSession.register)
    retry_fiscal = proxy_method(SaleSession.retry_fiscal)
    open_return = proxy_method(SaleSession.open_return)
    set_card = proxy_method(SaleSession.set_card)
    add_coupon = proxy_method(SaleSession.add_coupon)
    take_cash = proxy_method(SaleSession.take_cash)
    begin_tender = proxy_method(SaleSession.begin_tender)
    complete_tender = proxy_method(SaleSession.complete_tender)
    fail_tender = proxy_method(SaleSession.fail_tender)
    resolve_tender = proxy_method(SaleSession.resolve_tender)
    reverse_tender = proxy_method(SaleSession.reverse_tender)
