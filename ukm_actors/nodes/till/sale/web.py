"""The till's HTTP API for the cashier UI: JSON under ``/api/v1`` (docs/till-api.md).

Every operation checks the logged-in cashier's right for it; a request may
carry ``{"supervisor": {"code", "password"}}`` to have a supervisor grant a
right the cashier lacks, for that one request. Errors are ``{"code",
"message", "hint"}`` with a message the cashier can act on.

Handlers are module-level functions taking the ``TillApi`` first (the sale's
services they call), registered in ``install``: logins, the shift and cash
moves here, the receipt, payments and returns in ``webreceipt``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bottle

from ukm_actors.domain.money import MAX_AMOUNT
from ukm_actors.domain.rights import Right
from ukm_actors.i18n import _
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.till.sale import webreceipt
from ukm_actors.nodes.till.sale.errors import BadRequest
from ukm_actors.nodes.till.sale.jsonviews import (
    cash_move_json,
    print_job_json,
    print_result_json,
    shift_closed_json,
    shift_json,
    x_report_json,
)
from ukm_actors.nodes.till.sale.webio import (
    API,
    ASK,
    TillApi,
    int_field,
    ok,
    optional_int,
    read_body,
    str_field,
)

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

# -- login ------------------------------------------------------------------------


def login(api: TillApi) -> bottle.HTTPResponse:
    """``POST /login``: log a cashier in by code and password, or by card."""
    b = read_body()
    cashier = api.auth.login(str_field(b, "code"), b.get("password"), str_field(b, "card"))
    return ok({"cashier": cashier.to_json()})


def unlock(api: TillApi) -> bottle.HTTPResponse:
    """``POST /login/unlock``: a supervisor lifts a cashier's login lock."""
    b = read_body()
    code = str_field(b, "code")
    if code is None:
        raise BadRequest(_('"code" (the locked cashier) is required'))
    sup = api.auth.unlock(code, b.get("supervisor"))
    return ok({"unlocked": code, "by": sup.code})


def logout(api: TillApi) -> bottle.HTTPResponse:
    """``POST /logout``."""
    api.auth.logout()
    return ok({"cashier": None})


def whoami(api: TillApi) -> bottle.HTTPResponse:
    """``GET /login``: the cashier logged in, and who locked the till."""
    cashier = api.auth.current()
    locked = api.auth.locked_by()
    return ok(
        {
            "cashier": cashier.to_json() if cashier else None,
            "locked_by": locked.to_json() if locked else None,
        }
    )


def lock(api: TillApi) -> bottle.HTTPResponse:
    """``POST /lock``: the cashier steps away; the same cashier (or a supervisor) unlocks."""
    cashier = api.auth.lock()
    return ok({"cashier": None, "locked_by": cashier.to_json()})


# -- shift ------------------------------------------------------------------------


def _printed(api: TillApi, body: dict[str, Any]) -> dict[str, Any]:
    job = body.get("print_job")
    if job is not None:
        body["print"] = print_result_json(api.flows.after_close(job, False))
    return body


def shift(api: TillApi) -> bottle.HTTPResponse:
    """``GET /shift``: the open shift, or null."""
    api.auth.require_login()
    current = api.flows.shift().current().get(timeout=ASK)
    return ok({"shift": shift_json(current) if current is not None else None})


def shift_open(api: TillApi) -> bottle.HTTPResponse:
    """``POST /shift/open``."""
    g = api.grant(Right.OPEN_SHIFT, read_body())
    return ok({"shift": shift_json(api.flows.shift().open(g).get(timeout=ASK))})


def shift_close(api: TillApi) -> bottle.HTTPResponse:
    """``POST /shift/close``: the Z report, printed."""
    g = api.grant(Right.CLOSE_SHIFT, read_body())
    closed = api.flows.shift().close(g).get(timeout=ASK)
    return ok(_printed(api, shift_closed_json(closed)))


def x_report(api: TillApi) -> bottle.HTTPResponse:
    """``GET /shift/x-report[?print=1]``."""
    g = api.grant(Right.X_REPORT, {})
    want = bottle.request.query.get("print", "") in ("1", "true", "yes")
    report = api.flows.shift().x_report(g, want).get(timeout=ASK)
    return ok(_printed(api, x_report_json(report)))


def _cash(api: TillApi, direction: str, right: Right) -> bottle.HTTPResponse:
    b = read_body()
    g = api.grant(right, b)
    amount = int_field(b, "amount", maximum=MAX_AMOUNT)
    move = api.flows.shift().cash_move(g, direction, amount).get(timeout=ASK)
    answer = cash_move_json(move)
    answer["print"] = print_result_json(api.flows.after_close(move.print_job, True))
    return ok(answer)


def cash_in(api: TillApi) -> bottle.HTTPResponse:
    """``POST /cash/in``: cash put into the drawer."""
    return _cash(api, "in", Right.CASH_IN)


def cash_out(api: TillApi) -> bottle.HTTPResponse:
    """``POST /cash/out``: cash taken out of the drawer."""
    return _cash(api, "out", Right.CASH_OUT)


# -- the register, printing, devices ----------------------------------------------


def fiscal_state(api: TillApi) -> bottle.HTTPResponse:
    """``GET /fiscal``: the fiscal register as the screen shows it."""
    api.auth.authorize(None)
    return ok(api.fiscal.screen())


def print_queue(api: TillApi) -> bottle.HTTPResponse:
    """``GET /receipt/print-queue``: what is waiting to be printed."""
    return ok({"jobs": [print_job_json(j) for j in api.printing.queue()]})


def reprint(api: TillApi) -> bottle.HTTPResponse:
    """``POST /receipt/reprint``: print a job again (the last one without ``job_id``)."""
    b = read_body()
    api.grant(Right.REPRINT, b)
    results = api.printing.reprint(optional_int(b, "job_id"))
    return ok({"results": [print_result_json(r) for r in results]})


def devices(api: TillApi) -> bottle.HTTPResponse:
    """``GET /devices``: each device's state."""
    return ok({"devices": api.ctx.services.devices.status()})


def openapi_json(_api: TillApi) -> bottle.HTTPResponse:
    """``GET /openapi.json``: the till's OpenAPI document."""
    from ukm_actors.nodes.till.sale.openapi import spec

    return json_response(spec())


def install(app: bottle.Bottle, ctx: TillContext) -> None:
    """Add the till API routes to ``app``."""
    r = Routes(app, TillApi.of(ctx), prefix=API)
    r.post("/login", login)
    r.post("/login/unlock", unlock)
    r.post("/logout", logout)
    r.get("/login", whoami)
    r.post("/lock", lock)
    r.get("/shift", shift)
    r.post("/shift/open", shift_open)
    r.post("/shift/close", shift_close)
    r.get("/shift/x-report", x_report)
    r.post("/cash/in", cash_in)
    r.post("/cash/out", cash_out)
    webreceipt.install(r)
    r.get("/fiscal", fiscal_state)
    r.get("/receipt/print-queue", print_queue)
    r.post("/receipt/reprint", reprint)
    r.get("/devices", devices)
    r.get("/openapi.json", openapi_json)
