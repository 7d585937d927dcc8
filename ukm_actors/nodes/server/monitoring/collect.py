"""Gathering what monitoring shows: every till's state, and the host's.

A till's last contact is the latest of: the bridge's record of the peer
(``bridge_peer.last_seen``, and the bridge's in-memory contacts not yet
written there), the last exchange on either of its channels, and its last
``till.status`` report. Documents waiting to go to it are the server's
unacknowledged outbox entries of ``server>till-…``; documents waiting to
come from it are what its last report said.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import psutil
from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.bridge import monitoring as bridge_monitoring
from ukm_actors.bridge.models import Channel
from ukm_actors.bridge.peers import list_peers
from ukm_actors.i18n import unwire_all
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.server.monitoring.tables import TillReport


def _epoch(value: Any) -> float | None:
    """Seconds since the epoch of an ISO text or a datetime (naive = UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return float(value.timestamp())
    return None


def _number(node_id: str) -> int | None:
    tail = node_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def tills(
    session: Session,
    server_id: str,
    now: float,
    offline_after: float,
    live_contacts: Mapping[str, Any] | None = None,
    live_transfers: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One view per registered till, by node id; ``live_transfers``: node id → the
    document being sent to it now (or last), as the bridge's ``Transfer.to_json()``."""
    channels = {c["channel"]: c for c in bridge_monitoring.channels(session)}
    # the bridge's view rounds times to the second; contact times are read exactly
    exact = {ch: t for ch, t in session.execute(select(Channel.channel, Channel.last_contact))}
    reports = {r.node_id: r for r in session.scalars(select(TillReport))}
    out: list[dict[str, Any]] = []
    for peer in list_peers(session, kind="till"):
        node = peer.node_id
        to_ch = channels.get(f"{server_id}>{node}", {})
        from_ch = channels.get(f"{node}>{server_id}", {})
        report = reports.get(node)
        live = (live_contacts or {}).get(node)
        contacts = [
            _epoch(peer.last_seen),
            _epoch(getattr(live, "when", None)),
            _epoch(exact.get(f"{server_id}>{node}")),
            _epoch(exact.get(f"{node}>{server_id}")),
            report.reported_ms / 1000 if report is not None else None,
        ]
        known = [c for c in contacts if c is not None]
        last = max(known) if known else None
        silent = round(max(0.0, now - last), 1) if last is not None else None
        from_pending: int | None = None
        from_age: float | None = None
        devices: dict[str, Any] | None = None
        logins: dict[str, Any] | None = None
        promotions: Any = None
        fiscal: dict[str, Any] | None = None
        exchange: dict[str, Any] | None = None
        device_settings: dict[str, Any] | None = None
        if report is not None:
            promotions = _part(report.extra, "promotions")
            from_pending = report.outbox_pending
            if report.outbox_oldest_ms is not None and (report.outbox_pending or 0) > 0:
                from_age = round(max(0.0, now - report.outbox_oldest_ms / 1000), 1)
            devices = json.loads(report.devices) if report.devices else None
            logins = _logins(report.extra)
            fiscal = _fiscal(report.extra)
            exchange = _exchange(report.extra)
            device_settings = _device_settings(report.extra)
        version = (
            (report.version if report is not None else None)
            or getattr(live, "version", None)
            or peer.version
        )
        out.append(
            {
                "node_id": node,
                "store": peer.store,
                "number": _number(node),
                "enabled": peer.enabled,
                "online": silent is not None and silent <= offline_after,
                "last_contact": iso_utc(last),
                "silent_s": silent,
                "version": version,
                "url": peer.url,
                "to_till": {
                    "pending": int(to_ch.get("pending_docs") or 0),
                    "oldest_age_s": to_ch.get("oldest_pending_age_s"),
                    "last_seq": to_ch.get("last_seq", 0),
                    "last_acked": to_ch.get("last_acked", 0),
                    "last_error": to_ch.get("last_error"),
                    "transfer": (live_transfers or {}).get(node),
                },
                "from_till": {
                    "applied": from_ch.get("last_applied", 0),
                    "pending": from_pending,
                    "oldest_age_s": from_age,
                },
                "devices": devices,
                "device_settings": device_settings,
                "logins": logins,
                "shift": _shift(report.extra) if report is not None else None,
                "promotions": promotions if isinstance(promotions, dict) else None,
                "fiscal": fiscal,
                "exchange": exchange,
                "reported_at": iso_utc(report.reported_ms / 1000) if report is not None else None,
            }
        )
    return out


def _part(extra: str | None, key: str) -> dict[str, Any] | None:
    """The object ``key`` of a till's last report (``TillReport.extra``, JSON), or None (no
    report, not JSON, no such object)."""
    try:
        found = json.loads(extra).get(key) if extra else None
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, dict) else None


def _translatable(extra: str | None, key: str) -> dict[str, Any] | None:
    """``_part`` with its texts translatable again (``i18n.unwire_all``: the till sent them
    as ``wire_all`` makes them; the monitoring answers are in the reader's language)."""
    found = _part(extra, key)
    return None if found is None else cast(dict[str, Any], unwire_all(found))


def _fiscal(extra: str | None) -> dict[str, Any] | None:
    """The till's fiscal register state as it last reported it (``fiscal`` in its
    report: ``{"health", "alerts", "pending_requests"}``), or None."""
    return _part(extra, "fiscal")


def _exchange(extra: str | None) -> dict[str, Any] | None:
    """The till's exchange with the trade system's folders as it last reported it
    (``exchange`` in its report, ``nodes/till/reporting.py``: the folders in force and
    where they come from, the last file loaded, a refusal), or None (a till of a
    centralised store, or one that does not report it)."""
    return _translatable(extra, "exchange")


def _device_settings(extra: str | None) -> dict[str, Any] | None:
    """Where the till's device settings stand as it last reported them (``device_settings``:
    ``server``, ``refused``, ``pending``, ``applied_at``; ``reports._device_settings``), or
    None (a till that does not report it)."""
    return _translatable(extra, "device_settings")


def _logins(extra: str | None) -> dict[str, Any] | None:
    """The till's failed cashier logins, as it last reported them (``logins`` in its
    report: ``{"failed", "refused", "locked_cashiers"}``), or None."""
    found = _part(extra, "logins")
    if found is None:
        return None
    counts = {k: found.get(k) for k in ("failed", "refused")}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
        return None
    locked = found.get("locked_cashiers")
    counts["locked_cashiers"] = [str(c) for c in locked][:100] if isinstance(locked, list) else []
    return counts


def _shift(extra: str | None) -> dict[str, Any] | None:
    """The till's shift as it last reported it (``{"open", "number", "opened_at",
    "cashier"}``), or None."""
    found = _part(extra, "shift")
    if found is None or not isinstance(found.get("open"), bool):
        return None
    number = found.get("number")
    return {
        "open": found["open"],
        "number": number if isinstance(number, int) and not isinstance(number, bool) else None,
        "opened_at": str(found["opened_at"])[:40] if found.get("opened_at") else None,
        "cashier": str(found["cashier"])[:200] if found.get("cashier") else None,
    }


def imports(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """The newest ``limit`` files read from the import folder (or by ``ukm import``), newest
    first: ``type``, ``store``, ``file``, ``status``, ``error``, ``finished`` (epoch s)."""
    from ukm_actors.nodes.server.catalog.public import CatalogLoad

    rows = session.execute(
        select(CatalogLoad)
        .where(CatalogLoad.kind.in_(("folder", "cli")))
        .order_by(CatalogLoad.id.desc())
        .limit(limit)
    ).scalars()
    return [
        {"type": r.type, "store": r.store, "file": r.file, "status": r.status, "error": r.error,
         "finished": _epoch(r.finished_at)}
        for r in rows
    ]  # fmt: skip


def oldest_undelivered(till: Mapping[str, Any]) -> float | None:
    """Age in seconds of the oldest document not yet delivered, either way."""
    ages = [till["to_till"]["oldest_age_s"], till["from_till"]["oldest_age_s"]]
    known = [a for a in ages if a is not None]
    return max(known) if known else None


def host(data_dir: Path) -> dict[str, Any]:
    """CPU, memory and the data folder's disk, by psutil."""
    mem = psutil.virtual_memory()
    try:
        disk = psutil.disk_usage(str(data_dir))
        disk_view: dict[str, Any] = {
            "path": str(data_dir),
            "total_bytes": disk.total,
            "used_bytes": disk.used,
            "free_bytes": disk.free,
            "percent": disk.percent,
        }
    except OSError as exc:
        disk_view = {"path": str(data_dir), "error": str(exc)}
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    proc = psutil.Process()
    return {
        "cpu_percent": psutil.cpu_percent(interval=None),
        "cpu_count": psutil.cpu_count() or 1,
        "load_average": list(load) if load else None,
        "memory": {
            "total_bytes": mem.total,
            "available_bytes": mem.available,
            "used_bytes": mem.total - mem.available,
            "percent": mem.percent,
        },
        "disk": disk_view,
        "process": {
            "rss_bytes": proc.memory_info().rss,
            "uptime_s": round(time.time() - proc.create_time(), 1),
        },
    }
