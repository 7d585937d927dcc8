"""Claiming background work through the database, so exactly one process does it.

Works the same on SQLite and PostgreSQL: a conditional UPDATE takes a lease
that is free, expired or already ours; otherwise an INSERT creates it; a
conflicting INSERT means somebody else holds it.
"""

from __future__ import annotations

import os
import socket
import time

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.db.models import Lease


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
        .values(holder=holder, expires_at_ms=expires)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.execute(
                insert(Lease).values(resource=resource, holder=holder, expires_at_ms=expires)
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
