"""Alerts: what is wrong now, since when; raised and cleared as checks see them.

Kinds:

- ``till.offline``: silent longer than ``[server] offline_after`` (or never
  heard from). Not raised during the server's first ``offline_after`` seconds:
  a till cannot have reached a server that was not running, so after an
  ordinary restart it gets that long to call again;
- ``till.behind``: a document to or from it undelivered longer than
  ``[server] behind_after``;
- ``till.device``: a device the till reports in state ``error``;
- ``till.devices``: the till refuses the ``devices`` setting sent from here (its
  ``device_settings.refused``; the message a translatable text with the till's reason);
- ``export.failing``: the export folder cannot be written;
- ``export.behind``: a document waits for export longer than ``behind_after``;
- ``bridge.parked``: documents the bridge could not apply and parked;
- ``import.failed``: the newest file of an import type (and store) was refused; cleared
  when a later file of that type loads.

Disabled tills are not alerted on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ukm_actors.i18n import _
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.server.monitoring.collect import oldest_undelivered

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    message: str
    started: float | None = None
    """When the problem began, if known (else: when first seen)."""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


@dataclass
class Alert:
    kind: str
    subject: str
    message: str
    since: float

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "since": iso_utc(self.since),
        }


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def till_findings(
    tills: Iterable[Mapping[str, Any]],
    now: float,
    behind_after: float,
    offline_grace_until: float = 0.0,
) -> list[Finding]:
    """Alerts about tills; no ``till.offline`` before ``offline_grace_until`` (epoch s)."""
    out: list[Finding] = []
    for till in tills:
        if not till["enabled"]:
            continue
        node = till["node_id"]
        if not till["online"] and now >= offline_grace_until:
            silent = till["silent_s"]
            if silent is None:
                out.append(Finding("till.offline", node, f"{node} has never contacted the server"))
            else:
                out.append(
                    Finding(
                        "till.offline",
                        node,
                        f"{node} has been silent for {_ago(silent)} (last contact "
                        f"{till['last_contact']})",
                        now - silent,
                    )
                )
        age = oldest_undelivered(till)
        if age is not None and age > behind_after:
            to, frm = till["to_till"], till["from_till"]
            out.append(
                Finding(
                    "till.behind",
                    node,
                    f"{node}: a document has waited {_ago(age)} for delivery "
                    f"({to['pending']} to it, {frm['pending'] or 0} from it)",
                    now - age,
                )
            )
        for name, dev in sorted((till.get("devices") or {}).items()):
            if dev.get("state") == "error":
                detail = dev.get("error") or "no details"
                out.append(Finding("till.device", f"{node}/{name}", f"{node} {name}: {detail}"))
        refused = (till.get("device_settings") or {}).get("refused")
        if refused:
            out.append(
                Finding(
                    "till.devices",
                    node,
                    _(
                        "{till} does not use the devices set on this server: {error}",
                        till=node,
                        error=refused,
                    ),
                )
            )
        for alert in (till.get("fiscal") or {}).get("alerts") or ():
            if isinstance(alert, dict) and alert.get("code"):
                code = str(alert["code"])
                text = f"{node}: {alert.get('message') or code}"
                out.append(Finding("till.fiscal", f"{node}/{code}", text))
    return out


def import_findings(imports: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """A finding for each import type (and store) whose newest file, loaded or refused, was
    refused (``imports`` newest first, as ``collect.imports``)."""
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for row in imports:
        if row["status"] not in ("loaded", "failed"):
            continue
        key = (str(row["type"] or row["file"]), str(row["store"] or ""))
        if key in seen:
            continue
        seen.add(key)
        if row["status"] == "failed":
            file = str(row["file"] or row["type"])
            message = f"{file} was refused: {row['error']}"
            out.append(Finding("import.failed", file, message, row["finished"]))
    return out


def export_findings(
    export: Mapping[str, Any] | None, now: float, behind_after: float
) -> list[Finding]:
    if not export:
        return []
    out: list[Finding] = []
    if export.get("state") == "failing":
        out.append(Finding("export.failing", "export", str(export.get("error"))))
    oldest = export.get("oldest_pending_ms")
    if oldest is not None and now - oldest / 1000 > behind_after:
        age = now - oldest / 1000
        out.append(
            Finding(
                "export.behind",
                "export",
                f"{export.get('pending')} documents wait for export, the oldest for {_ago(age)}",
                oldest / 1000,
            )
        )
    return out


class AlertBook:
    """The alerts raised now; ``update`` raises new ones and clears solved ones (logged)."""

    def __init__(self) -> None:
        self._active: dict[str, Alert] = {}

    def update(self, findings: Iterable[Finding], now: float) -> list[Alert]:
        seen: dict[str, Finding] = {f.key: f for f in findings}
        for key, f in seen.items():
            alert = self._active.get(key)
            if alert is None:
                since = min(f.started, now) if f.started is not None else now
                self._active[key] = Alert(f.kind, f.subject, f.message, since)
                log.warning("alert %s: %s", f.kind, f.message)
            else:
                alert.message = f.message
        for key in [k for k in self._active if k not in seen]:
            alert = self._active.pop(key)
            log.info("alert %s cleared: %s", alert.kind, alert.subject)
        return self.active()

    def active(self) -> list[Alert]:
        return sorted(self._active.values(), key=lambda a: (a.since, a.kind, a.subject))
