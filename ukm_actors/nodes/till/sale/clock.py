"""The till's clock and the store's local time.

Receipts show the store's wall-clock time; the 24-hour shift rule and the
order of documents use UTC. ``Clock.advance`` moves the till's time
forward (demos and tests of the shift rule); nothing else changes it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


class Clock:
    """UTC now, plus an offset (zero unless ``advance`` was called)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move the till's time forward by ``delta``."""
        self.offset += delta


def zone(name: str) -> tzinfo:
    """The time zone called ``name``; the machine's local zone when empty or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r; using the machine's local time", name)
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else UTC


def local_text(at: datetime, tz: tzinfo) -> str:
    """``at`` as the store's wall-clock time, ``yyyy-mm-ddThh:mm:ss``."""
    return at.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


def zoned_text(local: str | None, utc: str | None) -> str | None:
    """The store's wall-clock time with its UTC offset (``2026-12-05T15:52:39+03:00``), from
    the local and UTC texts the till keeps of every moment; what the API answers with."""
    if not local or not utc:
        return local
    try:
        wall = datetime.fromisoformat(local)
        at = datetime.fromisoformat(utc.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return local
    minutes = round((wall - at).total_seconds() / 60)
    return wall.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(timespec="seconds")


def utc_text(at: datetime) -> str:
    """``at`` in UTC, ``yyyy-mm-ddThh:mm:ssZ``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
