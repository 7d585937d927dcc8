"""Feature "sales" of the cash server: what tills sold, export, search, returns.

- appliers for the till documents ``shift.open``, ``receipt``, ``cash.move``,
  ``shift.close`` (``appliers.py``), idempotent, one transaction each;
- the ``sales_exporter`` actor writing UKM XML for the trade system
  (``exporter.py``; ``/status`` section ``export``);
- the asks ``receipts.lookup``, ``receipts.reserve_return``,
  ``receipts.release_return`` (``returns.py``);
- ``GET /api/v1/receipts``, ``/api/v1/receipts/<id>``, ``/api/v1/shifts`` (``web.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ukm_actors.bridge.auth import Caller
from ukm_actors.bridge.policy import Subject, own_store
from ukm_actors.config import ConfigError
from ukm_actors.db.leases import process_holder
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.sales import returns, web
from ukm_actors.nodes.server.sales.appliers import FAILED, HELD, PENDING, SalesAppliers
from ukm_actors.nodes.server.sales.exporter import Exporter, ExportHealth, Wake
from ukm_actors.nodes.server.sales.tables import SaleExport
from ukm_actors.nodes.server.services import ServerContext
from ukm_actors.supervision import Backoff, ChildSpec

log = logging.getLogger(__name__)

EXPORTER = "sales_exporter"


def export_dir(ctx: ServerContext) -> Path:
    return ctx.config.resolve(ctx.config.server.export_dir)


def _wake(ctx: ServerContext) -> None:
    ref = ctx.names.find(EXPORTER)
    if ref is not None:
        ref.tell(Wake())


def export_status(ctx: ServerContext) -> dict[str, Any]:
    """The ``export`` section of /status: folder health and the rows still to write."""
    out = ctx.services.export_health.to_json()
    with ctx.require_db().read() as session:
        rows = session.execute(
            select(SaleExport.state, func.count())
            .where(SaleExport.state.in_((PENDING, HELD, FAILED)))
            .group_by(SaleExport.state)
        )
        counts = {state: int(n) for state, n in rows}
        oldest = session.execute(
            select(func.min(SaleExport.created_ms)).where(SaleExport.state == PENDING)
        ).scalar_one_or_none()
    out["pending"] = counts.get(PENDING, 0)
    out["held_shift_closes"] = counts.get(HELD, 0)
    out["failed"] = counts.get(FAILED, 0)
    out["oldest_pending_ms"] = oldest
    return out


def visibility(scope: str) -> Callable[[Caller, str], bool]:
    """Whose receipts a till may see (``[server] return_scope``)."""
    if scope == "chain":
        return lambda caller, store: caller.kind == "till"
    if scope == "store":
        return own_store
    raise ConfigError(
        "[server]",
        "return_scope",
        f'"{scope}" is not one of "chain", "store"',
        hint='"chain": a till may return a receipt of any store; "store": of its own only',
    )


R = "any employee (or the metrics token)"
Q = "string"
OPENAPI = (
    Op(
        "get",
        "/api/v1/receipts",
        "Search receipts (paged; money in kopecks)",
        R,
        query={k: Q for k in sorted(web.RECEIPT_PARAMS)},
        security="bearer",
    ),
    Op("get", "/api/v1/receipts/{receipt_id}", "One receipt in full", R, security="bearer"),
    Op(
        "post",
        "/api/v1/exports",
        "Export a period again (receipts, shift opens and closes, cash moves; store-local "
        "dates, inclusive); files keep their names, so existing ones are replaced",
        "manager or admin",
        body={"since": "string", "until": "string", "stores": "array"},
        security="bearer",
    ),
    Op(
        "get",
        "/api/v1/shifts",
        "Shifts with their totals (paged)",
        R,
        query={k: Q for k in sorted(web.SHIFT_PARAMS)},
        security="bearer",
    ),
)


def setup(ctx: ServerContext) -> None:
    add_paths(ctx, paths(OPENAPI))
    s = ctx.config.server
    ctx.services.export_health = ExportHealth(directory=str(export_dir(ctx)))
    SalesAppliers(s.export_stores, wake=lambda: _wake(ctx)).register(ctx.appliers)
    ttl = s.return_reservation_ttl

    def lookup(message: dict[str, Any], _peer: str) -> Any:
        with ctx.require_db().read() as session:
            return returns.lookup(session, message)

    def reserve(message: dict[str, Any], peer: str) -> Any:
        with ctx.require_db().write() as session:
            answer = returns.reserve(session, message, ttl)
        log.info("return %s reserved by %s", message.get("return_id"), peer)
        return answer

    def release(message: dict[str, Any], _peer: str) -> Any:
        with ctx.require_db().write() as session:
            return returns.release(session, message)

    def subject(message: Any) -> Subject | None:
        if not isinstance(message, dict):
            return None
        with ctx.require_db().read() as session:
            return Subject(returns.stores_named(session, message))

    ctx.asks.register("receipts.lookup", lookup, subject)
    ctx.asks.register("receipts.reserve_return", reserve, subject)
    ctx.asks.register("receipts.release_return", release, subject)
    ctx.services.bridge.policy.visible = visibility(s.return_scope)
    ctx.status_providers["export"] = lambda: export_status(ctx)


def children(ctx: ServerContext) -> list[ChildSpec]:
    s = ctx.config.server
    db = ctx.require_db()
    health = ctx.services.export_health
    directory = export_dir(ctx)
    holder = process_holder(s.cluster_node)

    def start() -> Any:
        return Exporter.start(
            db,
            directory,
            health,
            scan=s.export_scan,
            retry_max=s.export_retry_max,
            holder=holder,
        )

    return [ChildSpec(EXPORTER, start, backoff=Backoff(initial=1.0, maximum=30.0))]


def routes(app: Any, ctx: ServerContext) -> None:
    web.install(app, ctx)


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    routes=routes,
    needs=("bridge",),
    provides=("export_health",),
)
