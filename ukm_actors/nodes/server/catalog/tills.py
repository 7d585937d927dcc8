"""Tills: registering one (directory row, bridge peer, its first whole catalog), settings, resync.

Everything here runs in the caller's write transaction, so the till, its
peer and its documents appear together or not at all. After the commit,
wake the channels returned (``actor.notify_channels``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.bridge.models import OutboxEntry, Peer
from ukm_actors.hw.devconfig import DeviceSettingsError, check_devices
from ukm_actors.i18n import _
from ukm_actors.nodes.server.catalog.change import Change, begin_change, finish_change, now
from ukm_actors.nodes.server.catalog.errors import CatalogError, NotFound
from ukm_actors.nodes.server.catalog.publisher import MAX_RECORDS, SERVER_ID, publish
from ukm_actors.nodes.server.catalog.records import merge_settings
from ukm_actors.nodes.server.catalog.tables import Store
from ukm_actors.nodes.server.catalog.tables_changes import DONE
from ukm_actors.nodes.server.catalog.tables_local import Till, TillType

SETTINGS_KEYS = (
    "header",
    "footer",
    "weight_barcode",
    "weight_prefixes",
    "card_price_types",
    "ui",
    "devices",
)
"""Settings a till applies (docs/admin-api.md); other keys are stored and delivered as they
are, for a till version that reads them."""


def till_node_id(store: str, number: int) -> str:
    """``till-<store>-<number>``: the till's node id and bridge peer id."""
    return f"till-{store}-{number}"


@dataclass(frozen=True)
class Registered:
    """A registered till: its node id, bridge secret, whether it is new, channels to wake."""

    node_id: str
    secret: str
    created: bool
    channels: frozenset[str]


def _register_peer(
    session: Session, node_id: str, kind: str, store: str | None, secret: str | None
) -> str:
    try:
        from ukm_actors.bridge.peers import register_peer
    except ModuleNotFoundError:  # the bridge's registry not there yet: write the row ourselves
        row = session.get(Peer, node_id)
        if row is None:
            row = Peer(node_id=node_id, kind=kind, store=store, enabled=True, created_at=now())
            row.secret = secret or secrets.token_urlsafe(32)
            session.add(row)
        else:
            row.kind, row.store, row.enabled = kind, store, True
            if secret:
                row.secret = secret
        session.flush()
        return row.secret
    return register_peer(session, node_id, kind, store=store, secret=secret)


def register_peer_of(
    session: Session, node_id: str, kind: str, store: str | None = None, secret: str | None = None
) -> str:
    """Register a non-till node (marketing, integration, pricechecker) with the bridge."""
    return _register_peer(session, node_id, kind, store, secret)


def _has_documents(session: Session, node_id: str) -> bool:
    channel = f"{SERVER_ID}>{node_id}"
    return (
        session.execute(
            select(OutboxEntry.seq).where(OutboxEntry.channel == channel).limit(1)
        ).first()
        is not None
    )


def commit_change(change: Change, max_records: int = MAX_RECORDS) -> frozenset[str]:
    """Publish a change's documents and mark it done (same transaction); returns channels."""
    channels = publish(change, max_records)
    finish_change(change, DONE)
    return frozenset(channels)


def register_till(
    session: Session,
    store: str,
    number: int,
    *,
    secret: str | None = None,
    settings: dict[str, Any] | None = None,
    by: str | None = None,
    kind: str = "admin",
    max_records: int = MAX_RECORDS,
) -> Registered:
    """Register till ``number`` of ``store`` (idempotent).

    Creates the ``catalog_till`` row and the bridge peer ``till-<store>-<number>``
    (with ``secret``, or a generated one; an existing peer keeps its secret
    unless one is given) and, when the till has no documents yet, queues its
    whole catalog (seq 1 on its channel).
    """
    if number < 1 or number > 9999:
        raise CatalogError(f"till number {number} is outside 1..9999")
    shop = session.get(Store, store)
    if shop is None or not shop.active:
        raise NotFound(
            f"store {store!r} is not known on this server",
            hint="load a stores file or POST /api/v1/stores first",
        )
    check_settings(settings or {}, _("the till's settings"))
    node_id = till_node_id(store, number)
    till = session.get(Till, node_id)
    created = till is None
    if till is None:
        till = Till(
            node_id=node_id,
            store=store,
            number=number,
            settings=json.dumps(settings or {}, ensure_ascii=False),
            enabled=True,
            created_at=now(),
            version=0,
        )
        session.add(till)
    elif not till.enabled:
        till.enabled = True
    session.flush()
    issued = _register_peer(session, node_id, "till", store, secret)
    channels: frozenset[str] = frozenset()
    if not _has_documents(session, node_id):
        change = begin_change(session, kind, "till.register", store=store, by=by)
        change.full_for.add(node_id)
        channels = commit_change(change, max_records)
    return Registered(node_id, issued, created, channels)


def get_till(session: Session, node_id: str) -> Till:
    till = session.get(Till, node_id)
    if till is None:
        raise NotFound(f"no till {node_id!r} is registered", hint="GET /api/v1/tills lists them")
    return till


def resync(
    session: Session, node_id: str, *, by: str | None = None, max_records: int = MAX_RECORDS
) -> frozenset[str]:
    """Queue a whole new catalog for the till; its older catalog documents become superseded."""
    till = get_till(session, node_id)
    change = begin_change(session, "admin", "till.resync", store=till.store, by=by)
    change.full_for.add(node_id)
    return commit_change(change, max_records)


def update_settings(
    session: Session,
    node_id: str,
    settings: dict[str, Any],
    *,
    by: str | None = None,
    max_records: int = MAX_RECORDS,
) -> frozenset[str]:
    """Replace the till's settings and send them to it."""
    if not isinstance(settings, dict):
        raise CatalogError("till settings must be a JSON object")
    check_settings(settings, _("the till's settings"))
    till = get_till(session, node_id)
    change = begin_change(session, "admin", "till.settings", store=till.store, by=by)
    before = in_force(session, till)
    till.settings = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    send_settings(change, till, before, in_force(session, till))
    return commit_change(change, max_records)


def in_force(session: Session, till: Till) -> dict[str, Any]:
    """The till's settings in force: its type's (if it has one), its own over them."""
    kind = session.get(TillType, till.type_id) if till.type_id else None
    own = json.loads(till.settings or "{}")
    return merge_settings(json.loads(kind.settings if kind else "{}"), own)


def check_settings(settings: dict[str, Any], where: str) -> None:
    """Refuse settings a till could not use (``CatalogError`` naming the device and the
    setting): so far the ``devices`` (``ukm_actors.hw.devconfig``)."""
    if "devices" not in settings:
        return
    try:
        check_devices(settings["devices"])
    except DeviceSettingsError as exc:
        raise CatalogError(
            _("{where}: devices: {message}", where=where, message=exc.message),
            code="settings.devices",
            hint=exc.hint
            or _("each device is an object of the settings its [till.devices.<name>] table holds"),
        ) from exc


def send_settings(
    change: Change, till: Till, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Queue the till's settings in force with ``change`` (keys it no longer has deleted).

    Settings in force that the till could not use are refused (``CatalogError``; the
    caller's transaction is rolled back)."""
    check_settings(after, _("the settings in force of {till}", till=till.node_id))
    till.version = change.version
    change.session.flush()
    change.tills.add(till.node_id)
    change.changes += 1
    gone = set(before) - set(after)
    if gone:
        change.dropped_settings[till.node_id] = gone


def new_secret(session: Session, node_id: str) -> str:
    """Issue a new bridge secret for the till (the old one stops working)."""
    till = get_till(session, node_id)
    return _register_peer(session, node_id, "till", till.store, secrets.token_urlsafe(32))
