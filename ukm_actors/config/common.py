"""Sections every node has: [node], [http], [db], [bridge], [log]."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ukm_actors.config.loader import section

Role = Literal["server", "till", "marketing", "integration", "pricechecker"]
ROLES: tuple[str, ...] = ("server", "till", "marketing", "integration", "pricechecker")


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
    """The cash server's URL (every role but the server)."""
    secret: str = ""
    """This node's bridge secret, issued by the cash server when the node was registered."""
    clock_skew: float = 300.0
    """Signed requests older or newer than this many seconds are refused (replays)."""
    ask_timeout: float = 5.0
    poll_wait: float = 25.0
    """Long-poll: how long a till's document request waits on the server for news."""
    retry_initial: float = 1.0
    retry_maximum: float = 60.0


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
