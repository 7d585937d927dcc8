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

from dataclasses import dataclass
from typing import Any

import bottle
from sqlalchemy import select
from sqlalchemy.orm import Session

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
from ukm_actors.nodes.routes import Routes


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


@dataclass(frozen=True)
class Api:
    """What the API's handlers share: the marketing service and the login check."""

    mk: Marketing
    auth: AdminAuth


# -- campaigns --------------------------------------------------------------------------


def list_campaigns(api: Api) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    with api.mk.db.read() as s:
        rows = s.execute(select(MkCampaign).order_by(MkCampaign.id)).scalars()
        return json_response({"campaigns": [campaign_json(r) for r in rows]})


def get_campaign(api: Api, cid: str) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    with api.mk.db.read() as s:
        row = s.get(MkCampaign, cid)
        if row is None:
            raise NotFound(f"there is no campaign {cid!r}")
        return json_response(campaign_json(row))


def create_campaign(api: Api) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    with api.mk.changing() as s:
        c = save_campaign(s, _object(), create=True)
    return json_response({"id": c.id}, 201)


def replace_campaign(api: Api, cid: str) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    data = _object()
    if data.get("id", cid) != cid:
        raise BadRequest(f"the body's id {data.get('id')!r} is not {cid!r}")
    with api.mk.changing() as s:
        save_campaign(s, {**data, "id": cid}, create=False)
    return json_response({"id": cid})


def toggle_campaign(api: Api, cid: str, what: str) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    with api.mk.changing() as s:
        set_enabled(s, cid, what == "enable")
    return json_response({"id": cid, "enabled": what == "enable"})


# -- coupons ---------------------------------------------------------------------------

# -- coupons ---------------------------------------------------------------------------


def create_coupon_campaign(api: Api) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    with api.mk.changing() as s:
        row = coupons.create_campaign(s, _object(), api.mk.now())
    return json_response({"id": row.id}, 201)


def issue_batch(api: Api, cid: str) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    data = _object()
    with api.mk.db.write() as s:
        batch, codes = coupons.issue_batch(s, cid, data.get("count", 0), api.mk.now())
    return json_response({"batch": batch, "codes": codes}, 201)


def get_coupon(api: Api, code: str) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    with api.mk.db.read() as s:
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

# -- certificates ------------------------------------------------------------------------


def create_series(api: Api) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    with api.mk.changing() as s:
        row = certificates.create_series(s, _object(), api.mk.now())
    return json_response({"id": row.id}, 201)


def create_certificates(api: Api, sid: str) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    data = _object()
    with api.mk.db.write() as s:
        numbers = certificates.create_certificates(s, sid, data.get("count", 0), api.mk.now())
    return json_response({"numbers": numbers}, 201)


def get_certificate(api: Api, number: str) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    with api.mk.db.write() as s:
        return json_response(certificates.check(s, number, api.mk.now()).to_json())


# -- cards -----------------------------------------------------------------------------

# -- cards -----------------------------------------------------------------------------


def create_card(api: Api) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    with api.mk.db.write() as s:
        row = loyalty.create_card(s, _object(), api.mk.now())
    return json_response({"number": row.number}, 201)


def update_card(api: Api, number: str) -> bottle.HTTPResponse:
    api.auth.require(write=True)
    with api.mk.db.write() as s:
        loyalty.update_card(s, number, _object())
    with api.mk.db.read() as s:
        return json_response(loyalty.card_info(s, number, api.mk.now()))


def get_card(api: Api, number: str) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    with api.mk.db.read() as s:
        return json_response(loyalty.card_info(s, number, api.mk.now()))


def list_stores(api: Api) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    with api.mk.db.read() as s:
        return json_response(stores_view(s))


# -- reports -----------------------------------------------------------------------------

# -- reports -----------------------------------------------------------------------------

REPORTS = ("campaigns", "coupons", "certificates", "bonus")
_NAME = "<name:re:" + "|".join(REPORTS) + ">"


def _report_of(api: Api, s: Session, name: str, p: reports.Period) -> reports.Report:
    q, now = bottle.request.query, api.mk.now()
    if name == "campaigns":
        return reports.campaigns(s, p, q.get("store") or None, q.get("campaign") or None)
    if name == "coupons":
        return reports.coupons(s, p, now)
    if name == "certificates":
        return reports.certificates(s, p, now)
    return reports.bonus(s, p, now)


def report(api: Api, name: str) -> bottle.HTTPResponse:
    api.auth.require(write=False)
    q = bottle.request.query
    p = reports.period(q.get("from"), q.get("to"), api.mk.now().date())
    with api.mk.db.read() as s:
        rep = _report_of(api, s, name, p)
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


def install(app: bottle.Bottle, mk: Marketing) -> None:
    r = Routes(app, Api(mk, AdminAuth(mk.ctx)), prefix="/api/v1")
    r.get("/campaigns", list_campaigns)
    r.get("/campaigns/<cid>", get_campaign)
    r.post("/campaigns", create_campaign)
    r.put("/campaigns/<cid>", replace_campaign)
    r.post("/campaigns/<cid>/<what:re:enable|disable>", toggle_campaign)
    r.post("/coupon-campaigns", create_coupon_campaign)
    r.post("/coupon-campaigns/<cid>/batches", issue_batch)
    r.get("/coupons/<code>", get_coupon)
    r.post("/certificate-series", create_series)
    r.post("/certificate-series/<sid>/certificates", create_certificates)
    r.get("/certificates/<number>", get_certificate)
    r.post("/cards", create_card)
    r.patch("/cards/<number>", update_card)
    r.get("/cards/<number>", get_card)
    r.get("/stores", list_stores)
    r.get(f"/reports/{_NAME}", report)
    r.get(f"/reports/{_NAME}.csv", report)
