"""The audit log: every write through the admin API leaves who, when, what, before and after.

The row is written in the same transaction as the change, so there is no
change without its audit row and no audit row for a change that failed.
Secrets (passwords, bridge secrets) never appear in it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.nodes.server.admin.tables import AuditEntry
from ukm_actors.nodes.server.catalog.public import now

SECRET_KEYS = frozenset({"password", "password_hash", "secret", "token"})


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("***" if k in SECRET_KEYS else _clean(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _summary(value: Any) -> str | None:
    if value is None:
        return None
    text = json.dumps(_clean(value), ensure_ascii=False, sort_keys=True, default=str)
    if len(text) <= 4000:
        return text
    return json.dumps({"truncated": text[:3900] + " …"}, ensure_ascii=False)


def audit(
    session: Session,
    who: str,
    action: str,
    target: str = "",
    before: Any = None,
    after: Any = None,
) -> None:
    """Record that ``who`` did ``action`` on ``target`` (``before``/``after``: JSON summaries)."""
    session.add(
        AuditEntry(
            at=now(),
            who=who,
            action=action,
            target=target,
            before=_summary(before),
            after=_summary(after),
        )
    )


def entries(
    session: Session,
    page: int,
    per_page: int,
    who: str | None = None,
    action: str | None = None,
    target: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, entries)`` newest first: ``who`` exactly, ``action`` exactly or a prefix
    ending in a dot (``cashier.``), ``target`` exactly."""
    q = select(AuditEntry)
    conditions = []
    if who:
        conditions.append(AuditEntry.who == who)
    if action:
        if action.endswith("."):
            escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(AuditEntry.action.like(escaped + "%", escape="\\"))
        else:
            conditions.append(AuditEntry.action == action)
    if target:
        conditions.append(AuditEntry.target == target)
    q = q.where(*conditions)
    count = select(func.count()).select_from(AuditEntry).where(*conditions)
    total = int(session.execute(count).scalar_one())
    rows = session.execute(
        q.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).scalars()
    return total, [
        {
            "id": r.id,
            "at": r.at.isoformat(timespec="seconds") if r.at else None,
            "who": r.who,
            "action": r.action,
            "target": r.target,
            "before": json.loads(r.before) if r.before else None,
            "after": json.loads(r.after) if r.after else None,
        }
        for r in rows
    ]
