"""The till API's receipt: its lines, the customer's card and coupons, payments, closing, returns.

Module-level handlers taking the ``TillApi`` first (``webio``), registered by
``install``; the sale's actors answer with values and ``jsonviews`` makes the
JSON (docs/till-api.md).
"""

from __future__ import annotations

import bottle

from ukm_actors.domain.money import MAX_AMOUNT, MAX_QUANTITY
from ukm_actors.domain.rights import Right
from ukm_actors.i18n import _
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.till.sale.errors import BadRequest, SaleError
from ukm_actors.nodes.till.sale.jsonviews import (
    card_cancel_json,
    closed_json,
    line_added_json,
    paid_json,
    print_result_json,
    return_json,
    sale_view_json,
)
from ukm_actors.nodes.till.sale.model import LineAdded
from ukm_actors.nodes.till.sale.webio import (
    ASK,
    TillApi,
    add_request,
    int_field,
    ok,
    read_body,
    str_field,
)

# -- the receipt and its lines ----------------------------------------------------


def receipt(api: TillApi) -> bottle.HTTPResponse:
    """``GET /receipt``: the open receipt, the question waiting, the last notice."""
    return ok(sale_view_json(api.flows.sale().view().get(timeout=ASK)))


def add_line(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/lines``: scan or key in an item (weighed ones on the scales)."""
    b = read_body()
    g = api.grant(Right.SELL, b)
    return ok(line_added_json(api.flows.add_line(g, add_request(b))), 201)


def set_quantity(api: TillApi, position: int) -> bottle.HTTPResponse:
    """``PUT /receipt/lines/<position>``: a new quantity (less needs ``void_line``)."""
    b = read_body()
    quantity = int_field(b, "quantity", maximum=MAX_QUANTITY)
    api.auth.require_login()
    sale = api.flows.sale()
    current = sale.line_quantity(position).get(timeout=ASK)
    g = api.grant(Right.VOID_LINE if quantity < current else Right.SELL, b)
    return ok(sale_view_json(sale.set_quantity(g, position, quantity).get(timeout=ASK)))


def void_line(api: TillApi, position: int) -> bottle.HTTPResponse:
    """``DELETE /receipt/lines/<position>``: the line stays, crossed out."""
    g = api.grant(Right.VOID_LINE, read_body())
    return ok(sale_view_json(api.flows.sale().void(g, position).get(timeout=ASK)))


def answer(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/answer``: answer the question (age, price); the line is added."""
    b = read_body()
    g = api.grant(Right.SELL, b)
    out = api.flows.sale().answer(g, b).get(timeout=ASK)
    if isinstance(out, LineAdded):
        return ok(line_added_json(out))
    return ok(sale_view_json(out))


def card(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/card``: the customer's loyalty card (null takes it off)."""
    b = read_body()
    g = api.grant(Right.SELL, b)
    view = api.flows.sale().customer.set_card(g, str_field(b, "card")).get(timeout=ASK)
    return ok(sale_view_json(view))


def coupon(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/coupons``: a coupon, checked before it goes on the receipt."""
    b = read_body()
    g = api.grant(Right.SELL, b)
    code = str_field(b, "code")
    if code is None:
        raise BadRequest(_('give the coupon "code"'))
    return ok(sale_view_json(api.flows.sale().customer.add_coupon(g, code).get(timeout=ASK)))


def register_again(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/register``: register the paid receipt on the fiscal register again."""
    b = read_body()
    new_shift = b.get("new_register_shift") is True
    g = api.grant(Right.CLOSE_SHIFT if new_shift else Right.SELL, b)
    closed = api.flows.register(g, new_shift)
    return ok({"closed": closed_json(closed), "print": print_result_json(closed.printed)})


def cancel(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/cancel``: cancel the open receipt, giving payments back."""
    g = api.grant(Right.CANCEL_RECEIPT, read_body())
    return ok({"cancelled": closed_json(api.flows.cancel(g))})


# -- payments ---------------------------------------------------------------------


def pay(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/payments``: cash, card, certificate or bonus; closes a covered receipt."""
    b = read_body()
    snapshot = api.flows.sale().snapshot().get(timeout=ASK)
    if snapshot is None:
        raise SaleError(_("there is no open receipt to pay"), code="sale.no_receipt")
    g = api.grant(Right.RETURN if snapshot.kind == "return" else Right.SELL, b)
    type_ = str_field(b, "type")
    if type_ is None:
        raise BadRequest(_('give the payment "type": cash, card, certificate or bonus'))
    amount = int_field(b, "amount", maximum=MAX_AMOUNT)
    paid = api.flows.pay(
        g, type_, amount, reference=str_field(b, "reference"), rrn=str_field(b, "rrn")
    )
    return ok(paid_json(paid))


def pay_cancel(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/payments/cancel``: abort the card payment at the PIN pad."""
    api.grant(Right.SELL, read_body())
    return ok(card_cancel_json(api.flows.desk().cancel_card().get(timeout=ASK)))


def pay_remove(api: TillApi, tender: int) -> bottle.HTTPResponse:
    """``DELETE /receipt/payments/<tender>``: take a payment off, giving the money back."""
    g = api.grant(Right.VOID_LINE, read_body())
    return ok(sale_view_json(api.flows.remove_payment(g, tender)))


def pay_resolve(api: TillApi, tender: int) -> bottle.HTTPResponse:
    """``POST /receipt/payments/<tender>/resolve``: the cashier's verdict on an unknown one."""
    b = read_body()
    g = api.grant(Right.SELL, b)
    approved = b.get("approved")
    if not isinstance(approved, bool):
        raise BadRequest(_('say whether the terminal approved it: "approved": true or false'))
    rrn, mask = str_field(b, "rrn"), str_field(b, "card_mask")
    out = api.flows.sale().tenders.resolve(g, tender, approved, rrn, mask).get(timeout=ASK)
    return ok(paid_json(api.flows.paid(out)))


# -- returns ----------------------------------------------------------------------


def make_return(api: TillApi) -> bottle.HTTPResponse:
    """``POST /returns``: a return of (part of) a receipt, refunded by its plan."""
    b = read_body()
    g = api.grant(Right.RETURN, b)
    return ok(return_json(api.flows.make_return(g, b)), 201)


def install(r: Routes[TillApi]) -> None:
    """Add the receipt's routes (``r`` has the API's prefix)."""
    r.get("/receipt", receipt)
    r.post("/receipt/lines", add_line)
    r.put("/receipt/lines/<position:int>", set_quantity)
    r.delete("/receipt/lines/<position:int>", void_line)
    r.post("/receipt/answer", answer)
    r.post("/receipt/card", card)
    r.post("/receipt/coupons", coupon)
    r.post("/receipt/register", register_again)
    r.post("/receipt/cancel", cancel)
    r.post("/receipt/payments", pay)
    r.post("/receipt/payments/cancel", pay_cancel)
    r.delete("/receipt/payments/<tender:int>", pay_remove)
    r.post("/receipt/payments/<tender:int>/resolve", pay_resolve)
    r.post("/returns", make_return)
