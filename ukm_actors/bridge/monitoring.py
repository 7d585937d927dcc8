"""Monitoring data of the bridge, from the database (the same on every process).

``channels(session)`` is what the cash server's till monitoring reads: per
channel (``sender>receiver``) as this node sees it —

- ``direction``: ``out`` (this node sends) or ``in`` (this node applies);
- out: ``last_seq`` (queued), ``last_sent`` (handed to the receiver: pushed,
  or downloaded by it), ``last_acked``, ``pending_docs`` / ``pending_bytes``
  (not yet acknowledged), ``oldest_pending`` (its creation time, ISO) and
  ``oldest_pending_age_s``;
- in: ``last_applied``;
- ``last_contact`` (ISO time of the last exchange) and ``last_error``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.bridge import deadletters, peers
from ukm_actors.bridge.documents import split_channel
from ukm_actors.bridge.models import Channel, OutboxEntry
from ukm_actors.isotime import iso_utc


def _age(created: str | None, now: datetime) -> float | None:
    if not created:
        return None
    try:
        t = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return round(max(0.0, (now - t).total_seconds()), 1)


def channels(session: Session, channel: str | None = None) -> list[dict[str, Any]]:
    """Every channel this node sends or applies (or just ``channel``), by name."""
    now = datetime.now(UTC)
    q = select(Channel).order_by(Channel.channel)
    p = (
        select(
            OutboxEntry.channel,
            func.count(),
            func.coalesce(func.sum(OutboxEntry.length), 0),
            func.min(OutboxEntry.created),
        )
        .where(OutboxEntry.acked.is_(False))
        .group_by(OutboxEntry.channel)
    )
    if channel is not None:
        q = q.where(Channel.channel == channel)
        p = p.where(OutboxEntry.channel == channel)
    pending = {row[0]: row[1:] for row in session.execute(p).all()}
    out: list[dict[str, Any]] = []
    for ch in session.execute(q).scalars():
        sender, receiver = split_channel(ch.channel)
        view: dict[str, Any] = {
            "channel": ch.channel,
            "direction": ch.direction,
            "sender": sender,
            "receiver": receiver,
            "last_contact": iso_utc(ch.last_contact),
            "last_error": ch.last_error,
        }
        if ch.direction == "out":
            count, size, oldest = pending.get(ch.channel, (0, 0, None))
            view.update(
                last_seq=ch.last_seq,
                last_sent=max(ch.last_sent or 0, ch.last_acked),
                last_acked=ch.last_acked,
                pending_docs=int(count),
                pending_bytes=int(size),
                oldest_pending=oldest,
                oldest_pending_age_s=_age(oldest, now),
            )
        else:
            view["last_applied"] = ch.last_seq
        out.append(view)
    return out


def channel(session: Session, name: str) -> dict[str, Any]:
    """One channel's view (zeros when nothing was ever queued on it)."""
    found = channels(session, name)
    if found:
        return found[0]
    sender, receiver = split_channel(name)
    return {
        "channel": name,
        "direction": "out",
        "sender": sender,
        "receiver": receiver,
        "last_contact": None,
        "last_error": None,
        "last_seq": 0,
        "last_sent": 0,
        "last_acked": 0,
        "pending_docs": 0,
        "pending_bytes": 0,
        "oldest_pending": None,
        "oldest_pending_age_s": None,
    }


def dead_letters(session: Session, limit: int = 20) -> dict[str, Any]:
    """How many documents are parked, and the latest ``limit`` of them."""
    letters = deadletters.list_letters(session)
    return {"parked": len(letters), "latest": [d.to_json() for d in letters[-limit:]]}


def peer_list(session: Session) -> list[dict[str, Any]]:
    """The registered peers (cash server): kind, store, enabled, last seen, version, url."""
    return [p.to_json() for p in peers.list_peers(session)]
