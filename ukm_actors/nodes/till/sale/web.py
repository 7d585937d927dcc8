"""The till's HTTP API for the cashier UI: JSON under ``/api/v1`` (docs/till-api.md).

Every operation checks the logged-in cashier's right for it; a request may
carry ``{"supervisor": {"code", "password"}}`` to have a supervisor grant a
right the cashier lacks, for that one request. Errors are ``{"code",
"message", "hint"}`` with a message the cashier can act on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import bottle

from ukm_actors.codecs import jsonsafe
from ukm_actors.domain.money import MAX_AMOUNT, MAX_COUNT, MAX_QUANTITY
from ukm_actors.domain.rights import Right
from ukm_actors.i18n import _
from ukm_actors.i18n.web import localized
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.till.sale.errors import BadRequest, SaleError
from ukm_actors.nodes.till.sale.items import AddRequest
from ukm_actors.nodes.till.sale.jsonviews import (
    cash_move_json,
    closed_json,
    line_added_json,
    paid_json,
    return_json,
    sale_view_json,
    shift_closed_json,
    shift_json,
    x_report_json,
)
from ukm_actors.nodes.till.sale.model import LineAdded

ASK = 10.0
API = "/api/v1"


def _body() -> dict[str, Any]:
    raw = bottle.request.body.read()
    if not raw:
        return {}
    try:
        body = jsonsafe.loads(raw)
    except jsonsafe.BadJson as exc:
        raise BadRequest(exc.message, hint=exc.hint) from None
    except ValueError:
        raise BadRequest(_("the request body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise BadRequest(_("the request body must be a JSON object"))
    return body


def _int(
    body: dict[str, Any],
    key: str,
    *,
    required: bool = True,
    minimum: int = 1,
    maximum: int = MAX_COUNT,
) -> int | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(_('"{key}" must be a whole number, not {value!r}', key=key, value=value))
    if value > maximum:
        raise BadRequest(
            _(
                '"{key}" must be at most {maximum}, not {value}',
                key=key,
                maximum=maximum,
                value=value,
            ),
            hint=_("money is in kopecks, quantities in thousandths (1 piece = 1000)"),
        )
    if value < minimum:
        raise BadRequest(
            _(
                '"{key}" must be at least {minimum}, not {value}',
                key=key,
                minimum=minimum,
                value=value,
            )
        )
    return value


def _str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(_('"{key}" must be a non-empty text', key=key))
    return value.strip()


def add_request(body: dict[str, Any]) -> AddRequest:
    """The ``POST /receipt/lines`` body as an ``AddRequest``."""
    birth = body.get("birth_date")
    born = None
    if birth is not None:
        try:
            born = date.fromisoformat(str(birth))
        except ValueError:
            raise BadRequest(
                _('"birth_date" {birth!r} is not a date yyyy-mm-dd', birth=birth)
            ) from None
    barcode, article = _str(body, "barcode"), _str(body, "article")
    if bool(barcode) == bool(article):
        raise BadRequest(_('give exactly one of "barcode" or "article"'))
    certificate = _str(body, "certificate")
    if certificate is not None and article is None:
        raise BadRequest(_('a "certificate" is sold with the "article" of its series'))
    return AddRequest(
        barcode=barcode,
        article=article,
        certificate=certificate,
        quantity=_int(body, "quantity", required=False, maximum=MAX_QUANTITY),
        price_type=_str(body, "price_type"),
        age_confirmed=body.get("age_confirmed") is True,
        birth_date=born,
        seller=_str(body, "seller"),
    )


def install(app: bottle.Bottle, ctx: Any) -> None:
    """Add the till API routes to ``app``."""
    auth = ctx.services["auth"]
    flows = ctx.services["sale_flows"]
    printing = ctx.services["printing"]

    def grant(right: Right | None, body: dict[str, Any]) -> Any:
        return auth.authorize(right, body.get("supervisor"))

    def ok(body: Any, status: int = 200) -> bottle.HTTPResponse:
        return json_response(localized(body), status)

    def printed(answer: dict[str, Any]) -> dict[str, Any]:
        job = answer.get("print_job")
        if job is not None:
            answer["print"] = flows.after_close(job, False)
        return answer

    @app.post(f"{API}/login")  # type: ignore[misc]
    def login() -> Any:
        b = _body()
        cashier = auth.login(_str(b, "code"), b.get("password"), _str(b, "card"))
        return ok({"cashier": cashier.to_json()})

    @app.post(f"{API}/login/unlock")  # type: ignore[misc]
    def unlock() -> Any:
        b = _body()
        code = _str(b, "code")
        if code is None:
            raise BadRequest(_('"code" (the locked cashier) is required'))
        sup = auth.unlock(code, b.get("supervisor"))
        return ok({"unlocked": code, "by": sup.code})

    @app.post(f"{API}/logout")  # type: ignore[misc]
    def logout() -> Any:
        auth.logout()
        return ok({"cashier": None})

    @app.get(f"{API}/login")  # type: ignore[misc]
    def whoami() -> Any:
        cashier = auth.current()
        locked = auth.locked_by()
        return ok(
            {
                "cashier": cashier.to_json() if cashier else None,
                "locked_by": locked.to_json() if locked else None,
            }
        )

    @app.post(f"{API}/lock")  # type: ignore[misc]
    def lock() -> Any:
        cashier = auth.lock()
        return ok({"cashier": None, "locked_by": cashier.to_json()})

    # -- shift -------------------------------------------------------------------

    @app.get(f"{API}/shift")  # type: ignore[misc]
    def shift() -> Any:
        auth.require_login()
        current = flows.shift().current().get(timeout=ASK)
        return ok({"shift": shift_json(current) if current is not None else None})

    @app.post(f"{API}/shift/open")  # type: ignore[misc]
    def shift_open() -> Any:
        g = grant(Right.OPEN_SHIFT, _body())
        return ok({"shift": shift_json(flows.shift().open(g).get(timeout=ASK))})

    @app.post(f"{API}/shift/close")  # type: ignore[misc]
    def shift_close() -> Any:
        g = grant(Right.CLOSE_SHIFT, _body())
        return ok(printed(shift_closed_json(flows.shift().close(g).get(timeout=ASK))))

    @app.get(f"{API}/shift/x-report")  # type: ignore[misc]
    def x_report() -> Any:
        g = grant(Right.X_REPORT, {})
        want = bottle.request.query.get("print", "") in ("1", "true", "yes")
        return ok(printed(x_report_json(flows.shift().x_report(g, want).get(timeout=ASK))))

    def cash(direction: str, right: Right) -> Any:
        b = _body()
        g = grant(right, b)
        amount = _int(b, "amount", maximum=MAX_AMOUNT)
        move = flows.shift().cash_move(g, direction, amount).get(timeout=ASK)
        answer = cash_move_json(move)
        answer["print"] = flows.after_close(move.print_job, True)
        return ok(answer)

    @app.post(f"{API}/cash/in")  # type: ignore[misc]
    def cash_in() -> Any:
        return cash("in", Right.CASH_IN)

    @app.post(f"{API}/cash/out")  # type: ignore[misc]
    def cash_out() -> Any:
        return cash("out", Right.CASH_OUT)

    # -- receipt ------------------------------------------------------------------

    @app.get(f"{API}/receipt")  # type: ignore[misc]
    def receipt() -> Any:
        return ok(sale_view_json(flows.sale().view().get(timeout=ASK)))

    @app.post(f"{API}/receipt/lines")  # type: ignore[misc]
    def add_line() -> Any:
        b = _body()
        g = grant(Right.SELL, b)
        return ok(line_added_json(flows.add_line(g, add_request(b))), 201)

    @app.put(f"{API}/receipt/lines/<position:int>")  # type: ignore[misc]
    def set_quantity(position: int) -> Any:
        b = _body()
        quantity = _int(b, "quantity", maximum=MAX_QUANTITY)
        auth.require_login()
        current = flows.sale().line_quantity(position).get(timeout=ASK)
        g = grant(Right.VOID_LINE if quantity < current else Right.SELL, b)
        return ok(sale_view_json(flows.sale().set_quantity(g, position, quantity).get(timeout=ASK)))

    @app.delete(f"{API}/receipt/lines/<position:int>")  # type: ignore[misc]
    def void_line(position: int) -> Any:
        g = grant(Right.VOID_LINE, _body())
        return ok(sale_view_json(flows.sale().void(g, position).get(timeout=ASK)))

    @app.post(f"{API}/receipt/answer")  # type: ignore[misc]
    def answer() -> Any:
        b = _body()
        g = grant(Right.SELL, b)
        out = flows.sale().answer(g, b).get(timeout=ASK)
        if isinstance(out, LineAdded):
            return ok(line_added_json(out))
        return ok(sale_view_json(out))

    @app.post(f"{API}/receipt/card")  # type: ignore[misc]
    def card() -> Any:
        b = _body()
        g = grant(Right.SELL, b)
        return ok(sale_view_json(flows.sale().set_card(g, _str(b, "card")).get(timeout=ASK)))

    @app.post(f"{API}/receipt/coupons")  # type: ignore[misc]
    def coupon() -> Any:
        b = _body()
        g = grant(Right.SELL, b)
        code = _str(b, "code")
        if code is None:
            raise BadRequest(_('give the coupon "code"'))
        return ok(sale_view_json(flows.sale().add_coupon(g, code).get(timeout=ASK)))

    @app.post(f"{API}/receipt/register")  # type: ignore[misc]
    def register_again() -> Any:
        b = _body()
        new_shift = b.get("new_register_shift") is True
        g = grant(Right.CLOSE_SHIFT if new_shift else Right.SELL, b)
        closed = flows.register(g, new_shift)
        return ok({"closed": closed_json(closed), "print": closed.printed})

    @app.get(f"{API}/fiscal")  # type: ignore[misc]
    def fiscal_state() -> Any:
        auth.authorize(None)
        return ok(ctx.services["fiscal"].screen())

    @app.post(f"{API}/receipt/cancel")  # type: ignore[misc]
    def cancel() -> Any:
        g = grant(Right.CANCEL_RECEIPT, _body())
        return ok({"cancelled": closed_json(flows.cancel(g))})

    # -- payments --------------------------------------------------------------------

    @app.post(f"{API}/receipt/payments")  # type: ignore[misc]
    def pay() -> Any:
        b = _body()
        snapshot = flows.sale().snapshot().get(timeout=ASK)
        if snapshot is None:
            raise SaleError(_("there is no open receipt to pay"), code="sale.no_receipt")
        g = grant(Right.RETURN if snapshot.kind == "return" else Right.SELL, b)
        type_ = _str(b, "type")
        if type_ is None:
            raise BadRequest(_('give the payment "type": cash, card, certificate or bonus'))
        amount = _int(b, "amount", maximum=MAX_AMOUNT)
        paid = flows.pay(g, type_, amount, reference=_str(b, "reference"), rrn=_str(b, "rrn"))
        return ok(paid_json(paid))

    @app.post(f"{API}/receipt/payments/cancel")  # type: ignore[misc]
    def pay_cancel() -> Any:
        grant(Right.SELL, _body())
        return ok(flows.desk().cancel_card().get(timeout=ASK))

    @app.delete(f"{API}/receipt/payments/<tender:int>")  # type: ignore[misc]
    def pay_remove(tender: int) -> Any:
        g = grant(Right.VOID_LINE, _body())
        return ok(sale_view_json(flows.remove_payment(g, tender)))

    @app.post(f"{API}/receipt/payments/<tender:int>/resolve")  # type: ignore[misc]
    def pay_resolve(tender: int) -> Any:
        b = _body()
        g = grant(Right.SELL, b)
        if not isinstance(b.get("approved"), bool):
            raise BadRequest(_('say whether the terminal approved it: "approved": true or false'))
        out = (
            flows.sale()
            .resolve_tender(g, tender, b["approved"], _str(b, "rrn"), _str(b, "card_mask"))
            .get(timeout=ASK)
        )
        return ok(paid_json(flows.paid(out)))

    # -- printing ----------------------------------------------------------------------

    @app.get(f"{API}/receipt/print-queue")  # type: ignore[misc]
    def print_queue() -> Any:
        return ok({"jobs": printing.queue()})

    @app.post(f"{API}/receipt/reprint")  # type: ignore[misc]
    def reprint() -> Any:
        b = _body()
        grant(Right.REPRINT, b)
        return ok({"results": printing.reprint(_int(b, "job_id", required=False))})

    # -- returns -------------------------------------------------------------------------

    @app.post(f"{API}/returns")  # type: ignore[misc]
    def make_return() -> Any:
        b = _body()
        g = grant(Right.RETURN, b)
        return ok(return_json(flows.make_return(g, b)), 201)

    @app.get(f"{API}/devices")  # type: ignore[misc]
    def devices() -> Any:
        service = ctx.services.get("devices")
        return ok({"devices": service.status() if service is not None else {}})
