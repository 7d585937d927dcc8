"""Tables of the monitoring feature: the last status report of each till."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.tables import ServerBase


class TillReport(ServerBase):
    """What a till last said about itself through the ``till.status`` ask."""

    __tablename__ = "monitoring_till_report"

    node_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    reported_ms: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[str | None] = mapped_column(String(40))
    outbox_pending: Mapped[int | None] = mapped_column(Integer)
    """Documents in the till's outbox the server has not acknowledged."""
    outbox_oldest_ms: Mapped[int | None] = mapped_column(BigInteger)
    """When the oldest of them was created (UTC ms, from its age at report time)."""
    outbox_last_seq: Mapped[int | None] = mapped_column(BigInteger)
    devices: Mapped[str | None] = mapped_column(Text)
    """JSON: device name → {"state": "ok" | "error" | ..., "error": text, ...}."""
    extra: Mapped[str | None] = mapped_column(Text)
    """JSON: anything else the till reported (its shift, for instance)."""


class HostSample(ServerBase):
    """One reading of the host (the console's CPU, memory and disk charts).

    Percentages are kept in tenths (``cpu_permille`` 123 = 12.3 %), so no float is stored.
    """

    __tablename__ = "monitoring_host_sample"

    taken_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cpu_permille: Mapped[int] = mapped_column(Integer)
    memory_permille: Mapped[int] = mapped_column(Integer)
    disk_permille: Mapped[int | None] = mapped_column(Integer)
