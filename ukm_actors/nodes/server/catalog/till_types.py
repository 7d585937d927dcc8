"""Till types: settings shared by every till of a type (a till's own settings win, key by key).

A change of a type's settings, or of a till's type, sends each till concerned its settings in
force in the same transaction (``catalog.delta``, settings records; a key a till no longer has
is deleted there). Like ``tills``, everything runs in the caller's write transaction.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.i18n import _
from ukm_actors.nodes.server.catalog.change import begin_change
from ukm_actors.nodes.server.catalog.errors import CatalogError, Conflict, NotFound
from ukm_actors.nodes.server.catalog.publisher import MAX_RECORDS
from ukm_actors.nodes.server.catalog.tables_local import Till, TillType
from ukm_actors.nodes.server.catalog.tills import (
    check_settings,
    commit_change,
    get_till,
    in_force,
    send_settings,
)

TYPE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def type_json(kind: TillType, tills: list[str]) -> dict[str, Any]:
    return {"id": kind.id, "name": kind.name, "settings": json.loads(kind.settings or "{}"),
            "tills": tills}  # fmt: skip


def list_types(session: Session) -> list[dict[str, Any]]:
    """Every type with its settings and the node ids of its tills."""
    members: dict[str, list[str]] = {}
    rows = session.execute(select(Till.type_id, Till.node_id).where(Till.type_id.is_not(None)))
    for type_id, node_id in rows:
        members.setdefault(str(type_id), []).append(node_id)
    kinds = session.execute(select(TillType).order_by(TillType.id)).scalars()
    return [type_json(k, sorted(members.get(k.id, []))) for k in kinds]


def get_type(session: Session, type_id: str) -> TillType:
    kind = session.get(TillType, type_id)
    if kind is None:
        raise NotFound(f"no till type {type_id!r}", hint="GET /api/v1/till-types lists them")
    return kind


def _tills_of(session: Session, type_id: str) -> list[Till]:
    q = select(Till).where(Till.type_id == type_id).order_by(Till.node_id)
    return list(session.execute(q).scalars())


def put_type(
    session: Session,
    type_id: str,
    name: str,
    settings: dict[str, Any],
    *,
    by: str | None = None,
    max_records: int = MAX_RECORDS,
) -> tuple[dict[str, Any] | None, frozenset[str]]:
    """Create or replace the type; its tills get their settings in force. Returns the type
    as it was (None: new) and the channels to wake."""
    if not TYPE_ID.fullmatch(type_id):
        raise CatalogError(
            f"till type id {type_id[:60]!r} must be 1 to 40 letters, digits, '_', '.' or '-'"
        )
    if not isinstance(settings, dict):
        raise CatalogError('"settings" of a till type must be a JSON object')
    check_settings(settings, _("the settings of till type {type}", type=type_id))
    kind = session.get(TillType, type_id)
    members = _tills_of(session, type_id)
    before_type = type_json(kind, [t.node_id for t in members]) if kind else None
    befores = {t.node_id: in_force(session, t) for t in members}
    change = begin_change(session, "admin", "till_type.settings", by=by)
    if kind is None:
        kind = TillType(id=type_id)
        session.add(kind)
    kind.name = name
    kind.settings = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    kind.version = change.version
    session.flush()
    for till in members:
        send_settings(change, till, befores[till.node_id], in_force(session, till))
    return before_type, commit_change(change, max_records)


def delete_type(session: Session, type_id: str) -> dict[str, Any]:
    """Delete an unused type; 409 while tills have it. Returns it as it was."""
    kind = get_type(session, type_id)
    members = [t.node_id for t in _tills_of(session, type_id)]
    if members:
        raise Conflict(
            f"till type {type_id!r} is the type of {', '.join(members[:10])}",
            hint="give those tills another type (or none) first",
        )
    before = type_json(kind, [])
    session.delete(kind)
    return before


def set_type(
    session: Session,
    node_id: str,
    type_id: str | None,
    *,
    by: str | None = None,
    max_records: int = MAX_RECORDS,
) -> frozenset[str]:
    """Give the till ``type_id`` (None: no type); it gets its settings in force."""
    till = get_till(session, node_id)
    if type_id is not None:
        get_type(session, type_id)
    before = in_force(session, till)
    change = begin_change(session, "admin", "till.type", store=till.store, by=by)
    till.type_id = type_id
    session.flush()
    send_settings(change, till, before, in_force(session, till))
    return commit_change(change, max_records)
