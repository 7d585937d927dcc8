"""``GET /api/v1/stores``: the stores and tills the feeds brought, and which campaign
version each till has.

A till has version V of its store's campaigns when ``campaigns.version`` is V
and ``campaigns.delivered`` is true: the last ``promo.campaigns`` copy queued
for it is the store's current set (version V) and the till acknowledged it
(applied in the same transaction). The till's own ``/status`` →
``promotions.version`` and the cash server's till monitoring
(``promotions.campaigns_version``) say the same from the till's side.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.models import OutboxEntry
from ukm_actors.domain.promotions.codec import encode_set
from ukm_actors.nodes.marketing.core.campaigns import (
    NODE_ID,
    PROMO_DOC,
    chain_parts,
    set_for_store,
)
from ukm_actors.nodes.marketing.core.tables import MkItem, MkStore, MkTill


def _last_copies(session: Session) -> dict[str, tuple[str, bool]]:
    """Channel → (SHA-256, acknowledged) of its last ``promo.campaigns`` copy."""
    last = (
        select(OutboxEntry.channel, func.max(OutboxEntry.seq).label("seq"))
        .where(OutboxEntry.doc_type == PROMO_DOC)
        .group_by(OutboxEntry.channel)
        .subquery()
    )
    rows = session.execute(
        select(OutboxEntry.channel, OutboxEntry.sha256, OutboxEntry.acked).join(
            last, (OutboxEntry.channel == last.c.channel) & (OutboxEntry.seq == last.c.seq)
        )
    )
    return {ch: (sha, bool(acked)) for ch, sha, acked in rows}


def stores_view(session: Session) -> dict[str, Any]:
    parts = chain_parts(session)
    copies = _last_copies(session)
    current: dict[str, tuple[str, str]] = {}
    tills: dict[str, list[dict[str, Any]]] = {}
    for t in session.execute(select(MkTill).order_by(MkTill.node_id)).scalars():
        if t.store not in current:
            cs = set_for_store(parts, t.store)
            current[t.store] = (cs.version, hashlib.sha256(encode_set(cs)).hexdigest())
        version, sha = current[t.store]
        # a pruned copy was acknowledged before it was pruned
        queued_sha, acked = copies.get(channel_name(NODE_ID, t.node_id), (t.campaigns_sha, True))
        up_to_date = t.campaigns_sha == sha and queued_sha == sha
        tills.setdefault(t.store, []).append(
            {
                "node_id": t.node_id,
                "number": t.number,
                "active": t.active,
                "campaigns_sha": t.campaigns_sha,
                "campaigns": {
                    "version": version if up_to_date else None,
                    "delivered": bool(up_to_date and acked),
                },
            }
        )
    stores = []
    for st in session.execute(select(MkStore).order_by(MkStore.code)).scalars():
        version = (
            current[st.code][0] if st.code in current else set_for_store(parts, st.code).version
        )
        stores.append(
            {
                "code": st.code,
                "name": st.name,
                "active": st.active,
                "campaigns_version": version,
                "tills": tills.get(st.code, []),
            }
        )
    items = session.execute(select(func.count()).select_from(MkItem)).scalar_one()
    return {"stores": stores, "items": items}
