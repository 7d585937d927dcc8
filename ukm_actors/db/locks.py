"""PostgreSQL advisory locks, one key space per database schema.

An advisory lock's key is global to the PostgreSQL *database*: two chains
(or two test runs) in two schemas of one database would otherwise wait on
each other's imports and migrations. Every lock the project takes is named
(``"ukm.catalog.import"``, ``"ukm.migrations.server"``) and its key is a
64-bit hash of ``current_schema()`` and the name, computed by the server in
the same statement that takes the lock (no extra round trip, and it follows
the connection's ``search_path`` whatever the URL says).

On SQLite there are no advisory locks (one writer at a time anyway): the
helpers are not called there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

KEY_SQL = (
    "('x' || substr(md5(coalesce(current_schema(), '') || '/' || :name), 1, 16))::bit(64)::bigint"
)
"""The lock key of ``:name`` in the connection's schema: the first 64 bits of an MD5."""


def key_of(conn: Connection | Session, name: str) -> int:
    """The advisory lock key of ``name`` in ``conn``'s current schema (for messages, tests)."""
    return int(conn.execute(text(f"SELECT {KEY_SQL}"), {"name": name}).scalar_one())


def try_transaction_lock(session: Connection | Session, name: str) -> bool:
    """Take ``name``'s lock until the transaction ends; False (at once) if another has it."""
    return bool(
        session.execute(
            text(f"SELECT pg_try_advisory_xact_lock({KEY_SQL})"), {"name": name}
        ).scalar_one()
    )


@contextmanager
def session_lock(conn: Connection, name: str) -> Iterator[None]:
    """Hold ``name``'s lock on ``conn`` (waiting for it) across transactions, then free it."""
    conn.execute(text(f"SELECT pg_advisory_lock({KEY_SQL})"), {"name": name})
    conn.commit()
    try:
        yield
    finally:
        conn.execute(text(f"SELECT pg_advisory_unlock({KEY_SQL})"), {"name": name})
        conn.commit()
