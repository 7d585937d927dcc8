"""The server role's tables."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from ukm_actors.bridge.models import BridgeBase
from ukm_actors.db.models import InfraBase, new_metadata


class ServerBase(DeclarativeBase):
    metadata = new_metadata()


def target_metadata() -> list[MetaData]:
    """Every table this role's database holds (for migrations)."""
    import ukm_actors.nodes.server.models  # noqa: F401 - registers the tables

    return [InfraBase.metadata, BridgeBase.metadata, ServerBase.metadata]
