"""The declarative base of the marketing role's tables (the tables are in the modules
listed in ``ROLE.tables``, ``ukm_actors/nodes/marketing/tree.py``)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from ukm_actors.db.models import new_metadata


class MarketingBase(DeclarativeBase):
    metadata = new_metadata()
