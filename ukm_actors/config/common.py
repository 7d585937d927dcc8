"""Sections every node has: [node], [http], [db], [bridge], [log]."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from ukm_actors.config.loader import section

Role = Literal["server", "till", "marketing", "integration", "pricechecker"]
ROLES: tuple[Role, ...] = get_args(Role)


@section("node")
@dataclass
class NodeSettings:
    """Who this node is."""

    role: Role = "server"
    id: str = ""
    """Node id as registered on the cash server (``server``, ``till-17-1``, ``marketing`` ...).
    Empty means the role's default id."""
    name: str = ""
    """A human name shown in /status."""
    data_dir: str = "."
    """Folder for the node's files (database, spools). Relative paths in the other
    sections are relative to this folder."""
    ready_file: str = ""
    """When set, the node writes ``{"url": ...}`` there once it serves HTTP (for scripts)."""
    shutdown_timeout: float = 20.0
    language: str = "ru"
    """The language of people-facing texts (cashier messages, consoles): ``ru`` or ``en``.
    A request may ask for another (``?lang=``, ``X-UKM-Language``, ``Accept-Language``)."""

    def validate(self) -> None:
        from ukm_actors.i18n import LANGUAGES

        if self.language not in LANGUAGES:
            raise ValueError(f"language {self.language!r} is not one of {', '.join(LANGUAGES)}")


@section("http")
@dataclass
class HttpSettings:
    """The node's HTTP server (status, APIs, bridge)."""

    host: str = "127.0.0.1"
    port: int = 0
    """0 picks a free port (shown in the log and in the ready file)."""
    max_body: int = 64 * 1024 * 1024
    """Largest request body accepted, in bytes; larger ones get 413."""
    public_url: str = ""
    """How other nodes reach this one, when not http://host:port (behind a proxy)."""

    def validate(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is outside 0..65535")
        if self.max_body <= 0:
            raise ValueError("max_body must be positive")


@section("db")
@dataclass
class DbSettings:
    """The node's database (server, till, marketing)."""

    url: str = ""
    """``sqlite:///path/to/file.db`` (default: <data_dir>/<role>.db) or
    ``postgresql+psycopg://user@host:5432/dbname``."""
    pool_size: int = 10
    statement_timeout_ms: int = 30_000
    echo: bool = False


@section("bridge")
@dataclass
class BridgeSettings:
    """How this node talks to the other nodes."""

    server_url: str = ""
    """The cash server's URL (every role but the server); see ``server_urls`` for a cluster."""
    server_urls: list[str] = field(default_factory=list)
    """The cash servers of a cluster (every role but the server): this node prefers one
    of them by a hash of its id and moves to the next when it fails. ``server_url``
    alone is a cluster of one."""
    failback: float = 60.0
    """Seconds after moving away from its preferred server before a node checks its
    ``/health`` (and goes back to it when that answers 200)."""
    secret: str = ""
    """This node's bridge secret, issued by the cash server when the node was registered."""
    clock_skew: float = 300.0
    """Signed requests older or newer than this many seconds are refused (replays)."""
    ask_timeout: float = 5.0
    poll_wait: float = 25.0
    """Long-poll: how long a till's document request waits on the server for news."""
    retry_initial: float = 1.0
    """First pause after a failed delivery; it doubles (with jitter) up to ``retry_maximum``."""
    retry_maximum: float = 60.0
    poll_recheck: float = 2.0
    """While a long-poll waits, re-read the database this often (wake-ups from other
    processes of a cluster when PostgreSQL notifications are lost)."""
    connect_timeout: float = 3.0
    """Seconds to open a connection to another node."""
    transfer_timeout: float = 60.0
    """Seconds without a byte from the peer before a document transfer is abandoned."""
    max_batch: int = 32 * 1024 * 1024
    """Largest document batch this node accepts on ``POST /mailbox/v1/inbox`` (413 beyond)."""
    batch_docs: int = 500
    """Most documents the outbox sender puts in one POST."""
    batch_bytes: int = 4 * 1024 * 1024
    """Most bytes the outbox sender puts in one POST (a bigger document goes alone)."""
    retention: float = 7 * 86400.0
    """Acknowledged documents are deleted from the outbox after this many seconds."""
    keys_refresh: float = 300.0
    """Nodes other than the server re-read their callers' keys from the server this often."""

    def servers(self) -> list[str]:
        """Every cash server this node may use (``server_urls``, else ``server_url``)."""
        listed = [u for u in self.server_urls if u.strip()]
        return listed or ([self.server_url] if self.server_url.strip() else [])

    def validate(self) -> None:
        if self.failback < 0:
            raise ValueError("failback must be >= 0 seconds")
        if self.clock_skew <= 0 or self.poll_wait < 0 or self.poll_recheck <= 0:
            raise ValueError("clock_skew and poll_recheck must be positive, poll_wait >= 0")
        if not 0 < self.retry_initial <= self.retry_maximum:
            raise ValueError("retry_initial must be positive and <= retry_maximum")
        if self.max_batch <= 0 or self.batch_docs <= 0 or self.batch_bytes <= 0:
            raise ValueError("max_batch, batch_docs and batch_bytes must be positive")


@section("log")
@dataclass
class LogSettings:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: str = ""
    """Log file (relative to data_dir); empty means standard error only."""
    json: bool = False


@dataclass
class DeviceSpec:
    """Not a section: one entry of [till.devices]."""

    kind: str
    settings: dict[str, object] = field(default_factory=dict)
