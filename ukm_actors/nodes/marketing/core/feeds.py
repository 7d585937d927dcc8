"""Applying the cash server's feeds: ``feed.catalog`` and ``feed.stores`` (full replacements).

Both return the till channels that got a new ``promo.campaigns`` (a new till
gets its first copy; a catalog change can change which items a group
campaign covers).
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ukm_actors.domain.promotions.feeds import (
    FeedError,
    FeedGroup,
    FeedItem,
    decode_catalog,
    decode_stores,
)
from ukm_actors.nodes.marketing.core.campaigns import publish
from ukm_actors.nodes.marketing.core.tables import MkGroup, MkItem, MkStore, MkTill
from ukm_actors.runtime import Cooperator

BATCH = 2000


def apply_catalog(session: Session, body: bytes) -> list[str]:
    """Replace the hierarchy and the items; raises ``FeedError`` (nothing changed) when
    the body is malformed."""
    records = list(decode_catalog(body))
    tick = Cooperator().tick
    session.execute(delete(MkGroup))
    session.execute(delete(MkItem))
    groups: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    seen: set[str] = set()
    for rec in records:
        tick()
        if isinstance(rec, FeedGroup):
            groups.append({"id": rec.id, "parent_id": rec.parent_id, "name": rec.name})
        elif isinstance(rec, FeedItem):
            if rec.article in seen:
                raise FeedError(f"feed.catalog lists item {rec.article!r} twice")
            seen.add(rec.article)
            items.append(
                {
                    "article": rec.article,
                    "name": rec.name,
                    "weighted": rec.weighted,
                    "group_id": rec.group_id,
                    "min_price": max(rec.min_price, 0),
                }
            )
        for rows, table in ((groups, MkGroup), (items, MkItem)):
            if len(rows) >= BATCH:
                session.execute(insert(table), rows)
                rows.clear()
    for rows, table in ((groups, MkGroup), (items, MkItem)):
        if rows:
            session.execute(insert(table), rows)
    return publish(session)


def apply_stores(session: Session, body: bytes) -> list[str]:
    """Replace the store and till lists; tills no longer listed stop getting copies."""
    stores = decode_stores(body)
    known_stores = {s.code: s for s in session.execute(select(MkStore)).scalars()}
    known_tills = {t.node_id: t for t in session.execute(select(MkTill)).scalars()}
    listed_stores: set[str] = set()
    listed_tills: set[str] = set()
    for s in stores:
        listed_stores.add(s.code)
        row = known_stores.get(s.code)
        if row is None:
            session.add(MkStore(code=s.code, name=s.name, active=True))
        else:
            row.name, row.active = s.name, True
        for t in s.tills:
            listed_tills.add(t.node_id)
            till = known_tills.get(t.node_id)
            if till is None:
                session.add(MkTill(node_id=t.node_id, store=s.code, number=t.number, active=True))
            else:
                if till.store != s.code:
                    till.campaigns_sha = None
                till.store, till.number, till.active = s.code, t.number, True
    for code, row in known_stores.items():
        if code not in listed_stores:
            row.active = False
    for node_id, till in known_tills.items():
        if node_id not in listed_tills:
            till.active = False
    session.flush()
    return publish(session)
