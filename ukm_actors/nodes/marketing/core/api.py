"""The marketing server's HTTP API (JSON; every route needs a login, see ``auth``).

Admin (writes need an admin or manager):

- ``GET /api/v1/campaigns``, ``GET /api/v1/campaigns/<id>``,
  ``POST /api/v1/campaigns`` (a campaign's JSON form), ``PUT /api/v1/campaigns/<id>``,
  ``POST /api/v1/campaigns/<id>/enable`` | ``/disable``;
- ``POST /api/v1/coupon-campaigns`` {id, name, prefix, length, check_digit,
  valid_days | valid_until}; ``POST /api/v1/coupon-campaigns/<id>/batches``
  {count} → {batch, codes}; ``GET /api/v1/coupons/<code>``;
- ``POST /api/v1/certificate-series`` {id, name, face_value, article, prefix,
  length, check_digit, valid_days}; ``POST /api/v1/certificate-series/<id>/certificates``
  {count} → {numbers}; ``GET /api/v1/certificates/<number>``;
- ``POST /api/v1/cards`` {number, holder, state}; ``PATCH /api/v1/cards/<number>``
  {state | holder}; ``GET /api/v1/cards/<number>``;
- ``GET /api/v1/stores`` (what the feeds brought, and which campaign version each
  till has: ``storesview``);
- ``GET /api/v1/openapi.json`` (no login): the OpenAPI document (``openapi``).

Reports: ``GET /api/v1/reports/{campaigns,coupons,certificates,bonus}?from=&to=``
(+ ``store``, ``campaign`` for campaigns), ``format=csv`` or ``.csv`` for CSV.
"""

from __future__ import annotations

from typing import Any

import bottle
from sqlalchemy import select

from ukm_actors.codecs import jsonsafe
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.marketing.core import certificates, coupons, loyalty, reports
from ukm_actors.nodes.marketing.core.auth import AdminAuth
from ukm_actors.nodes.marketing.core.campaigns import campaign_json, save_campaign, set_enabled
from ukm_actors.nodes.marketing.core.errors import BadRequest, NotFound
from ukm_actors.nodes.marketing.core.service import Marketing
from ukm_actors.nodes.marketing.core.storesview import stores_view
from ukm_actors.nodes.marketing.core.tables import MkCampaign, MkCoupon


def _body() -> Any:
    raw = bottle.request.body.read()
    try:
        return jsonsafe.loads(raw or b"null")
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None


def _object() -> dict[str, Any]:
    data = _body()
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object")
    return data


def install(app: bottle.Bottle, mk: Marketing) -> None:
    auth = AdminAuth(mk.ctx)
    db = mk.db

    # -- campaigns --------------------------------------------------------------------------

    @app.get("/api/v1/campaigns")  # type: ignore[misc]
    def list_campaigns() -> Any:
        auth.require(write=False)
        with db.read() as s:
            rows = s.execute(select(MkCampaign).order_by(MkCampaign.id)).scalars()
            return json_response({"campaigns": [campaign_json(r) for r in rows]})

    @app.get("/api/v1/campaigns/<cid>")  # type: ignore[misc]
    def get_campaign(cid: str) -> Any:
        auth.require(write=False)
        with db.read() as s:
            row = s.get(MkCampaign, cid)
            if row is None:
                raise NotFound(f"there is no campaign {cid!r}")
            return json_response(campaign_json(row))

    @app.post("/api/v1/campaigns")  # type: ignore[misc]
    def create_campaign() -> Any:
        auth.require(write=True)
        with mk.changing() as s:
            c = save_campaign(s, _object(), create=True)
        return json_response({"id": c.id}, 201)

    @app.put("/api/v1/campaigns/<cid>")  # type: ignore[misc]
    def replace_campaign(cid: str) -> Any:
        auth.require(write=True)
        data = _object()
        if data.get("id", cid) != cid:
            raise BadRequest(f"the body's id {data.get('id')!r} is not {cid!r}")
        with mk.changing() as s:
            save_campaign(s, {**data, "id": cid}, create=False)
        return json_response({"id": cid})

    @app.post("/api/v1/campaigns/<cid>/<what:re:enable|disable>")  # type: ignore[misc]
    def toggle_campaign(cid: str, what: str) -> Any:
        auth.require(write=True)
        with mk.changing() as s:
            set_enabled(s, cid, what == "enable")
        return json_response({"id": cid, "enabled": what == "enable"})

    # -- coupons ---------------------------------------------------------------------------

    @app.post("/api/v1/coupon-campaigns")  # type: ignore[misc]
    def create_coupon_campaign() -> Any:
        auth.require(write=True)
        with mk.changing() as s:
            row = coupons.create_campaign(s, _object(), mk.now())
        return json_response({"id": row.id}, 201)

    @app.post("/api/v1/coupon-campaigns/<cid>/batches")  # type: ignore[misc]
    def issue_batch(cid: str) -> Any:
        auth.require(write=True)
        data = _object()
        with db.write() as s:
            batch, codes = coupons.issue_batch(s, cid, data.get("count", 0), mk.now())
        return json_response({"batch": batch, "codes": codes}, 201)

    @app.get("/api/v1/coupons/<code>")  # type: ignore[misc]
    def get_coupon(code: str) -> Any:
        auth.require(write=False)
        with db.read() as s:
            row = s.get(MkCoupon, code)
            if row is None:
                raise NotFound(f"coupon {code} is unknown")
            return json_response(
                {
                    "code": row.code,
                    "campaign_id": row.campaign_id,
                    "state": row.state,
                    "batch": row.batch,
                    "issued_receipt": row.issued_receipt,
                    "expires_at": iso_utc(row.expires_at, z=True),
                    "redeemed_at": iso_utc(row.redeemed_at, z=True),
                    "redeemed_receipt": row.redeemed_receipt,
                    "redeemed_by": row.redeemed_by,
                }
            )

    # -- certificates ------------------------------------------------------------------------

    @app.post("/api/v1/certificate-series")  # type: ignore[misc]
    def create_series() -> Any:
        auth.require(write=True)
        with mk.changing() as s:
            row = certificates.create_series(s, _object(), mk.now())
        return json_response({"id": row.id}, 201)

    @app.post("/api/v1/certificate-series/<sid>/certificates")  # type: ignore[misc]
    def create_certificates(sid: str) -> Any:
        auth.require(write=True)
        data = _object()
        with db.write() as s:
            numbers = certificates.create_certificates(s, sid, data.get("count", 0), mk.now())
        return json_response({"numbers": numbers}, 201)

    @app.get("/api/v1/certificates/<number>")  # type: ignore[misc]
    def get_certificate(number: str) -> Any:
        auth.require(write=False)
        with db.write() as s:
            return json_response(certificates.check(s, number, mk.now()).to_json())

    # -- cards -----------------------------------------------------------------------------

    @app.post("/api/v1/cards")  # type: ignore[misc]
    def create_card() -> Any:
        auth.require(write=True)
        with db.write() as s:
            row = loyalty.create_card(s, _object(), mk.now())
        return json_response({"number": row.number}, 201)

    @app.route("/api/v1/cards/<number>", method="PATCH")  # type: ignore[misc]
    def update_card(number: str) -> Any:
        auth.require(write=True)
        with db.write() as s:
            loyalty.update_card(s, number, _object())
        with db.read() as s:
            return json_response(loyalty.card_info(s, number, mk.now()))

    @app.get("/api/v1/cards/<number>")  # type: ignore[misc]
    def get_card(number: str) -> Any:
        auth.require(write=False)
        with db.read() as s:
            return json_response(loyalty.card_info(s, number, mk.now()))

    @app.get("/api/v1/stores")  # type: ignore[misc]
    def list_stores() -> Any:
        auth.require(write=False)
        with db.read() as s:
            return json_response(stores_view(s))

    # -- reports -----------------------------------------------------------------------------

    def _report(name: str) -> Any:
        auth.require(write=False)
        q = bottle.request.query
        now = mk.now()
        p = reports.period(q.get("from"), q.get("to"), now.date())
        with db.read() as s:
            if name == "campaigns":
                rep = reports.campaigns(s, p, q.get("store") or None, q.get("campaign") or None)
            elif name == "coupons":
                rep = reports.coupons(s, p, now)
            elif name == "certificates":
                rep = reports.certificates(s, p, now)
            else:
                rep = reports.bonus(s, p, now)
        if q.get("format") == "csv" or bottle.request.path.endswith(".csv"):
            return bottle.HTTPResponse(
                body=rep.to_csv(),
                headers={
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": f'attachment; filename="{name}.csv"',
                },
            )
        return json_response(
            {"report": name, "from": p.first.isoformat(), "to": p.last.isoformat(), **rep.to_json()}
        )

    for name in ("campaigns", "coupons", "certificates", "bonus"):
        app.route(f"/api/v1/reports/{name}", "GET", lambda name=name: _report(name))
        app.route(f"/api/v1/reports/{name}.csv", "GET", lambda name=name: _report(name))
