"""Feature "reporting" of the till: tell the cash server how this till is.

Every ``report_every`` seconds (the server says how often in its answer) the
``StatusReporter`` sends the ask ``till.status`` with the till's version, its
outbox to the server (documents waiting, age of the oldest), the state of
each device and where its settings come from, a change of them waiting for
the receipt to close or refused (``device_settings``), its promotions (the
campaign set version it holds, whether pricing is online) and, in a
decentralised store, its exchange (the folders in force and where they come
from, the last file loaded, a refusal: the console's store integration
dialog shows it). The till starts the exchange, so it works from behind NAT
as the rest of the bridge does; the server's monitoring shows devices and
alerts on a device in error (``nodes/server/monitoring/reports.py``).
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy.exc import SQLAlchemyError

from ukm_actors import __version__
from ukm_actors.bridge.documents import channel_name
from ukm_actors.i18n import Text, wire_all
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.supervision import Backoff, ChildSpec, Ticking

log = logging.getLogger(__name__)

NAME = "status_reporter"
DEFAULT_EVERY = 15.0
ASK_TIMEOUT = 5.0


def device_states(ctx: TillContext) -> dict[str, dict[str, Any]]:
    """Each configured device as the server's report wants it: ``ok`` or ``error`` (+ why),
    its kind and where its settings come from (``source``: ``file`` or ``server``)."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in ctx.services.devices.status().items():
        running = info.get("state") == "running"
        entry: dict[str, Any] = {
            "state": "ok" if running else "error",
            "kind": info.get("kind"),
            "source": info.get("source"),
        }
        if not running:
            entry["error"] = info.get("last_error") or f"the device is {info.get('state')}"
        out[name] = entry
    return out


def device_settings_state(full: dict[str, Any]) -> dict[str, Any]:
    """The part of ``/status`` → ``devices`` → ``settings`` (``SettingsState.to_json()``,
    docs/devices.md) the cash server shows: ``server`` (the server sent a value),
    ``refused`` (why the till does not use it), ``pending`` (``since``, ``changes``,
    ``waits_for``), ``applied_at``. Its translatable texts go as ``i18n.wire_all`` makes
    them: the server shows each reader their language."""
    pending = full.get("pending")
    out = {
        "server": bool(full.get("server")),
        "refused": _short(full.get("refused")),
        "pending": {k: _short(v) for k, v in pending.items()}
        if isinstance(pending, dict)
        else None,
        "applied_at": full.get("applied_at"),
    }
    return cast(dict[str, Any], wire_all(out))


def promotions_state(ctx: TillContext) -> dict[str, Any] | None:
    """Which campaign set the till prices with offline, and whether pricing is online."""
    svc = ctx.services.promotions
    if svc is None:
        return None
    try:
        st = svc.status()
    except Exception:  # the engine is restarting: report without it this time
        log.debug("no promotions state for the report", exc_info=True)
        return None
    return {
        "campaigns_version": st.get("version"),
        "campaigns_received_at": st.get("received_at"),
        "online": st.get("online"),
    }


def open_shift_state(session: Any) -> dict[str, Any]:
    """``{"open": bool, "number", "opened_at", "cashier"}`` of the till's shift now."""
    from ukm_actors.nodes.till.sale.repo import open_shift

    try:
        row = open_shift(session)
    except SQLAlchemyError:  # a till without the sale feature's tables
        return {"open": False}
    if row is None:
        return {"open": False}
    return {
        "open": True,
        "number": row.num,
        "opened_at": row.opened_at_utc,
        "cashier": row.cashier_name,
    }


TEXT = 500
"""The most characters of one text of the exchange report (errors, file names)."""


def _short(value: Any) -> Any:
    """A text cut at ``TEXT`` characters; a translatable ``Text`` kept whole (the server
    translates it for its reader: ``wire_all`` in ``exchange_state``)."""
    if isinstance(value, Text):
        return value
    return value[:TEXT] if isinstance(value, str) else value


def exchange_state(full: dict[str, Any]) -> dict[str, Any]:
    """The part of ``/status`` → ``exchange`` the cash server shows (docs/integration.md):
    ``source``, ``catalog_source``, ``folder``, ``sales_folder``; ``settings`` (``from``,
    ``error``, ``refused``: ``error``, ``hint``); ``last_loaded`` (``file``, ``at``);
    ``refused`` (the file the queue waits behind: ``file``, ``line``, ``error``,
    ``what_to_do``); ``sales`` (``pending``, ``last_written``: ``file``, ``at``). Its
    translatable texts go as ``i18n.wire_all`` makes them: the server shows each reader
    their language."""

    def pick(value: Any, keys: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        return {k: _short(value.get(k)) for k in keys}

    out: dict[str, Any] = {
        k: _short(full.get(k)) for k in ("source", "catalog_source", "folder", "sales_folder")
    }
    settings = pick(full.get("settings"), ("from", "error", "answered_at"))
    if settings is not None:
        settings["refused"] = pick(full["settings"].get("refused"), ("error", "hint", "at"))
    out["settings"] = settings
    out["last_loaded"] = pick(full.get("last_loaded"), ("file", "at"))
    out["refused"] = pick(full.get("refused"), ("file", "line", "error", "what_to_do"))
    sales = full.get("sales")
    out["sales"] = (
        {
            "pending": sales.get("pending"),
            "last_written": pick(sales.get("last_written"), ("file", "at")),
        }
        if isinstance(sales, dict)
        else None
    )
    return cast(dict[str, Any], wire_all(out))


def build_report(ctx: TillContext) -> dict[str, Any]:
    """The ``till.status`` message of this till now."""
    from ukm_actors.bridge import monitoring

    report: dict[str, Any] = {"version": __version__, "devices": device_states(ctx)}
    report["device_settings"] = device_settings_state(ctx.services.devices.settings.to_json())
    report["logins"] = ctx.services.auth.guard.status()
    promotions = promotions_state(ctx)
    if promotions is not None:
        report["promotions"] = promotions
    fiscal = ctx.services.fiscal
    if fiscal.enabled:
        full = fiscal.status()
        report["fiscal"] = {k: full.get(k) for k in ("health", "alerts", "pending_requests")}
    exchange = ctx.status_providers.get("exchange")
    if exchange is not None:
        try:
            report["exchange"] = exchange_state(exchange())
        except Exception:  # the loader is restarting: report without it this time
            log.debug("no exchange state for the report", exc_info=True)
    if ctx.db is not None:
        with ctx.db.read() as session:
            ch = monitoring.channel(session, channel_name(ctx.node_id, "server"))
            report["shift"] = open_shift_state(session)
        report["outbox"] = {
            "pending": int(ch.get("pending_docs") or 0),
            "oldest_age_s": ch.get("oldest_pending_age_s"),
            "last_seq": int(ch.get("last_seq") or 0),
        }
    return report


class StatusReporter(Ticking):
    """Sends ``till.status`` to the cash server periodically."""

    def __init__(self, ctx: TillContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.every = DEFAULT_EVERY
        self.last_error: str | None = None

    def on_start(self) -> None:
        self.schedule(1.0)

    def tick(self) -> None:
        try:
            self.report()
        finally:
            self.schedule(self.every)

    def report(self) -> None:
        from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError

        bridge = self.ctx.services.bridge
        url = bridge.server_url
        if not url:
            return
        try:
            answer = bridge.ask(url, "till.status", build_report(self.ctx), timeout=ASK_TIMEOUT)
        except (PeerUnreachable, AskTimeout) as exc:
            self.last_error = str(exc)  # offline: the outbox keeps the documents anyway
            return
        except RemoteError as exc:
            self.last_error = f"the server refused the report: {exc.message}"
            log.warning("till.status: %s", self.last_error)
            return
        self.last_error = None
        every = answer.get("report_every") if isinstance(answer, dict) else None
        if isinstance(every, (int, float)) and 1 <= every <= 3600:
            self.every = float(every)


def children(ctx: TillContext) -> list[ChildSpec]:
    return [ChildSpec(NAME, lambda: StatusReporter.start(ctx), backoff=Backoff(1.0, 60.0))]


FEATURE = Feature(
    __name__, children=children, uses=("bridge", "devices", "promotions", "auth", "fiscal")
)
