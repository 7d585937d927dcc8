"""``SaleSession``: the receipt being sold or refunded now.

One actor, one receipt at a time. Every change is one write transaction,
and the in-memory receipt changes only after it commits: a crash at any
point restarts with the receipt exactly as the database has it. On start
the actor reads the open receipt back; a tender that was still waiting for
a device becomes "unknown" (the cashier resolves it with the terminal),
and a receipt whose payments already cover it is closed.

The session is composed of parts that share its state (``SaleState``) and
run in its actor: ``tenders`` (``TenderBook``) records the payments the
``PaymentDesk`` takes, ``customer`` (``CustomerDesk``) the loyalty card and
coupons; both are reached through the session's proxy (``sale.tenders.begin
(...)``). ``ReceiptCloser`` closes the receipt, ``ReceiptRegistrar`` registers
it on the fiscal register. Lines are frozen while a tender is pending or
unknown, and once any payment is on the receipt (the domain rule).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import pykka
from pykka.typing import ActorMemberMixin, proxy_method

from ukm_actors.domain.receipt import add_line, set_quantity, tender_label, void_line
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.busy import line_connection, line_write
from ukm_actors.nodes.till.sale.closer import ReceiptCloser
from ukm_actors.nodes.till.sale.customer import CustomerDesk, CustomerDeskProxy
from ukm_actors.nodes.till.sale.drafts import draft, new_receipt, numbered
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
from ukm_actors.nodes.till.sale.pricing import Repricer, show_on_display
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
from ukm_actors.nodes.till.sale.state import SaleState, require_unlocked
from ukm_actors.nodes.till.sale.tenders import TenderBook, TenderBookProxy
from ukm_actors.supervision import SupervisedActor

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)


class SaleSession(SupervisedActor):
    """The current receipt: lines, restrictions, prices, payments recorded, closing."""

    def __init__(self, ctx: TillContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = ctx.require_db()
        self.env = ctx.services.sale_env
        self.catalog = ctx.services.catalog
        self.repricer = Repricer(ctx, self.env)
        self.registrar = ReceiptRegistrar(ctx.services.fiscal)
        self.state = SaleState(self.repricer, self.registrar)
        self.sums = LineSums()
        self.closer = ReceiptCloser(ctx, self.state, self.db, self.env, self.registrar, self.sums)
        self.tenders = pykka.traversable(
            TenderBook(self.state, self.db, self.env, self.repricer, self.registrar, self.closer)
        )
        self.customer = pykka.traversable(
            CustomerDesk(
                self.state,
                self.db,
                self.env,
                self.catalog,
                self.repricer,
                promotions=lambda: ctx.services.promotions,
            )
        )

    # -- life ----------------------------------------------------------------------

    def on_start(self) -> None:
        with self.db.read() as s:
            current = load_open(s)
        if current is not None and any(t.state == "pending" for t in current.tenders):
            at = str(self.env.utc(self.env.now()))
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
        self.state.current = current
        if current is not None:
            log.info("receipt %s (number %s) reopened after a restart", current.id, current.number)
            if self.registrar.enabled:
                proxy = cast(SaleSessionProxy, self.actor_ref.proxy())
                self.registrar.settle_later(lambda: bool(proxy.retry_fiscal().get(timeout=60)))
                return
            closed = self.closer.close_if_paid()
            if closed is not None:
                self.state.notice = _("the receipt paid before the restart has been closed")

    def on_stop(self) -> None:
        self.registrar.stop()

    def retry_fiscal(self) -> bool:
        """Close the paid receipt if the register registers it (or had); True when settled."""
        r = self.state.current
        if r is None or r.live or not r.receipt.is_paid:
            return True
        if self.closer.close_if_paid() is not None:
            self.state.notice = _(
                "the receipt paid before the restart has been registered and closed"
            )
            return True
        return not self.registrar.keeps_trying()

    def register(self, grant: Grant, new_register_shift: bool = False) -> Closed:
        """The cashier's "register again": resolve and register the paid receipt, then close
        it; with ``new_register_shift`` in a new register shift (the old one over 24 h)."""
        r = self.state.require()
        require_unlocked(r)
        if not r.receipt.is_paid:
            raise SaleError(_("the receipt is not paid yet"), code="sale.not_paid")
        if new_register_shift:
            self.registrar.new_register_shift(r, grant.cashier.name)
        return self.closer.finish(r, "completed")

    # -- views ---------------------------------------------------------------------

    def view(self) -> SaleView:
        """The open receipt (None when there is none), the question waiting, the last notice.

        ``fiscal_error``: why the paid receipt is not registered yet (and what to do).
        """
        return self.state.view()

    def snapshot(self) -> OpenReceipt | None:
        """The open receipt as a value."""
        return self.state.current

    def hold(self, seconds: float) -> str | None:
        """Between receipts: keep new receipts from opening for at most ``seconds`` while the
        till's devices change, and answer None; with a receipt open, why not (a text)."""
        return self.state.hold(seconds)

    def release(self) -> None:
        """Receipts may open again (the devices have changed)."""
        self.state.release()

    def printed(self, job: int) -> None:
        """The receipt closed last has been sent to the printer (printed or not): the devices
        may change now."""
        self.state.printed(job)

    # -- lines -----------------------------------------------------------------------

    def add(self, grant: Grant, req: AddRequest) -> LineAdded:
        """Add a line; returns it with the receipt's totals."""
        self.state.question = None
        r = self.state.current
        if r is not None:
            require_unlocked(r)
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
                self.state.question = (req, question)
            raise
        created = r is None
        if r is None:
            self.state.require_not_held()
            with self.db.read() as s:
                r = draft(self.env, open_shift(s), grant)
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
                new = numbered(s, new)
                insert_receipt(s, new)
                save_lines(s, new.id, None, new.receipt)
        else:
            with line_connection(self.db, self.catalog) as conn:
                save_lines(conn, new.id, r.receipt, new.receipt)
        self.state.current = new
        self.state.notice = None
        line = new.receipt.lines[-1]
        show_on_display(self.ctx, line=line, receipt=new.receipt)
        return LineAdded(
            receipt=new,
            line=line,
            changed=changed_lines(r.receipt, new.receipt),
            totals=receipt_totals(new.receipt, self.sums),
        )

    def answer(self, grant: Grant, answers: dict[str, Any]) -> SaleView | LineAdded:
        """Answer the waiting question (age, price) and add the line it held back."""
        if self.state.question is None:
            raise SaleError(_("there is no question waiting"), code="sale.no_question")
        req, _q = self.state.question
        if answers.get("cancel"):
            self.state.question = None
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
        self.state.notice = text

    def _change_lines(self, grant: Grant, new_receipt: Any) -> SaleView:
        r = self.state.require()
        new = self.repricer.reprice(replace(r, receipt=new_receipt))
        with line_write(self.db, self.catalog) as s:
            save_lines(s, r.id, r.receipt, new.receipt)
            if grant.supervisor_code and not r.supervisor_code:
                update_receipt(s, r.id, supervisor_code=grant.supervisor_code)
                new = replace(new, supervisor_code=grant.supervisor_code)
        self.state.current = new
        show_on_display(self.ctx, line=None, receipt=new.receipt)
        return self.view()

    def line_quantity(self, position: int) -> int:
        """The quantity now on line ``position``."""
        return self.state.require().receipt.line(position).quantity

    def set_quantity(self, grant: Grant, position: int, quantity: int) -> SaleView:
        """Change a line's quantity (the caller checked the right for a decrease)."""
        r = self.state.require()
        require_unlocked(r)
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
        r = self.state.require()
        require_unlocked(r)
        if r.kind == "return":
            raise SaleError(
                _("lines of a return cannot be voided; cancel the return instead"),
                code="sale.return_open",
            )
        return self._change_lines(grant, void_line(r.receipt, position))

    # -- closing ------------------------------------------------------------------------

    def cancel(self, grant: Grant) -> Closed:
        """Cancel the open receipt (cash taken is given back; other tenders must be reversed)."""
        r = self.state.require()
        require_unlocked(r)
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
        return self.closer.finish(r, "cancelled")

    # -- returns --------------------------------------------------------------------------

    def open_return(self, grant: Grant, spec: ReturnSpec) -> SaleView:
        """Open a return receipt for ``spec`` (the original receipt's lines at the prices paid)."""
        if self.state.current is not None:
            raise SaleError(
                _(
                    "receipt {number} is open; finish or cancel it before a return",
                    number=self.state.current.number,
                ),
                code="sale.receipt_open",
            )
        self.state.require_not_held()
        with self.db.write() as s:
            base = new_receipt(self.env, s, grant, kind="return")
            r = return_receipt(base, with_price_names(spec, self.catalog))
            insert_receipt(s, r)
            save_lines(s, r.id, None, r.receipt)
        self.state.current = r
        self.closer.close_if_paid()
        return self.view()


class SaleSessionProxy(ActorMemberMixin):
    """``SaleSession`` through its proxy: each method answers a ``pykka.Future``."""

    tenders: TenderBookProxy
    customer: CustomerDeskProxy

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
    hold = proxy_method(SaleSession.hold)
    release = proxy_method(SaleSession.release)
    printed = proxy_method(SaleSession.printed)
