"""Feature "monitoring" of the cash server: tills, delivery, devices, host, alerts.

- ask ``till.status`` (``reports.py``): tills report their version, outbox
  and devices (till-initiated, so it works behind NAT);
- the ``monitor`` actor refreshes the snapshot every ``[server]
  monitor_interval`` seconds, raising and clearing alerts (``alerts.py``);
- ``GET /api/v1/monitoring`` (everything), ``/api/v1/monitoring/tills``,
  ``/api/v1/monitoring/tills/<node_id>``, ``/api/v1/monitoring/alerts``,
  ``/api/v1/monitoring/host`` — employee login;
- ``GET /api/v1/monitoring/host/history?hours=6``: the host's CPU, memory and
  disk readings kept by the ``host_sampler`` actor (``history.py``) for the
  console's charts;
- ``GET /metrics``: Prometheus text (``[server] metrics_token``, when set,
  is required as a bearer token);
- ``/status`` section ``monitoring``.
"""

from __future__ import annotations

import hmac
import time
from pathlib import Path
from typing import Any

import bottle

from ukm_actors.i18n.web import localized
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.monitoring import history, metrics
from ukm_actors.nodes.server.monitoring.reports import record_report
from ukm_actors.nodes.server.monitoring.service import Monitor, Monitoring
from ukm_actors.nodes.server.sales.access import require_reader
from ukm_actors.nodes.server.services import ServerContext
from ukm_actors.supervision import Backoff, ChildSpec


def _service(ctx: ServerContext) -> Monitoring:
    return ctx.services.monitoring


R = "any employee"
OPENAPI = (
    Op("get", "/api/v1/monitoring", "Everything monitoring knows", R, security="bearer"),
    Op(
        "get",
        "/api/v1/monitoring/tills",
        "Every till: contact, delivery, devices",
        R,
        security="bearer",
    ),
    Op("get", "/api/v1/monitoring/tills/{node_id}", "One till", R, security="bearer"),
    Op("get", "/api/v1/monitoring/alerts", "The alerts raised now", R, security="bearer"),
    Op("get", "/api/v1/monitoring/host", "CPU, memory, disk, database size", R, security="bearer"),
    Op(
        "get",
        "/api/v1/monitoring/host/history",
        "The host's CPU, memory and disk readings over the last hours (at most 168)",
        R,
        query={"hours": "number"},
        security="bearer",
    ),
    Op(
        "get",
        "/metrics",
        "Prometheus metrics ([server] metrics_token, when set, as a bearer token)",
        content="text/plain",
    ),
)


def setup(ctx: ServerContext) -> None:
    add_paths(ctx, paths(OPENAPI))

    def export_status() -> dict[str, Any] | None:
        provider = ctx.status_providers.get("export")
        return provider() if provider is not None else None

    def live_contacts() -> dict[str, Any] | None:
        return dict(ctx.services.bridge.live.contacts)

    def live_transfers() -> dict[str, Any]:
        return ctx.services.bridge.transfers()

    ctx.services.monitoring = Monitoring(
        ctx.config,
        ctx.require_db(),
        server_id=ctx.node_id,
        export_status=export_status,
        live_contacts=live_contacts,
        live_transfers=live_transfers,
    )
    interval = max(1.0, min(60.0, ctx.config.server.offline_after / 4))

    def till_status(message: dict[str, Any], peer: str) -> Any:
        with ctx.require_db().write() as session:
            record_report(session, peer, message, int(time.time() * 1000))
        return {"ok": True, "report_every": interval}

    ctx.asks.register("till.status", till_status)
    ctx.status_providers["monitoring"] = lambda: _service(ctx).status_section()


def children(ctx: ServerContext) -> list[ChildSpec]:
    svc = _service(ctx)
    interval = ctx.config.server.monitor_interval
    return [
        ChildSpec(
            "monitor",
            lambda: Monitor.start(svc, interval),
            backoff=Backoff(initial=1.0, maximum=30.0),
        ),
        ChildSpec(
            "host_sampler",
            lambda: history.HostSampler.start(
                ctx.require_db(),
                Path(ctx.config.node.data_dir),
                ctx.config.server.host_sample_interval,
                ctx.config.server.host_history_hours,
            ),
            backoff=Backoff(initial=1.0, maximum=60.0),
        ),
    ]


def _metrics_allowed(ctx: ServerContext) -> bool:
    token = ctx.config.server.metrics_token
    if not token:
        return True
    given = bottle.request.get_header("Authorization") or ""
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def everything(ctx: ServerContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    return json_response(localized(_service(ctx).snapshot()))


def tills(ctx: ServerContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    snap = _service(ctx).snapshot()
    return json_response(localized({"tills": snap["tills"], "generated_at": snap["generated_at"]}))


def one_till(ctx: ServerContext, node_id: str) -> bottle.HTTPResponse:
    require_reader(ctx)
    for t in _service(ctx).snapshot()["tills"]:
        if t["node_id"] == node_id:
            return json_response(localized(t))
    return json_response(
        {"code": "monitoring.unknown_till", "message": f"no till {node_id} is registered"},
        404,
    )


def alerts(ctx: ServerContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    snap = _service(ctx).snapshot()
    return json_response(
        localized({"alerts": snap["alerts"], "generated_at": snap["generated_at"]})
    )


def host(ctx: ServerContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    snap = _service(ctx).snapshot()
    return json_response({"host": snap["host"], "database": snap["database"]})


def host_history(ctx: ServerContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    raw = bottle.request.query.get("hours", "6")
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 168:
        return json_response(
            {
                "code": "monitoring.bad_hours",
                "message": f"?hours={raw!r} must be a number of hours from 0 to 168",
            },
            400,
        )
    since = int((time.time() - hours * 3600) * 1000)
    with ctx.require_db().read() as session:
        points = history.series(session, since)
    return json_response(
        {
            "hours": hours,
            "interval_s": ctx.config.server.host_sample_interval,
            "samples": points,
        }
    )


def prometheus(ctx: ServerContext) -> bottle.HTTPResponse:
    if not _metrics_allowed(ctx):
        return bottle.HTTPResponse(
            body="metrics need Authorization: Bearer <[server] metrics_token>\n",
            status=401,
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
    body = metrics.render(_service(ctx).snapshot(), ctx.services.metrics)
    return bottle.HTTPResponse(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    r = Routes(app, ctx, prefix="/api/v1")
    r.get("/monitoring", everything)
    r.get("/monitoring/tills", tills)
    r.get("/monitoring/tills/<node_id>", one_till)
    r.get("/monitoring/alerts", alerts)
    r.get("/monitoring/host", host)
    r.get("/monitoring/host/history", host_history)
    Routes(app, ctx).get("/metrics", prometheus)


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    routes=routes,
    uses=("bridge",),
    provides=("monitoring",),
)
