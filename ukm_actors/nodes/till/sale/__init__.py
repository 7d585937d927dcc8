"""Feature "sale": shifts, receipts, payments, returns and the till's HTTP API.

Actors (under the till's role supervisor):

- ``shift``    ``ShiftManager``: open/close, X/Z reports, cash in/out;
- ``sale``     ``SaleSession``: the open receipt (lines, rules, closing);
- ``payments`` ``PaymentDesk``: cash, card (bank terminal), certificates, bonus.

Services (``ctx.services``, ``TillServices``): ``clock``, ``sale_env``,
``auth`` (login and rights), ``printing`` (the print queue), ``sale_flows``
(the operations the routes and the scanner run), ``fiscal``.
Routes: ``/api/v1/...`` (``web.install``, docs/till-api.md).
"""

from __future__ import annotations

from typing import Any

import bottle
import pykka

from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.sale.auth import TillAuth
from ukm_actors.nodes.till.sale.clock import Clock
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.fiscal import FiscalDesk
from ukm_actors.nodes.till.sale.flows import SaleFlows
from ukm_actors.nodes.till.sale.jsonviews import shift_json
from ukm_actors.nodes.till.sale.logins import CashierGuard, code_policy
from ukm_actors.nodes.till.sale.payments import PaymentDesk
from ukm_actors.nodes.till.sale.printing import Printing
from ukm_actors.nodes.till.sale.proxies import PAYMENTS, SALE, SHIFT, Proxies
from ukm_actors.nodes.till.sale.session import SaleSession
from ukm_actors.nodes.till.sale.shift import ShiftManager
from ukm_actors.nodes.till.sale.shiftmodel import ShiftView
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.supervision import ActorNotRunning, ChildSpec


def setup(ctx: TillContext) -> None:
    services = ctx.services
    catalog = services.catalog
    services.clock = clock = Clock()
    services.sale_env = env = SaleEnv(ctx, catalog, clock)
    guard = CashierGuard(code_rule=code_policy(ctx.config.till.login_lock_minutes))
    services.auth = auth = TillAuth(catalog, guard)
    services.printing = printing = Printing(ctx)
    services.sale_flows = SaleFlows(ctx, auth, printing)
    services.fiscal = fiscal = FiscalDesk(ctx, ctx.require_db(), env)
    ctx.status_providers["fiscal"] = fiscal.status
    ctx.status_providers["sale"] = lambda: _status(ctx)


def _status(ctx: TillContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    proxies = Proxies(ctx.names)
    try:
        shift = proxies.shift() if ctx.names.find(SHIFT) else None
        sale = proxies.sale() if ctx.names.find(SALE) else None
        view = shift.current().get(timeout=1.0) if shift else "not running"
        r = sale.snapshot().get(timeout=1.0) if sale else None
    except (pykka.Timeout, pykka.ActorDeadError, ActorNotRunning):
        return {"state": "busy"}
    out["shift"] = shift_json(view) if isinstance(view, ShiftView) else view
    out["receipt"] = (
        None
        if r is None
        else {
            "number": r.number,
            "kind": r.kind,
            "lines": len(r.receipt.lines),
            "total": r.receipt.total,
        }
    )
    out["print_queue"] = len(ctx.services.printing.queue())
    cashier = ctx.services.auth.current()
    out["cashier"] = cashier.code if cashier else None
    out["logins"] = ctx.services.auth.guard.status()
    return out


def children(ctx: TillContext) -> list[ChildSpec]:
    return [
        ChildSpec(SHIFT, lambda: ShiftManager.start(ctx)),
        ChildSpec(SALE, lambda: SaleSession.start(ctx)),
        ChildSpec(PAYMENTS, lambda: PaymentDesk.start(ctx)),
    ]


def routes(app: bottle.Bottle, ctx: TillContext) -> None:
    from ukm_actors.nodes.till.sale.web import install

    install(app, ctx)


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    routes=routes,
    needs=("catalog",),
    uses=("bridge", "devices", "promotions", "marketing_payments", "ui_events", "exchange"),
    provides=("clock", "sale_env", "auth", "printing", "sale_flows", "fiscal"),
)
