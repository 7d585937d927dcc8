"""Times as text: ISO 8601 to the second, written the same way by every layer.

iso(datetime(2024, 3, 15, 9, 31, 7))           '2024-03-15T09:31:07'
iso_utc(1710495067.5)                          '2024-03-15T09:31:07+00:00'
iso_utc(1710495067.5, z=True)                  '2024-03-15T09:31:07Z'
iso_utc(datetime(2024, 3, 15, 9, 31, 7), z=True)  '2024-03-15T09:31:07Z'
local_now()                                    '2024-03-15T12:31:07' (this machine's time)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def iso(t: datetime) -> str: ...


@overload
def iso(t: None) -> None: ...


@overload
def iso(t: datetime | None) -> str | None: ...


def iso(t: datetime | None) -> str | None:
    """``t`` to the second, as it is: a naive (store-local) time stays without an offset."""
    return t.isoformat(timespec="seconds") if t is not None else None


@overload
def iso_utc(t: datetime | float, *, z: bool = False) -> str: ...


@overload
def iso_utc(t: datetime | float | None, *, z: bool = False) -> str | None: ...


def iso_utc(t: datetime | float | None, *, z: bool = False) -> str | None:
    """A UTC instant to the second, ``+00:00`` (``Z`` with ``z``) at the end.

    A number is Unix time in seconds; a naive ``datetime`` is taken as UTC
    (the database keeps UTC times naive).
    """
    if t is None:
        return None
    if isinstance(t, datetime):
        at = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    else:
        at = datetime.fromtimestamp(t, UTC)
    text = at.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if z else text


def ms_to_iso(ms: int | None) -> str | None:
    """``2024-03-15T09:31:07Z`` (UTC, seconds) for Unix time in milliseconds."""
    return iso_utc(ms / 1000, z=True) if ms is not None else None


def local_now() -> str:
    """This machine's local time now, to the second, without an offset (state files, logs)."""
    return iso(datetime.now().replace(microsecond=0))
