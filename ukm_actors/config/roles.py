"""Role sections: [server], [till], [marketing], [integration], [pricechecker].

Each role's owner adds the settings its actors need here, with a default
and a docstring line for every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ukm_actors.config.loader import section


@section("server")
@dataclass
class ServerSettings:
    """The cash server."""

    import_dir: str = "exchange/import"
    """Folder the trade system drops UKM XML files into."""
    export_dir: str = "exchange/export"
    """Folder receipts and shift documents are exported to, as UKM XML."""
    export_stores: list[str] = field(default_factory=list)
    """Stores (external codes) to export; empty means every store."""
    import_poll: float = 2.0
    """Seconds between scans of the import folder."""
    import_max_bytes: int = 2 * 1024 * 1024 * 1024
    offline_after: float = 120.0
    """A till silent for longer than this is shown offline and alerted on."""
    behind_after: float = 600.0
    """An undelivered document older than this raises a 'behind' alert."""
    session_hours: float = 12.0
    """How long an employee's login lasts."""
    cluster_node: str = ""
    """This process's name in a cluster sharing one PostgreSQL (default: host:pid)."""


@section("till")
@dataclass
class TillSettings:
    """A till."""

    store: str = ""
    """The store's external code (as the trade system names it)."""
    number: int = 1
    """The till's number in its store (PosNum)."""
    max_shift_hours: float = 24.0
    weight_barcode: str = "PPCCCCCWWWWWK"
    """Layout of weight barcodes: P prefix, C item code, W grams, M kopecks, K check digit."""
    weight_prefixes: str = "20-29"
    marketing_url: str = ""
    """The marketing server (empty: no promotions online)."""
    devices: dict[str, Any] = field(default_factory=dict)
    """One table per device: [till.devices.printer] kind = "dummy" ..."""


@section("marketing")
@dataclass
class MarketingSettings:
    """The marketing server."""

    feed_interval: float = 300.0


@section("integration")
@dataclass
class IntegrationSettings:
    """The integration module (decentralised stores)."""

    store: str = ""
    poll: float = 1.0


@section("pricechecker")
@dataclass
class PriceCheckerSettings:
    """The price-checker module."""

    store: str = ""
    tcp_host: str = "127.0.0.1"
    tcp_port: int = 0
    """TCP port price checkers connect to (0 picks a free one)."""
    till_deadline: float = 0.5
    """A till that does not answer a price ask within this many seconds is skipped."""
    max_line: int = 64
