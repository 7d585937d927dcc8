"""Tables of the bridge (outbox, channels, peers), shared by every database-backed role."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from ukm_actors.db.models import new_metadata


class BridgeBase(DeclarativeBase):
    metadata = new_metadata()
