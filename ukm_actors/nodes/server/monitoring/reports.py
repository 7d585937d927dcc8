"""The ``till.status`` ask: each till tells the server how it is, every few seconds.

Till-initiated, so it works from behind NAT like the rest of the bridge. A
till sends (every field optional)::

    {"version": "0.1.0",
     "outbox": {"pending": 3, "oldest_age_s": 42.5, "last_seq": 1187},
     "devices": {"printer": {"state": "ok", "kind": "printer", "source": "server"},
                 "scales": {"state": "error", "error": "no answer on /dev/ttyUSB1"}},
     "device_settings": {"server": true, "refused": null, "applied_at": "…Z",
                         "pending": {"since": "…Z", "changes": {"printer": "replace"},
                                     "waits_for": {"msgid": "receipt {number} is open",
                                                   "params": {"number": 15}}}},
     "shift": {"open": true, "number": 12},
     "promotions": {"campaigns_version": "5c1f…", "campaigns_received_at": "…Z",
                    "online": true},
     "exchange": {"source": "server", "catalog_source": "both", "folder": "…", …}}

and gets ``{"ok": true, "report_every": seconds}``. ``state`` is ``ok``
when the device works, anything else (``error``, ``absent``, ``busy``…)
is shown as is and ``error`` raises an alert. The server keeps the last
report per till (``monitoring_till_report``). A device's ``source`` says
where its settings come from (``file``: the till's own; ``server``: the
``devices`` setting sent from here); ``device_settings`` says whether that
setting's last change waits (``pending``: ``since``, ``changes`` as ``{name:
"add" | "replace" | "remove"}``, ``waits_for``), was ``refused`` by the till
(why) or was applied (``applied_at``); its texts come translatable
(``i18n.wire_all``: a text, or ``{"msgid", "params"}``) and are checked
here (``_device_settings``); a till that does not send it (an older one) is
taken as before. ``exchange`` (a till of a
decentralised store: its folders in force, last file, refusals;
``nodes/till/reporting.py``) is shown as it is (``collect.py``).
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
        source = info.get("source")
        if source is not None and not isinstance(source, str):
            raise StatusReportError(f'device {name!r}: "source" must be a text, not {source!r}')
        out[str(name)[:60]] = {k: info[k] for k in info if isinstance(k, str)}
    return out


SHORT = 60
"""The most characters of a device's name, source, time or change."""
TEXT = 2000
"""The most characters of a text of ``device_settings`` (a refusal, why a change waits)."""


def _text(value: Any, where: str) -> Any:
    """A text as the till sends it: None, a plain text, or a translatable one as
    ``i18n.to_wire`` makes it (``{"msgid", "params"}``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value[:TEXT]
    if isinstance(value, dict) and isinstance(value.get("msgid"), str):
        params = value.get("params")
        if len(value["msgid"]) <= TEXT and (params is None or isinstance(params, dict)):
            return value
    raise StatusReportError(f"{where} must be a text, not {value!r}"[:300])


def _stamp(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > SHORT:
        raise StatusReportError(f"{where} must be an ISO time text, not {value!r}"[:300])
    return value


def _device_settings(value: Any) -> dict[str, Any] | None:
    """The till's ``device_settings`` checked (``server``, ``refused``, ``pending``,
    ``applied_at``); None when the till sends none (an older till)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise StatusReportError("device_settings must be an object")
    server = value.get("server")
    if server is not None and not isinstance(server, bool):
        raise StatusReportError(f"device_settings.server must be true or false, not {server!r}")
    out: dict[str, Any] = {
        "server": bool(server),
        "refused": _text(value.get("refused"), "device_settings.refused"),
        "pending": None,
        "applied_at": _stamp(value.get("applied_at"), "device_settings.applied_at"),
    }
    pending = value.get("pending")
    if pending is not None:
        if not isinstance(pending, dict):
            raise StatusReportError("device_settings.pending must be an object")
        changes = pending.get("changes") or {}
        if (
            not isinstance(changes, dict)
            or len(changes) > MAX_DEVICES
            or not all(isinstance(v, str) for v in changes.values())
        ):
            raise StatusReportError(
                "device_settings.pending.changes must be an object of device name → "
                '"add", "replace" or "remove"'
            )
        # what a newer till adds (how many documents wait, say) is kept when it is a
        # number or a text, and else left out
        kept: dict[str, Any] = {}
        for key, extra in pending.items():
            if key in ("since", "changes", "waits_for"):
                continue
            if extra is None or isinstance(extra, (bool, int, float)):
                kept[str(key)[:SHORT]] = extra
            elif isinstance(extra, str) or (
                isinstance(extra, dict) and isinstance(extra.get("msgid"), str)
            ):
                kept[str(key)[:SHORT]] = _text(extra, f"device_settings.pending.{key}")
        out["pending"] = {
            **kept,
            "since": _stamp(pending.get("since"), "device_settings.pending.since"),
            "changes": {str(k)[:SHORT]: v[:SHORT] for k, v in changes.items()},
            "waits_for": _text(pending.get("waits_for"), "device_settings.pending.waits_for"),
        }
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
    if "device_settings" in extra:
        extra["device_settings"] = _device_settings(extra["device_settings"])
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
