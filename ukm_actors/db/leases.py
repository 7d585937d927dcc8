"""Claiming background work through the database, so exactly one process does it.

Works the same on SQLite and PostgreSQL: a conditional UPDATE takes a lease
that is free, expired or already ours; otherwise an INSERT creates it; a
conflicting INSERT means somebody else holds it. A holder renews its lease
well before it expires; when a holder dies, its leases expire and the next
process that asks takes them (within the lease's time to live plus that
process's own check interval). ``since_ms`` is when the current holder took
it; ``held(session)`` lists them all for ``/status``.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.db.models import Lease
from ukm_actors.isotime import ms_to_iso


def process_holder(name: str = "") -> str:
    """A holder name for this process: the configured cluster name, or host:pid."""
    return name or f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(session: Session, resource: str, holder: str, ttl: float) -> bool:
    """Take or renew ``resource`` for ``ttl`` seconds. True when it is ours now."""
    now = int(time.time() * 1000)
    expires = now + int(ttl * 1000)
    result = session.execute(
        update(Lease)
        .where(Lease.resource == resource)
        .where((Lease.holder == holder) | (Lease.expires_at_ms < now))
        .values(
            holder=holder,
            expires_at_ms=expires,
            since_ms=case(
                ((Lease.holder == holder) & (Lease.expires_at_ms >= now), Lease.since_ms),
                else_=now,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.execute(
                insert(Lease).values(
                    resource=resource, holder=holder, expires_at_ms=expires, since_ms=now
                )
            )
        return True
    except IntegrityError:
        return False


def release(session: Session, resource: str, holder: str) -> None:
    """Give ``resource`` up, if we hold it."""
    session.execute(
        delete(Lease)
        .where(Lease.resource == resource, Lease.holder == holder)
        .execution_options(synchronize_session=False)
    )


def held(session: Session, me: str = "") -> list[dict[str, Any]]:
    """Every lease: ``resource``, ``holder``, ``since``, ``expires`` (ISO, UTC),
    ``expired`` (its holder stopped renewing it: the next taker gets it), and
    ``mine`` when ``me`` is its holder."""
    now = int(time.time() * 1000)
    rows = session.execute(select(Lease).order_by(Lease.resource)).scalars()
    return [
        {
            "resource": r.resource,
            "holder": r.holder,
            "since": ms_to_iso(r.since_ms),
            "expires": ms_to_iso(r.expires_at_ms),
            "expired": r.expires_at_ms < now,
            **({"mine": True} if me and r.holder == me else {}),
        }
        for r in rows
    ]
