"""Tables of the store modules' settings on the cash server (integration module).

The integration module of a store asks for these (``integration.settings``),
and each till of the store for its own entry (``till.exchange_settings``);
empty folders mean "the module's default" (see docs/integration.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.tables import ServerBase


class IntegrationStore(ServerBase):
    """The trade system's folders as the store's integration module sees them."""

    __tablename__ = "module_integration"

    store: Mapped[str] = mapped_column(String(100), primary_key=True)
    source_dir: Mapped[str] = mapped_column(Text, default="")
    """The trade system's outgoing folder (files for the tills)."""
    sales_dir: Mapped[str] = mapped_column(Text, default="")
    """The trade system's incoming folder (the tills' sales files)."""
    catalog_source: Mapped[str] = mapped_column(String(10), default="server")
    """Where the store's tills take their catalog: "server", "folder" (their queue folder:
    a decentralised store) or "both" (the till's ``[till] catalog_source``)."""
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IntegrationTillFolder(ServerBase):
    """One till's folders on the integration module's machine (and, when they differ, on
    the till's: a share the module reaches as ``//till1/ukm/in`` is ``C:/ukm/in`` there)."""

    __tablename__ = "module_integration_till"

    store: Mapped[str] = mapped_column(String(100), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder: Mapped[str] = mapped_column(Text, default="")
    """The till's queue folder (numbered files from the trade system)."""
    sales_folder: Mapped[str] = mapped_column(Text, default="")
    """The folder the till leaves its sales files in."""
    till_folder: Mapped[str] = mapped_column(Text, default="")
    """The queue folder as the till itself sees it (empty: ``folder``)."""
    till_sales_folder: Mapped[str] = mapped_column(Text, default="")
    """The sales folder as the till itself sees it (empty: ``sales_folder``)."""


class IntegrationReport(ServerBase):
    """What the store's integration module last said of itself (its ``/status`` →
    ``integration``, cut short), sent with its ``integration.settings`` ask: the console
    shows it beside the store's settings."""

    __tablename__ = "module_integration_report"

    store: Mapped[str] = mapped_column(String(100), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)
    """The report as JSON (at most ``modulesettings.MAX_REPORT`` characters)."""
