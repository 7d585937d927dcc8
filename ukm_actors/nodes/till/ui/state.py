"""What the cashier screen shows around the receipt: links, waiting documents, devices."""

from __future__ import annotations

import logging
from typing import Any

from ukm_actors.i18n import LANGUAGES, _
from ukm_actors.nodes.till.reporting import device_states
from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)


def ui_settings(ctx: TillContext) -> dict[str, str]:
    """``mode`` and ``language`` of this till's screen: the server's ``ui`` setting, else config."""
    settings = ctx.config.till
    mode, language = settings.ui_mode, ctx.config.node.language
    pushed = ctx.services.catalog.setting("ui", None)
    if isinstance(pushed, dict):
        if pushed.get("mode") in ("keyboard", "touch"):
            mode = str(pushed["mode"])
        if pushed.get("language") in LANGUAGES:
            language = str(pushed["language"])
    return {"mode": mode, "language": language}


def _link(links: list[dict[str, Any]], peer: str) -> dict[str, Any]:
    """``online`` / ``offline`` / ``not_configured`` of the links to ``peer``, with the error."""
    mine = [x for x in links if x.get("peer") == peer]
    if not mine:
        return {"state": "not_configured"}
    failing = [x for x in mine if x.get("state") == "error"]
    if failing:
        first = failing[0]
        return {
            "state": "offline",
            "since": first.get("error_since"),
            "error": first.get("last_error"),
        }
    contacts = [str(x["last_contact"]) for x in mine if x.get("last_contact")]
    return {"state": "online" if contacts else "connecting", "last_contact": max(contacts or [""])}


def links(ctx: TillContext) -> dict[str, Any]:
    try:
        status = ctx.services.bridge.status()
    except Exception:
        log.exception("bridge status for the screen")
        return {"server": {"state": "unknown"}, "marketing": {"state": "unknown"}}
    found = status.get("links") or []
    out = {"server": _link(found, "server"), "marketing": _link(found, "marketing")}
    promotions = ctx.services.promotions
    if out["marketing"]["state"] == "not_configured" and promotions is not None:
        out["marketing"] = {"state": "not_configured"}
    outbox = [c for c in status.get("channels") or [] if c.get("direction") == "out"]
    pending = sum(int(c.get("pending_docs") or 0) for c in outbox)
    out["outbox"] = {"pending": pending}
    return out


def devices(ctx: TillContext) -> dict[str, Any]:
    labels = {
        "printer": _("receipt printer"),
        "scanner": _("barcode scanner"),
        "scales": _("scales"),
        "display": _("customer display"),
        "bank": _("bank terminal"),
        "fiscal": _("fiscal register"),
    }
    out: dict[str, Any] = {}
    for name, info in device_states(ctx).items():
        kind = str(info.get("kind") or name)
        out[name] = {**info, "label": labels.get(kind, name)}
    return out


def screen_state(ctx: TillContext) -> dict[str, Any]:
    """``GET /api/v1/ui``: the till, the screen's settings, links, outbox, devices, print queue."""
    settings = ctx.config.till
    events = ctx.services.ui_events
    printing = ctx.services.printing
    return {
        "till": {
            "node": ctx.node_id,
            "name": ctx.config.node.name or ctx.node_id,
            "store": str(settings.store),
            "number": settings.number,
        },
        **ui_settings(ctx),
        "languages": list(LANGUAGES),
        "links": links(ctx),
        "devices": devices(ctx),
        "print_queue": len(printing.queue()),
        "revision": events.revision,
        "last_closed": events.last_closed,
    }
