"""Watching the fiscal register: what it does now (``FiscalProgress``, the cashier's
screen), its health and alerts in ``/status`` and the server's till monitoring."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ukm_actors.i18n import Text, _

if TYPE_CHECKING:
    from ukm_actors.nodes.till.devices.proxies import FiscalProxy
    from ukm_actors.nodes.till.devices.service import Device
    from ukm_actors.nodes.till.sale.env import SaleEnv


@dataclass
class FiscalProgress:
    """What the register is doing now, readable without asking any actor (the cashier's screen)."""

    what: Text | None = None
    ref: str | None = None
    since: float = 0.0
    last_error: dict[str, Any] | None = None
    done: int = 0
    seconds: list[float] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        if self.what is None:
            return {"state": "idle", "last_error": self.last_error}
        return {
            "state": "registering",
            "what": self.what,
            "ref": self.ref,
            "seconds": round(time.monotonic() - self.since, 2),
            "last_error": None,
        }


def register_status(
    register: Device[FiscalProxy], pending: int, progress: dict[str, Any], env: SaleEnv
) -> dict[str, Any]:
    """``/status`` → ``fiscal``, from the device's last health check (no register call)."""
    info = _device_info(register)
    health = info.get("health")
    return {
        "configured": True,
        "online": bool(info),
        "health": health,
        "health_error": info.get("health_error"),
        "pending_requests": pending,
        "progress": progress,
        "alerts": alerts(health, env.now()) if health else [],
    }


def _device_info(register: Device[FiscalProxy]) -> dict[str, Any]:
    if register.ref() is None:
        return {}
    try:
        info = register.call(lambda f: f.info(), timeout=0.5)
    except Exception:  # noqa: BLE001 - status must not fail
        return {}
    driver = info.get("driver") or {}
    return driver if isinstance(driver, dict) else {}


def alerts(health: dict[str, Any], now: datetime) -> list[dict[str, str]]:
    """Alerts from a ``RegisterHealth.to_json()``: OFD backlog over a day, FN expiring, paper."""
    out: list[dict[str, str]] = []
    oldest = health.get("ofd_unsent_oldest") or ""
    if health.get("ofd_unsent") and oldest and _age(oldest, now) > timedelta(days=1):
        out.append(
            {
                "code": "fiscal.ofd_unsent",
                "message": _(
                    "{count} fiscal documents have not reached the OFD since {since}",
                    count=health["ofd_unsent"],
                    since=oldest,
                ),
            }
        )
    until = health.get("fn_valid_until") or ""
    if until and until[:10] <= (now + timedelta(days=30)).date().isoformat():
        out.append(
            {
                "code": "fiscal.fn_expiring",
                "message": _("the fiscal storage expires on {date}", date=until[:10]),
            }
        )
    if "memoryOverflow" in (health.get("fn_warnings") or ()):
        out.append(
            {"code": "fiscal.fn_nearly_full", "message": _("the fiscal storage is almost full")}
        )
    if health.get("paper") is False:
        out.append({"code": "fiscal.paper_out", "message": _("the fiscal register has no paper")})
    if (health.get("shift") or {}).get("state") == "expired":
        out.append(
            {"code": "fiscal.shift_expired", "message": _("the register's shift is over 24 hours")}
        )
    return out


def _age(stamp: str, now: datetime) -> timedelta:
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        return timedelta(0)
    if at.tzinfo is None or now.tzinfo is None:
        at, now = at.replace(tzinfo=None), now.replace(tzinfo=None)
    return now - at
