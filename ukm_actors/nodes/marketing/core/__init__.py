"""Feature "core" of the marketing role: promotions, coupons, certificates, loyalty, reports.

- document appliers: ``feed.catalog`` and ``feed.stores`` (from the cash
  server), ``loyalty.accrual`` (from tills: closed receipts, applied once);
- the asks tills use (``service.py`` lists them with their messages);
- the ``promotion_engine`` actor: online pricing per store, and the tills'
  ``promo.campaigns`` copies (``engine.py``, ``campaigns.py``);
- the admin and reports API under ``/api/v1`` (``api.py``; login: ``auth.py``);
- ``/status`` section ``marketing`` (counts; ``feed_stale`` when the cash server
  has not been in contact on its feed channel — a feed or a ``feed.heartbeat`` —
  for more than 3 × ``[marketing] feed_interval``).

See docs/marketing.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import bottle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.bridge.models import Channel
from ukm_actors.domain.promotions.accrual import DOC_TYPE as ACCRUAL
from ukm_actors.domain.promotions.feeds import (
    CATALOG,
    HEARTBEAT,
    STORES,
    FeedError,
    decode_heartbeat,
)
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.marketing.core import accruals, api, feeds, openapi
from ukm_actors.nodes.marketing.core.auth import TokenGuard
from ukm_actors.nodes.marketing.core.engine import NAME, PromotionEngine
from ukm_actors.nodes.marketing.core.service import Marketing
from ukm_actors.nodes.marketing.core.tables import (
    MkAccrual,
    MkCampaign,
    MkCard,
    MkCertificate,
    MkCoupon,
    MkItem,
    MkTill,
)
from ukm_actors.nodes.marketing.services import MarketingContext
from ukm_actors.nodes.routes import Routes
from ukm_actors.supervision import Backoff, ChildSpec

FEED_CHANNEL = "server>marketing"


def _feed_applier(mk: Marketing, fn: Any) -> Any:
    def apply(session: Session, doc: Document) -> None:
        try:
            channels = fn(session, doc.body)
        except FeedError as exc:
            raise PermanentApplyError(exc.message) from exc
        mk.on_commit(session, channels)

    return apply


def _heartbeat(session: Session, doc: Document) -> None:
    """Nothing to change: applying it records the contact (the channel's ``last_contact``)."""
    try:
        decode_heartbeat(doc.body)
    except FeedError as exc:
        raise PermanentApplyError(exc.message) from exc


def _token_guard_status(mk: Marketing) -> dict[str, int] | None:
    return mk.ctx.services.token_guard.status()


def _status(mk: Marketing) -> dict[str, Any]:
    def count(q: Any) -> int:
        return int(session.execute(q).scalar_one())

    with mk.db.read() as session:
        channel = session.get(Channel, FEED_CHANNEL)
        last = channel.last_contact if channel is not None else None
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - last).total_seconds() if last is not None else None
        return {
            "feed_age_s": None if age is None else round(age, 1),
            "feed_stale": age is None or age > 3 * mk.settings.feed_interval,
            "campaigns": count(
                select(func.count()).select_from(MkCampaign).where(MkCampaign.enabled.is_(True))
            ),
            "items": count(select(func.count()).select_from(MkItem)),
            "tills": count(select(func.count()).select_from(MkTill).where(MkTill.active.is_(True))),
            "coupons_issued": count(
                select(func.count()).select_from(MkCoupon).where(MkCoupon.state == "issued")
            ),
            "certificates_sold": count(
                select(func.count()).select_from(MkCertificate).where(MkCertificate.state == "sold")
            ),
            "cards": count(select(func.count()).select_from(MkCard)),
            "receipts_with_problems": count(
                select(func.count()).select_from(MkAccrual).where(MkAccrual.problems != "")
            ),
            "wrong_tokens": _token_guard_status(mk),
        }


def setup(ctx: MarketingContext) -> None:
    mk = Marketing(ctx)
    ctx.services.marketing = mk
    ctx.services.token_guard = TokenGuard()
    ctx.appliers.register(CATALOG, _feed_applier(mk, feeds.apply_catalog))
    ctx.appliers.register(STORES, _feed_applier(mk, feeds.apply_stores))
    ctx.appliers.register(HEARTBEAT, _heartbeat)
    ctx.appliers.register(ACCRUAL, accruals.applier(mk.settings), accruals.subject)
    mk.register_asks()
    ctx.status_providers["marketing"] = lambda: _status(mk)


def children(ctx: MarketingContext) -> list[ChildSpec]:
    mk = ctx.services.marketing

    def start() -> Any:
        return PromotionEngine.start(mk.db, mk.settings.campaigns_refresh, mk.notify)

    return [ChildSpec(NAME, start, backoff=Backoff(initial=1.0, maximum=30.0))]


def routes(app: bottle.Bottle, ctx: MarketingContext) -> None:
    api.install(app, ctx.services.marketing)
    Routes(app, ctx).get("/api/v1/openapi.json", _openapi)


def _openapi(_ctx: object) -> bottle.HTTPResponse:
    return json_response(openapi.spec())


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    routes=routes,
    uses=("bridge",),
    provides=("marketing", "token_guard"),
)
