"""What every node has: its context, its root tree, ``/health`` and ``/status``.

A role package ``ukm_actors.nodes.<role>`` declares what it has in
``tree.ROLE`` (``ukm_actors.nodes.role.RoleSpec``):

- ``features``: the feature modules the role is made of, in start order.
  Each declares ``FEATURE = Feature(__name__, setup=..., children=...,
  routes=..., needs=..., provides=...)`` (``ukm_actors.nodes.feature``):
  ``setup(ctx)`` registers document appliers, asks, status sections and
  services, ``children(ctx) -> list[ChildSpec]`` its actors, ``routes(app,
  ctx)`` its HTTP routes. The node refuses to start when a module has no
  ``FEATURE`` or a feature needs a service no earlier feature provides;
- ``tables``: the modules of its tables, when it has a database (migrated at
  start with the alembic scripts in ``migrations/``).

The root tree of every node is::

    root (one_for_one, 3 restarts / 60 s)
    ├── http    the node's HTTP server: first, so /health answers from the start
    ├── db      the database (``DatabaseKeeper``): migrations at start, liveness pings
    └── <role>  the role's own supervisor (its actors)
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic

import bottle
import gevent
import gevent.event
import pykka
from typing_extensions import TypeVar

from ukm_actors import __version__, runtime
from ukm_actors.bridge.asks import AskHandlers
from ukm_actors.bridge.httpserver import HttpServer
from ukm_actors.bridge.inbox import Appliers
from ukm_actors.config import Config, Role
from ukm_actors.db import Database
from ukm_actors.db.migrate import upgrade
from ukm_actors.errors import UkmError
from ukm_actors.i18n.web import CONFIG_KEY as LANGUAGE_KEY
from ukm_actors.i18n.web import localized
from ukm_actors.nodes import webjson
from ukm_actors.nodes.feature import Feature, check_order, load_features
from ukm_actors.nodes.role import role_spec
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.services import Services, check_provided, check_slots, services_class
from ukm_actors.nodes.weberrors import JsonErrors
from ukm_actors.nodes.weberrors import json_response as json_response
from ukm_actors.supervision import (
    Backoff,
    ChildExited,
    ChildSpec,
    Names,
    SupervisedActor,
    Supervisor,
    degraded_reasons,
)

log = logging.getLogger(__name__)

StatusProvider = Callable[[], Any]

S = TypeVar("S", bound=Services, covariant=True, default=Services)
"""The role's services class (``ServerServices``, ``TillServices``...)."""


def _base_services() -> Any:
    return Services()


@dataclass
class NodeContext(Generic[S]):
    """Everything a role's actors and routes share within one node.

    ``NodeContext[TillServices]`` (``TillContext``) is a till's: its
    ``services`` are typed (``ukm_actors.nodes.services``)."""

    config: Config
    names: Names
    app: bottle.Bottle
    db: Database | None = None
    started_at: float = field(default_factory=time.time)
    url: str = ""
    status_providers: dict[str, StatusProvider] = field(default_factory=dict)
    services: S = field(default_factory=_base_services)
    """Role-wide shared objects that are not actors (bridge clients, caches), one typed slot
    each; the node makes them from ``ROLE.services``."""
    appliers: Appliers = field(default_factory=Appliers)
    """Document type → how this node applies it (registered by features)."""
    asks: AskHandlers = field(default_factory=AskHandlers)
    """Ask name → handler (registered by features; served by the bridge)."""

    @property
    def node_id(self) -> str:
        return self.config.node_id

    @property
    def role(self) -> Role:
        return self.config.role

    def actor(self, name: str) -> pykka.ActorRef[Any]:
        """The live actor called ``name`` (raises ``ActorNotRunning``)."""
        return self.names.get(name)

    def require_db(self) -> Database:
        if self.db is None:
            raise UkmError(f"the {self.role} role has no database")
        return self.db


class DatabaseKeeper(SupervisedActor):
    """The ``db`` child: owns the database's life, migrates at start, checks it answers."""

    def __init__(self, db: Database, migrations: Path | None) -> None:
        super().__init__()
        self.db = db
        self.migrations = migrations

    def on_start(self) -> None:
        if self.migrations is not None:
            upgrade(self.db, self.migrations)
        self.db.ping()

    def on_ping(self) -> Any:
        """Every 2 s: does the database answer? ``/health`` reports an outage
        (``db.outage``) until it does again."""
        was_down = self.db.outage is not None
        if self.db.check():
            if was_down:
                log.warning("the database answers again")
            return "ok"
        if not was_down:
            log.error("the database does not answer: %s", self.db.outage_reason())
        return "down"


ROOT_MAX_RESTARTS = 3
ROOT_PERIOD = 60.0


class Node:
    """One node process (or one node among several in a test process)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.spec = role_spec(config.role)
        self.names = Names()
        self.app = bottle.Bottle()
        self.app.config["catchall"] = False
        self.app.config[LANGUAGE_KEY] = config.node.language
        self.app.install(JsonErrors())
        webjson.install(self.app, localized)
        db = None
        if config.db.url and self.spec.has_database:
            db = Database(
                config.db.url,
                pool_size=config.db.pool_size,
                statement_timeout_ms=config.db.statement_timeout_ms,
                echo=config.db.echo,
            )
        self.ctx = NodeContext(
            config=config,
            names=self.names,
            app=self.app,
            db=db,
            services=services_class(self.spec)(),
        )
        self.root: pykka.ActorRef[Any] | None = None
        self.exit_code: int | None = None
        self.stopped = gevent.event.Event()
        self._port = config.http.port
        self.runtime_info: dict[str, str] = {}

    # -- building ---------------------------------------------------------------

    def _http_spec(self) -> ChildSpec:
        def start() -> pykka.ActorRef[Any]:
            ref = HttpServer.start(
                self.app, self.config.http.host, self._port, self.config.http.max_body
            )
            self._port = ref.proxy().port.get()
            host = self.config.http.host
            shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
            self.ctx.url = self.config.http.public_url or f"http://{shown}:{self._port}"
            return ref

        return ChildSpec("http", start, shutdown=5.0)

    def _db_spec(self) -> ChildSpec | None:
        db = self.ctx.db
        if db is None:
            return None
        migrations = self.spec.migrations
        return ChildSpec(
            "db",
            lambda: DatabaseKeeper.start(db, migrations),
            backoff=Backoff(initial=1.0, maximum=30.0),
            ping_interval=2.0,
            ping_timeout=10.0,
            start_timeout=600.0,
        )

    def features(self) -> list[Feature[Any]]:
        """The role's features (each module's ``FEATURE``), in start order."""
        return load_features(self.spec)

    def _role_spec(self) -> ChildSpec:
        children: list[ChildSpec] = []
        for feature in self._features:
            if feature.children is not None:
                children.extend(feature.children(self.ctx))
        spec = self.spec
        strategy, max_restarts, period = spec.strategy, spec.max_restarts, spec.period
        return ChildSpec(
            self.config.role,
            lambda: Supervisor.start(
                children=children, strategy=strategy, max_restarts=max_restarts, period=period
            ),
            shutdown=self.config.node.shutdown_timeout,
            start_timeout=600.0,
        )

    def _install_routes(self) -> None:
        install_status_routes(self.app, self)
        for feature in self._features:
            if feature.routes is not None:
                feature.routes(self.app, self.ctx)

    # -- running ------------------------------------------------------------------

    def start(self) -> Node:
        """Start the tree; returns once every child has started (or is retrying)."""
        self.runtime_info = runtime.check()
        self._features = self.features()
        providers = check_order(self.spec, self._features)
        check_slots(self.spec, type(self.ctx.services), providers)
        self.ctx.services.known_providers(self.spec.name, providers)
        for feature in self._features:
            if feature.setup is not None:
                feature.setup(self.ctx)
            check_provided(feature, self.ctx.services)
        self._install_routes()
        specs = [s for s in (self._http_spec(), self._db_spec(), self._role_spec()) if s]
        self.root = Supervisor.start(
            children=specs,
            strategy="one_for_one",
            max_restarts=ROOT_MAX_RESTARTS,
            period=ROOT_PERIOD,
            name=self.config.node_id,
            names=self.names,
            on_exit=self._on_root_exit,
        )
        # Everything built so far lives as long as the node: keep it out of the
        # collector's full passes (measured: ~60 ms pauses in till pricing without it).
        gc.freeze()
        log.info(
            "node %s (%s) %s is up at %s",
            self.config.node_id,
            self.config.role,
            __version__,
            self.ctx.url,
        )
        if self.config.node.ready_file:
            write_ready_file(self.config.resolve(self.config.node.ready_file), self.ready_info())
        return self

    def ready_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "node": self.config.node_id,
            "role": self.config.role,
            "url": self.ctx.url,
            "pid": os.getpid(),
        }
        info.update(self.ctx.services.ready_extra)
        return info

    def _on_root_exit(self, note: ChildExited) -> None:
        if note.reason != "normal":
            log.critical("node %s: root supervisor failed: %s", self.config.node_id, note.error)
            self.exit_code = 1
        elif self.exit_code is None:
            self.exit_code = 0
        self.stopped.set()

    def stop(self) -> None:
        """Stop every actor in reverse start order."""
        if self.root is not None and self.root.is_alive():
            try:
                self.root.stop(block=True, timeout=self.config.node.shutdown_timeout + 10)
            except pykka.Timeout:
                log.error("node %s did not stop in time", self.config.node_id)
        if self.exit_code is None:
            self.exit_code = 0
        self.stopped.set()
        if self.ctx.db is not None:
            self.ctx.db.dispose()

    def run_forever(self) -> int:
        """Run until SIGTERM/SIGINT or until the root fails; return the exit code."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(sig, self.request_stop)
        self.start()
        self.stopped.wait()
        self.stop()
        return self.exit_code or 0

    def request_stop(self) -> None:
        """Ask :meth:`run_forever` to stop the node (what SIGTERM does)."""
        log.info("node %s: stop requested", self.config.node_id)
        if self.exit_code is None:
            self.exit_code = 0
        self.stopped.set()

    # -- views -------------------------------------------------------------------------

    def tree(self) -> dict[str, Any]:
        if self.root is None or not self.root.is_alive():
            return {"name": self.config.node_id, "state": "stopped", "children": []}
        try:
            result: dict[str, Any] = self.root.proxy().tree().get(timeout=5)
            return result
        except pykka.Timeout:
            return {"name": self.config.node_id, "state": "unresponsive", "children": []}

    def degraded(self, tree: dict[str, Any]) -> list[str]:
        """Why this node is not well: actors not running, the database not answering."""
        reasons = degraded_reasons(tree)
        outage = self.ctx.db.outage_reason() if self.ctx.db is not None else None
        return [outage, *reasons] if outage else reasons

    def status(self) -> dict[str, Any]:
        tree = self.tree()
        reasons = self.degraded(tree)
        out: dict[str, Any] = {
            "node": self.config.node_id,
            "name": self.config.node.name or self.config.node_id,
            "role": self.config.role,
            "version": __version__,
            "status": "degraded" if reasons else "ok",
            "degraded": reasons,
            "url": self.ctx.url,
            "pid": os.getpid(),
            "started_at": datetime.fromtimestamp(self.ctx.started_at, UTC).isoformat(
                timespec="seconds"
            ),
            "uptime_s": round(time.time() - self.ctx.started_at, 1),
            "runtime": self.runtime_info,
            "tree": tree,
        }
        for key, provider in self.ctx.status_providers.items():
            try:
                out[key] = provider()
            except Exception as exc:  # noqa: BLE001 - one broken section must not hide the rest
                out[key] = {"error": f"{type(exc).__name__}: {exc}"}
        return out


def write_ready_file(path: Path, info: dict[str, Any]) -> None:
    """Write ``info`` as JSON atomically (scripts wait for this file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, path)


def get_health(node: Node) -> bottle.HTTPResponse:
    """``GET /health``: 200 ok, or 503 degraded with the reasons."""
    reasons = node.degraded(node.tree())
    if reasons:
        return json_response({"status": "degraded", "reasons": reasons}, 503)
    return json_response({"status": "ok"})


def get_status(node: Node) -> bottle.HTTPResponse:
    """``GET /status``: the node, its tree and its features' sections."""
    return json_response(node.status())


def install_status_routes(app: bottle.Bottle, node: Node) -> None:
    """``GET /health`` and ``GET /status`` on ``app``."""
    r = Routes(app, node)
    r.get("/health", get_health)
    r.get("/status", get_status)
