"""Storage helpers: ``Database`` (engine + sessions), migrations, leases.

db = Database("sqlite:///data/server.db")
with db.write() as session:    # one transaction; commits or rolls back
    session.add(...)
with db.read() as session:
    session.scalars(select(...))
"""

from ukm_actors.db.engine import (
    Database,
    DatabaseError,
    QueryCounter,
    WriterBusy,
    yield_now,
)
from ukm_actors.db.models import InfraBase, new_metadata

__all__ = [
    "Database",
    "DatabaseError",
    "InfraBase",
    "QueryCounter",
    "WriterBusy",
    "new_metadata",
    "yield_now",
]
