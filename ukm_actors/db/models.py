"""Declarative bases and the tables every database-backed role shares."""

from __future__ import annotations

from sqlalchemy import BigInteger, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are explicit so migrations can alter them on SQLite too."""


def new_metadata() -> MetaData:
    """A MetaData with the project's naming convention (one per concern)."""
    return MetaData(naming_convention=NAMING)


class InfraBase(DeclarativeBase):
    """Tables of the runtime itself (leases)."""

    metadata = new_metadata()


class Lease(InfraBase):
    """Who does a piece of background work now, when several processes share a database.

    A holder keeps its lease by renewing it before ``expires_at``; a lease
    whose holder died expires and the next taker gets it.
    """

    __tablename__ = "ukm_lease"

    resource: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at_ms: Mapped[int] = mapped_column(BigInteger)
    since_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the current holder took it (Unix ms; renewals keep it)."""
