"""Campaigns in the database, the campaign set of a store, and the tills' copies.

``store_set(session, store)`` is THE campaign set a store's receipts are
priced with: the marketing server prices with it online, and ``publish``
sends the same set, encoded, to every till of the store as a
``promo.campaigns`` document (a full replacement; older undelivered copies
are marked superseded). A till's copy is re-sent only when its content hash
changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.models import OutboxEntry
from ukm_actors.domain.promotions import Campaign, CampaignSet, CouponRule
from ukm_actors.domain.promotions.codec import (
    campaign_from_json,
    campaign_to_json,
    encode_set,
    set_version,
)
from ukm_actors.i18n import _
from ukm_actors.nodes.marketing.core.errors import BadRequest, Conflict, NotFound
from ukm_actors.nodes.marketing.core.tables import (
    MkCampaign,
    MkCertSeries,
    MkCouponCampaign,
    MkGroup,
    MkItem,
    MkTill,
)
from ukm_actors.runtime import Cooperator

PROMO_DOC = "promo.campaigns"
NODE_ID = "marketing"
IN_CHUNK = 500


def utcnow() -> datetime:
    """Now, as the naive UTC the marketing tables keep."""
    return datetime.now(UTC).replace(tzinfo=None)


# -- campaigns ----------------------------------------------------------------------------


def _check_refs(session: Session, c: Campaign) -> None:
    coupon = c.conditions.coupon
    if coupon is not None and session.get(MkCouponCampaign, coupon) is None:
        raise BadRequest(
            _("campaign {id} needs coupons of {coupon}, which is not a coupon campaign",
              id=repr(c.id), coupon=repr(coupon)),
            hint=_("create the coupon campaign first (POST /api/v1/coupon-campaigns)"),
        )  # fmt: skip


def save_campaign(session: Session, data: Any, *, create: bool) -> Campaign:
    """Create (``create``) or replace a campaign from its JSON form."""
    c = campaign_from_json(data)
    _check_refs(session, c)
    row = session.get(MkCampaign, c.id)
    now = utcnow()
    if create and row is not None:
        raise Conflict(
            _("campaign {id} already exists", id=repr(c.id)), hint=_("PUT it to change it")
        )
    if not create and row is None:
        raise NotFound(_("there is no campaign {id}", id=repr(c.id)))
    ends = c.schedule.ends.isoformat(timespec="seconds") if c.schedule.ends else None
    definition = json.dumps(campaign_to_json(c), ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(
            MkCampaign(
                id=c.id,
                name=c.name,
                definition=definition,
                enabled=True,
                ends_local=ends,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        row.name, row.definition, row.ends_local, row.updated_at = c.name, definition, ends, now
    session.flush()
    return c


def set_enabled(session: Session, campaign_id: str, enabled: bool) -> None:
    row = session.get(MkCampaign, campaign_id)
    if row is None:
        raise NotFound(_("there is no campaign {id}", id=repr(campaign_id)))
    row.enabled = enabled
    row.updated_at = utcnow()


def campaign_json(row: MkCampaign) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(row.definition)
    data["enabled"] = row.enabled
    return data


def running_campaigns(session: Session, now: datetime | None = None) -> list[Campaign]:
    """Enabled campaigns that have not ended (with a day's margin for time zones)."""
    cutoff = ((now or utcnow()) - timedelta(days=1)).isoformat(timespec="seconds")
    rows = session.execute(
        select(MkCampaign.definition).where(
            MkCampaign.enabled.is_(True),
            (MkCampaign.ends_local.is_(None)) | (MkCampaign.ends_local >= cutoff),
        )
    ).scalars()
    return [campaign_from_json(json.loads(d)) for d in rows]


# -- the set of a store ----------------------------------------------------------------


@dataclass(frozen=True)
class ChainParts:
    """What every store's set shares: hierarchy expansion, floors, coupon rules."""

    campaigns: tuple[Campaign, ...]
    item_groups: dict[str, frozenset[str]]
    floors: dict[str, int]
    coupon_rules: tuple[CouponRule, ...]
    certificate_articles: frozenset[str]


def _expand_groups(session: Session, wanted: set[str]) -> dict[str, frozenset[str]]:
    """article → the ``wanted`` groups it is in (directly or through subgroups)."""
    if not wanted:
        return {}
    parent = {g: up for g, up in session.execute(select(MkGroup.id, MkGroup.parent_id))}
    memo: dict[str, frozenset[str]] = {}

    def above(g: str) -> frozenset[str]:
        chain: list[str] = []
        seen: set[str] = set()
        node: str | None = g
        while node is not None and node not in memo and node not in seen:
            chain.append(node)
            seen.add(node)
            node = parent.get(node)
        acc = memo.get(node, frozenset()) if node is not None else frozenset()
        for n in reversed(chain):
            acc = acc | ({n} & wanted)
            memo[n] = acc
        return memo[g]

    hit = [g for g in set(parent) | wanted if above(g)]
    out: dict[str, frozenset[str]] = {}
    tick = Cooperator().tick
    for i in range(0, len(hit), IN_CHUNK):
        chunk = hit[i : i + IN_CHUNK]
        for article, group in session.execute(
            select(MkItem.article, MkItem.group_id).where(MkItem.group_id.in_(chunk))
        ):
            tick()
            if group is not None:
                out[article] = memo[group]
    return out


def chain_parts(
    session: Session, now: datetime | None = None, draft: Campaign | None = None
) -> ChainParts:
    """What every store's set shares; ``draft`` replaces (or joins) the running campaign of
    its id (the console's preview of a campaign being edited)."""
    running = [c for c in running_campaigns(session, now) if draft is None or c.id != draft.id]
    campaigns = tuple(sorted([*running, *([draft] if draft else [])], key=lambda c: c.id))
    wanted = {g for c in campaigns for g in c.conditions.items.groups}
    floors = {
        a: p
        for a, p in session.execute(
            select(MkItem.article, MkItem.min_price).where(MkItem.min_price > 0)
        )
    }
    rules = tuple(
        CouponRule(r.id, r.prefix, r.length, r.check_digit)
        for r in session.execute(
            select(MkCouponCampaign)
            .where(MkCouponCampaign.enabled.is_(True))
            .order_by(MkCouponCampaign.id)
        ).scalars()
    )
    certs = frozenset(session.execute(select(MkCertSeries.article)).scalars())
    return ChainParts(campaigns, _expand_groups(session, wanted), floors, rules, certs)


def set_for_store(parts: ChainParts, store: str) -> CampaignSet:
    """The campaign set of ``store``: its campaigns, and the hierarchy they need."""
    campaigns = tuple(c for c in parts.campaigns if not c.stores or store in c.stores)
    wanted = {g for c in campaigns for g in c.conditions.items.groups}
    groups = {a: gs & wanted for a, gs in parts.item_groups.items() if not gs.isdisjoint(wanted)}
    cs = CampaignSet(
        campaigns, groups, parts.floors, parts.coupon_rules, parts.certificate_articles
    )
    return CampaignSet(
        cs.campaigns,
        cs.item_groups,
        cs.floors,
        cs.coupon_rules,
        cs.certificate_articles,
        version=set_version(cs),
    )


def store_set(session: Session, store: str, now: datetime | None = None) -> CampaignSet:
    return set_for_store(chain_parts(session, now), store)


def preview_set(session: Session, draft: Campaign, store: str) -> CampaignSet:
    """The set ``store`` would have with ``draft`` saved and enabled (nothing is written)."""
    return set_for_store(chain_parts(session, draft=draft), store)


# -- the tills' copies ------------------------------------------------------------------


def publish(session: Session, stores: Iterable[str] | None = None) -> list[str]:
    """Queue a new ``promo.campaigns`` to every active till (of ``stores``) whose copy
    differs; returns the channels to wake once the transaction commits."""
    q = select(MkTill).where(MkTill.active.is_(True)).order_by(MkTill.node_id)
    if stores is not None:
        wanted = sorted(set(stores))
        if not wanted:
            return []
        q = q.where(MkTill.store.in_(wanted))
    tills = list(session.execute(q).scalars())
    if not tills:
        return []
    parts = chain_parts(session)
    bodies: dict[str, tuple[bytes, str]] = {}
    channels: list[str] = []
    for till in tills:
        if till.store not in bodies:
            body = encode_set(set_for_store(parts, till.store))
            bodies[till.store] = (body, hashlib.sha256(body).hexdigest())
        body, sha = bodies[till.store]
        if till.campaigns_sha == sha:
            continue
        channel = channel_name(NODE_ID, till.node_id)
        session.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.channel == channel,
                OutboxEntry.doc_type == PROMO_DOC,
                OutboxEntry.acked.is_(False),
            )
            .values(superseded=True)
            .execution_options(synchronize_session=False)
        )
        outbox.put(session, channel, PROMO_DOC, body)
        till.campaigns_sha = sha
        channels.append(channel)
    return channels
