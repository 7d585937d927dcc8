"""The monitoring snapshot as Prometheus metrics (text exposition format 0.0.4).

Written by hand (a few gauges do not justify a dependency): one ``# HELP``
and ``# TYPE`` line per family, label values escaped (backslash, double
quote, newline), help text escaped (backslash, newline), values in Go's
float syntax (``+Inf``, ``NaN``). Samples without a value are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Sample = tuple[Mapping[str, str], float | int | None]


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float | int) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


class Exposition:
    """Builds the text of one scrape."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> None:
        rows = [(labels, v) for labels, v in samples if v is not None]
        self._lines.append(f"# HELP {name} {escape_help(help_text)}")
        self._lines.append(f"# TYPE {name} {kind}")
        for labels, value in rows:
            assert value is not None
            if labels:
                inner = ",".join(f'{k}="{escape_label(str(v))}"' for k, v in labels.items())
                self._lines.append(f"{name}{{{inner}}} {format_value(value)}")
            else:
                self._lines.append(f"{name} {format_value(value)}")

    def gauge(self, name: str, help_text: str, samples: Iterable[Sample]) -> None:
        self.family(name, "gauge", help_text, samples)

    def text(self) -> str:
        return "\n".join(self._lines) + "\n"


Family = tuple[str, str, str, list[Sample]]


def render(snapshot: Mapping[str, Any], extra: Iterable[Callable[[], list[Family]]] = ()) -> str:
    """Every metric of a monitoring snapshot, then the families other features add."""
    e = Exposition()
    for provide in extra:
        for name, kind, help_text, samples in provide():
            e.family(name, kind, help_text, samples)
    tills = snapshot.get("tills", [])

    def per_till(fn: Any) -> list[Sample]:
        return [
            (
                {"node": t["node_id"], "store": t["store"] or "", "till": str(t["number"] or "")},
                fn(t),
            )
            for t in tills
        ]

    e.gauge(
        "ukm_till_up",
        "1 when the till contacted the server within [server] offline_after.",
        per_till(lambda t: 1 if t["online"] else 0),
    )
    e.gauge(
        "ukm_till_last_contact_age_seconds",
        "Seconds since the till was last heard from.",
        per_till(lambda t: t["silent_s"]),
    )
    e.gauge(
        "ukm_till_documents_to_till",
        "Documents queued for the till, not yet acknowledged.",
        per_till(lambda t: t["to_till"]["pending"]),
    )
    e.gauge(
        "ukm_till_documents_from_till",
        "Documents waiting in the till's outbox, as it last reported.",
        per_till(lambda t: t["from_till"]["pending"]),
    )
    e.gauge(
        "ukm_till_oldest_undelivered_seconds",
        "Age of the oldest document not yet delivered to or from the till.",
        per_till(
            lambda t: max(
                [
                    a
                    for a in (t["to_till"]["oldest_age_s"], t["from_till"]["oldest_age_s"])
                    if a is not None
                ],
                default=0.0,
            )
        ),
    )
    e.family(
        "ukm_till_failed_logins_total",
        "counter",
        "Wrong cashier passwords at the till since it started, as it last reported.",
        per_till(lambda t: (t.get("logins") or {}).get("failed")),
    )
    e.gauge(
        "ukm_till_locked_cashiers",
        "Cashiers locked at the till after failed logins, as it last reported.",
        per_till(lambda t: len(t["logins"]["locked_cashiers"]) if t.get("logins") else None),
    )
    device_samples: list[Sample] = []
    for t in tills:
        for name, dev in sorted((t.get("devices") or {}).items()):
            labels = {"node": t["node_id"], "device": name, "state": str(dev.get("state"))}
            device_samples.append((labels, 1 if dev.get("state") == "ok" else 0))
    e.gauge("ukm_till_device_ok", "1 when the till reports the device working.", device_samples)
    fiscal = [(t["node_id"], (t.get("fiscal") or {}).get("health") or {}) for t in tills]
    e.gauge(
        "ukm_till_fiscal_unsent_documents",
        "Fiscal documents the till's register has not sent to the OFD yet.",
        [({"node": n}, h.get("ofd_unsent")) for n, h in fiscal if h],
    )
    e.gauge(
        "ukm_till_fiscal_alerts",
        "Fiscal register alerts (OFD backlog over a day, FN expiring, paper, shift) per till.",
        [({"node": t["node_id"]}, len((t.get("fiscal") or {}).get("alerts") or ())) for t in tills],
    )
    counts: dict[str, int] = {}
    for a in snapshot.get("alerts", []):
        counts[a["kind"]] = counts.get(a["kind"], 0) + 1
    e.gauge(
        "ukm_alerts",
        "Alerts raised now, by kind.",
        [({"kind": k}, n) for k, n in sorted(counts.items())],
    )
    h = snapshot.get("host", {})
    mem, disk = h.get("memory", {}), h.get("disk", {})
    e.gauge(
        "ukm_host_cpu_percent",
        "Host CPU use since the previous check.",
        [({}, h.get("cpu_percent"))],
    )
    e.gauge(
        "ukm_host_memory_bytes",
        "Host memory.",
        [({"kind": k}, mem.get(f"{k}_bytes")) for k in ("total", "used", "available")],
    )
    e.gauge(
        "ukm_data_disk_bytes",
        "Disk of the server's data folder.",
        [
            ({"kind": k, "path": str(disk.get("path", ""))}, disk.get(f"{k}_bytes"))
            for k in ("total", "used", "free")
        ],
    )
    e.gauge(
        "ukm_process_resident_bytes",
        "Resident memory of this server process.",
        [({}, h.get("process", {}).get("rss_bytes"))],
    )
    db = snapshot.get("database", {})
    e.gauge(
        "ukm_database_size_bytes",
        "Size of the server's database.",
        [({"dialect": str(db.get("dialect", ""))}, db.get("size_bytes"))],
    )
    export = snapshot.get("export") or {}
    e.gauge(
        "ukm_export_pending_documents",
        "Documents waiting to be exported.",
        [({}, export.get("pending"))],
    )
    e.gauge(
        "ukm_export_held_shift_closes",
        "Shift closes waiting for their receipts.",
        [({}, export.get("held_shift_closes"))],
    )
    e.gauge(
        "ukm_export_failed_documents",
        "Documents whose data could not be exported.",
        [({}, export.get("failed"))],
    )
    e.gauge(
        "ukm_export_folder_ok",
        "1 when the export folder can be written.",
        [({}, (1 if export.get("state") == "ok" else 0) if export else None)],
    )
    bridge = snapshot.get("bridge") or {}
    e.gauge(
        "ukm_bridge_parked_documents",
        "Documents the bridge could not apply.",
        [({}, bridge.get("parked"))],
    )
    return e.text()
