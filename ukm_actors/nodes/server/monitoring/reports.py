"""The ``till.status`` ask: each till tells the server how it is, every few seconds.

Till-initiated, so it works from behind NAT like the rest of the bridge. A
till sends (every field optional)::

    {"version": "0.1.0",
     "outbox": {"pending": 3, "oldest_age_s": 42.5, "last_seq": 1187},
     "devices": {"printer": {"state": "ok"},
                 "scales": {"state": "error", "error": "no answer on /dev/ttyUSB1"}},
     "shift": {"open": true, "number": 12},
     "promotions": {"campaigns_version": "5c1f…", "campaigns_received_at": "…Z",
                    "online": true}}

and gets ``{"ok": true, "report_every": seconds}``. ``state`` is ``ok``
when the device works, anything else (``error``, ``absent``, ``busy``…)
is shown as is and ``error`` raises an alert. The server keeps the last
report per till (``monitoring_till_report``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.monitoring.tables import TillReport

MAX_DEVICES = 32
MAX_JSON = 16_384


class StatusReportError(UkmError):
    """A ``till.status`` report that cannot be taken."""

    code = "monitoring.report"


def _count(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StatusReportError(f"{where} must be a whole number of 0 or more, not {value!r}")
    return value


def _age(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise StatusReportError(f"{where} must be a number of seconds, not {value!r}")
    return float(value)


def _devices(value: Any) -> dict[str, dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_DEVICES:
        raise StatusReportError(f"devices must be an object of at most {MAX_DEVICES} devices")
    out: dict[str, dict[str, Any]] = {}
    for name, info in value.items():
        if not isinstance(info, dict) or not isinstance(info.get("state"), str):
            raise StatusReportError(f'device {name!r} must be an object with a "state" text')
        out[str(name)[:60]] = {k: info[k] for k in info if isinstance(k, str)}
    return out


def record_report(session: Session, node_id: str, message: dict[str, Any], now_ms: int) -> None:
    """Store ``message`` as the latest report of ``node_id`` (in the caller's transaction)."""
    if not node_id.startswith("till-"):
        raise StatusReportError(
            f"{node_id} is not a till; only tills send till.status", code="monitoring.not_a_till"
        )
    version = message.get("version")
    if version is not None and not isinstance(version, str):
        raise StatusReportError(f"version must be a text, not {version!r}")
    outbox = message.get("outbox") or {}
    if not isinstance(outbox, dict):
        raise StatusReportError("outbox must be an object")
    pending = _count(outbox.get("pending"), "outbox.pending")
    age = _age(outbox.get("oldest_age_s"), "outbox.oldest_age_s")
    last_seq = _count(outbox.get("last_seq"), "outbox.last_seq")
    devices = _devices(message.get("devices"))
    extra = {k: v for k, v in message.items() if k not in ("version", "outbox", "devices")}
    devices_json = json.dumps(devices, ensure_ascii=False) if devices is not None else None
    extra_json = json.dumps(extra, ensure_ascii=False, default=str) if extra else None
    for text in (devices_json, extra_json):
        if text is not None and len(text) > MAX_JSON:
            raise StatusReportError(f"the report is larger than {MAX_JSON} characters")
    values = {
        "reported_ms": now_ms,
        "version": version[:40] if version else None,
        "outbox_pending": pending,
        "outbox_oldest_ms": now_ms - int(age * 1000) if age is not None else None,
        "outbox_last_seq": last_seq,
        "devices": devices_json,
        "extra": extra_json,
    }
    row = session.get(TillReport, node_id)
    if row is not None:
        for key, value in values.items():
            setattr(row, key, value)
        return
    try:
        with session.begin_nested():
            session.add(TillReport(node_id=node_id, **values))
    except IntegrityError:
        row = session.get(TillReport, node_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
