"""The declarative base of the till role's tables (the tables are in the modules
listed in ``ROLE.tables``, ``ukm_actors/nodes/till/tree.py``)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from ukm_actors.db.models import new_metadata


class TillBase(DeclarativeBase):
    metadata = new_metadata()
