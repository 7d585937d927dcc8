"""The till's copy of its store's campaigns, and the loyalty cards it has seen.

``till_promo_set`` has one row: the last ``promo.campaigns`` body applied (a
full replacement), read back when the till starts, so it prices offline
after a restart. ``till_promo_card`` remembers each card's level and state
as the marketing server last told it, for pricing while it is unreachable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.till.tables import TillBase


class TillPromoSet(TillBase):
    __tablename__ = "till_promo_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class TillPromoCard(TillBase):
    __tablename__ = "till_promo_card"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="active")
    seen_at: Mapped[datetime] = mapped_column(DateTime)
