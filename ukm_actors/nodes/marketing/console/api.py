"""The marketing console's API routes: logging in through the cash server, a campaign's
preview priced by the same engine as the tills, and the lists and histories the pages show.

Every route but ``POST /api/v1/login`` checks the caller with the marketing API's own
``AdminAuth`` (a cash server login token or ``[marketing] admin_token``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import bottle
from sqlalchemy import select

from ukm_actors.codecs import jsonsafe
from ukm_actors.domain.promotions import Engine, PriceContext
from ukm_actors.domain.promotions.codec import (
    campaign_from_json,
    discounts_to_json,
    receipt_from_json,
)
from ukm_actors.domain.promotions.model import CampaignError
from ukm_actors.i18n import _
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.marketing.core import certificates, loyalty
from ukm_actors.nodes.marketing.core.auth import AdminAuth, LoginRequired, LoginUnavailable
from ukm_actors.nodes.marketing.core.campaigns import preview_set, utcnow
from ukm_actors.nodes.marketing.core.errors import BadRequest, NotFound
from ukm_actors.nodes.marketing.core.tables import (
    MkBonusOp,
    MkCard,
    MkCertSeries,
    MkCoupon,
    MkCouponCampaign,
    MkItem,
)
from ukm_actors.nodes.marketing.services import MarketingContext
from ukm_actors.nodes.routes import Routes

LOGIN_TIMEOUT = 5.0
MAX_CODES = 100_000


def _object() -> dict[str, Any]:
    try:
        data = jsonsafe.loads(bottle.request.body.read() or b"null")
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object")
    return data


def _address() -> str:
    return str(bottle.request.environ.get("REMOTE_ADDR") or "")[:64]


def login(ctx: NodeContext) -> dict[str, Any]:
    """Ask the cash server to log the employee in; its answer (token, employee) as it is."""
    from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError

    data = _object()
    bridge = ctx.services.bridge
    url = bridge.server_url
    if not url or not ctx.config.marketing.server_auth:
        raise LoginUnavailable(
            "employees log in through the cash server, which this marketing server has not "
            "been given ([bridge] server_urls or server_url, [marketing] server_auth)",
            hint="use [marketing] admin_token with the API",
        )
    message = {"login": data.get("login"), "password": data.get("password"), "address": _address()}
    try:
        answer: dict[str, Any] = bridge.ask(url, "auth.login", message, timeout=LOGIN_TIMEOUT)
    except RemoteError as exc:
        raise LoginRequired(exc.message, hint=getattr(exc, "hint", None)) from None
    except (PeerUnreachable, AskTimeout):
        raise LoginUnavailable(
            "the cash server, which checks employee logins, does not answer",
            hint="try again in a minute",
        ) from None
    return answer


def preview(session: Any, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A sample receipt priced with the draft campaign and the store's running ones."""
    try:
        draft = campaign_from_json(data.get("campaign"))
        raw = data.get("receipt")
        if isinstance(raw, dict) and isinstance(raw.get("lines"), list):
            raw = {**raw, "lines": [_line(session, i, d) for i, d in enumerate(raw["lines"])]}
        receipt = receipt_from_json(raw)
    except CampaignError as exc:
        raise BadRequest(_("preview: {message}", message=exc.message)) from None
    store = str(data.get("store") or "")
    at = now
    if data.get("at"):
        try:
            at = datetime.fromisoformat(str(data["at"]))
        except ValueError:
            raise BadRequest(f'preview: "at" {data["at"]!r} is not a date-time') from None
    card = loyalty.pricing_card(session, data.get("card") if data.get("card") else None)
    cs = preview_set(session, draft, store)
    pricing = Engine(cs).price(receipt, PriceContext(store, at, None, card, ()))
    lines = []
    for line in receipt.lines:
        ds = pricing.discounts.get(line.position, ())
        amount = line.price * line.quantity // 1000
        off = sum(d.amount for d in ds)
        lines.append({"position": line.position, "article": line.article, "name": line.name,
                      "quantity": line.quantity, "price": line.price, "amount": amount,
                      "discount": off, "total": amount - off,
                      "discounts": [[d.campaign_id, d.name, d.amount] for d in ds]})  # fmt: skip
    return {
        "lines": lines,
        "total": sum(x["total"] for x in lines),
        "discount": pricing.total_discount,
        "discounts": discounts_to_json(pricing.discounts),
        "applied": [a.campaign_id for a in pricing.applied],
        "earned": [[e.campaign_id, e.points] for e in pricing.earned],
        "missing_gifts": [[m.campaign_id, m.article, m.quantity] for m in pricing.missing_gifts],
        "explain": [str(x) for x in pricing.explain(receipt)],
        "draft_applied": draft.id in {a.campaign_id for a in pricing.applied},
    }


def _line(session: Any, i: int, d: Any) -> Any:
    """A sample line with its position and name filled in from the catalog feed."""
    if not isinstance(d, dict):
        return d
    out = {"position": i + 1, **d}
    if "name" not in out and isinstance(d.get("article"), str):
        out["name"] = session.get(MkItem, d["article"]).name if session.get(
            MkItem, d["article"]) is not None else d["article"]  # fmt: skip
    return out


def coupon_campaigns(session: Any) -> dict[str, Any]:
    out = []
    for c in session.execute(select(MkCouponCampaign).order_by(MkCouponCampaign.id)).scalars():
        states = dict(
            session.execute(
                select(MkCoupon.state, bottle_count()).where(MkCoupon.campaign_id == c.id)
                .group_by(MkCoupon.state)
            ).all()
        )  # fmt: skip
        out.append(
            {
                "id": c.id,
                "name": c.name,
                "prefix": c.prefix,
                "length": c.length,
                "enabled": c.enabled,
                "valid_days": c.valid_days,
                "valid_until": iso_utc(c.valid_until, z=True),
                "issued": sum(states.values()),
                "redeemed": states.get("redeemed", 0),
            }
        )
    return {"coupon_campaigns": out}


def bottle_count() -> Any:
    from sqlalchemy import func

    return func.count()


def coupon_codes(session: Any, cid: str, batch: str | None) -> dict[str, Any]:
    if session.get(MkCouponCampaign, cid) is None:
        raise NotFound(f"no coupon campaign {cid!r}")
    q = select(MkCoupon).where(MkCoupon.campaign_id == cid)
    if batch:
        q = q.where(MkCoupon.batch == batch)
    rows = session.execute(q.order_by(MkCoupon.issued_at, MkCoupon.code).limit(MAX_CODES))
    return {"coupons": [{"code": c.code, "batch": c.batch, "state": c.state,
                       "issued_at": iso_utc(c.issued_at, z=True),
                       "expires_at": iso_utc(c.expires_at, z=True)}
                      for c in rows.scalars()]}  # fmt: skip


def series(session: Any) -> dict[str, Any]:
    from sqlalchemy import func

    from ukm_actors.nodes.marketing.core.tables import MkCertificate

    out = []
    for s in session.execute(select(MkCertSeries).order_by(MkCertSeries.id)).scalars():
        states = dict(session.execute(
            select(MkCertificate.state, func.count()).where(MkCertificate.series_id == s.id)
            .group_by(MkCertificate.state)).all())  # fmt: skip
        out.append({"id": s.id, "name": s.name, "face_value": s.face_value, "article": s.article,
                    "valid_days": s.valid_days, "states": states})  # fmt: skip
    return {"series": out}


def card_history(session: Any, number: str, now: datetime) -> dict[str, Any]:
    card = loyalty.card_info(session, number, now)
    rows = session.execute(
        select(MkBonusOp).where(MkBonusOp.card == number).order_by(MkBonusOp.id.desc()).limit(500)
    ).scalars()
    return {"card": card, "history": [{"at": iso_utc(r.at, z=True), "kind": r.kind,
                                       "points": r.points, "receipt_id": r.receipt_id,
                                       "campaign_id": r.campaign_id, "till": r.till,
                                       "voided": r.voided} for r in rows]}  # fmt: skip


def programs(session: Any, cfg: Any) -> dict[str, Any]:
    """The loyalty programs as this server runs them (its ``[marketing]`` settings) and how
    many cards each level and state has."""
    from sqlalchemy import func

    counts = session.execute(
        select(MkCard.level, MkCard.state, func.count()).group_by(MkCard.level, MkCard.state)
    ).all()
    thresholds = list(cfg.level_thresholds)
    levels: list[dict[str, Any]] = [
        {"level": i, "from": int(v), "cards": {state: n for lvl, state, n in counts if lvl == i}}
        for i, v in enumerate([0, *thresholds])
    ]
    return {
        "accumulative": {"levels": levels},
        "bonus": {
            "delay_days": cfg.bonus_delay_days,
            "lifetime_days": cfg.bonus_lifetime_days,
            "max_share_bp": cfg.bonus_max_share_bp,
        },
        "certificates": {"partial": cfg.certificate_partial},
    }


@dataclass(frozen=True)
class Console:
    """What the console's handlers share: the node and the marketing API's login check."""

    ctx: MarketingContext
    auth: AdminAuth


def post_login(c: Console) -> bottle.HTTPResponse:
    return json_response(login(c.ctx))


def post_logout(c: Console) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    token = (bottle.request.get_header("Authorization") or "").partition(" ")[2].strip()
    bridge = c.ctx.services.bridge
    url = bridge.server_url
    if url and token != c.ctx.config.marketing.admin_token:
        bridge.ask(url, "auth.logout", {"token": token}, timeout=LOGIN_TIMEOUT)
    return json_response({"ok": True})


def get_me(c: Console) -> bottle.HTTPResponse:
    who = c.auth.require(write=False)
    return json_response({"login": who.login, "name": who.name or who.login, "role": who.role})


def post_preview(c: Console) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    data = _object()
    with c.ctx.require_db().read() as session:
        return json_response(preview(session, data, utcnow()))


def get_coupon_campaigns(c: Console) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    with c.ctx.require_db().read() as session:
        return json_response(coupon_campaigns(session))


def get_codes(c: Console, cid: str) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    with c.ctx.require_db().read() as session:
        return json_response(coupon_codes(session, cid, bottle.request.query.get("batch")))


def get_series(c: Console) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    with c.ctx.require_db().read() as session:
        return json_response(series(session))


def get_history(c: Console, number: str) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    with c.ctx.require_db().write() as session:
        view = certificates.check(session, number, utcnow())
        return json_response(
            {"certificate": view.to_json(), "history": certificates.history(session, number)}
        )


def post_block(c: Console, number: str, what: str) -> bottle.HTTPResponse:
    c.auth.require(write=True)
    with c.ctx.require_db().write() as session:
        view = certificates.block(session, number, what == "block", utcnow())
    return json_response(view.to_json())


def get_card_history(c: Console, number: str) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    with c.ctx.require_db().read() as session:
        return json_response(card_history(session, number, utcnow()))


def get_programs(c: Console) -> bottle.HTTPResponse:
    c.auth.require(write=False)
    with c.ctx.require_db().read() as session:
        return json_response(programs(session, c.ctx.config.marketing))


def install(app: bottle.Bottle, ctx: MarketingContext) -> None:
    r = Routes(app, Console(ctx, AdminAuth(ctx)), prefix="/api/v1")
    r.post("/login", post_login)
    r.post("/logout", post_logout)
    r.get("/me", get_me)
    r.post("/campaigns/preview", post_preview)
    r.get("/coupon-campaigns", get_coupon_campaigns)
    r.get("/coupon-campaigns/<cid>/codes", get_codes)
    r.get("/certificate-series", get_series)
    r.get("/certificates/<number>/history", get_history)
    r.post("/certificates/<number>/<what:re:block|unblock>", post_block)
    r.get("/cards/<number>/history", get_card_history)
    r.get("/loyalty/programs", get_programs)
