"""The exchange settings in force and the actors that follow them.

``ExchangeControl`` (``ctx.services.exchange``) holds the settings in
force (``settings.FolderSettings``) and runs, under the ``exchange_folders``
supervisor, the queue loader when there is a folder to read and the sales
writer when there is a sales folder. ``SettingsClient`` asks the cash server
for this till's settings at start and every ``[till] settings_refresh``
seconds; a changed answer is saved in the till's database and put in force
(the actors whose folder changed are restarted), a refused one leaves the
settings in force and shows in ``/status`` and the log, an unreachable
server leaves them too (and after a restart the saved answer is used).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pykka

from ukm_actors.db.prune import PruneSchedule
from ukm_actors.errors import UkmError
from ukm_actors.nodes.till.exchange.actor import NAME, QueueLoader, QueueState
from ukm_actors.nodes.till.exchange.load import now_text
from ukm_actors.nodes.till.exchange.settings import (
    FolderSettings,
    SettingsRefused,
    from_answer,
    load_saved,
    save,
)
from ukm_actors.supervision import Backoff, ChildSpec, Supervisor, SupervisorProxy, Ticking

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ukm_actors.nodes.till.exchange.queue import TillQueue
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

SUPERVISOR = "exchange_folders"
WRITER = "sales_writer"
CLIENT = "exchange_settings"


@dataclass
class Asked:
    """What became of the asks to the cash server (``/status`` → ``exchange.settings``)."""

    answered_at: str | None = None
    saved: bool = False
    """The settings in force are the saved answer: the server has not answered since start."""
    error: str | None = None
    refused: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "answered_at": self.answered_at,
            "from": "saved" if self.saved else "server",
            "error": self.error,
            "refused": self.refused,
        }


@dataclass
class ExchangeControl:
    """The settings in force and the loader and writer that follow them."""

    ctx: TillContext
    current: FolderSettings
    asked: Asked | None = None
    """None when the settings come from the till's file."""
    state: QueueState = field(default_factory=QueueState)
    queue: TillQueue | None = None
    pruning: dict[str, PruneSchedule] = field(default_factory=dict)
    applied: dict[str, Any] = field(default_factory=dict)
    """Child name → the settings it was started with."""
    saved: Any = None
    """The saved answer put in force at start (source server), once read."""
    _read_saved: bool = False

    def __post_init__(self) -> None:
        keep = self.ctx.config.till.exchange_keep_days
        self.pruning = {"files": PruneSchedule(keep), "sales": PruneSchedule(keep)}
        self._read_saved = self.asked is None

    def ensure_saved(self, session: Session) -> None:
        """Put the saved answer in force (once, before anything depends on the settings:
        the first catalog document, the first sale or the settings client's start)."""
        if self._read_saved:
            return
        self._read_saved = True
        raw = load_saved(session)
        if raw is None or self.asked is None or self.asked.answered_at is not None:
            return
        try:
            settings = from_answer(raw, self.ctx.config.till, self.ctx.config.resolve)
        except SettingsRefused as exc:  # the rules changed since it was saved
            log.warning("the saved exchange settings are not used: %s", exc)
            return
        self.current, self.saved, self.asked.saved = settings, raw, True

    def catalog_only(self, session: Session) -> frozenset[str] | None:
        """The catalog records applied from the cash server's documents now (None: all)."""
        self.ensure_saved(session)
        return frozenset({"settings"}) if self.current.catalog_source == "folder" else None

    def writes_sales(self, session: Session) -> bool:
        """Whether a sale queues its sales file now (in the sale's own transaction)."""
        self.ensure_saved(session)
        return self.current.sales_folder is not None

    def wanted(self) -> dict[str, Any]:
        """Child name → what it runs with, for the settings in force."""
        s = self.current
        out: dict[str, Any] = {}
        if s.folder is not None and s.catalog_source != "server":
            out[NAME] = s.folder
        if s.sales_folder is not None:
            out[WRITER] = s.sales_folder
        return out

    def supervisor_spec(self) -> ChildSpec:
        """The supervisor of the loader and the writer; a restart brings back those wanted."""

        def start() -> Any:
            with self.ctx.require_db().read() as session:
                self.ensure_saved(session)
            self.applied = self.wanted()
            return Supervisor.start(
                children=[self.spec(name) for name in self.applied],
                strategy="one_for_one",
                max_restarts=10,
                period=60.0,
            )

        return ChildSpec(SUPERVISOR, start, shutdown=30.0)

    def spec(self, name: str) -> ChildSpec:
        backoff = Backoff(initial=1.0, maximum=30.0)
        if name == NAME:
            return ChildSpec(NAME, self._start_loader, backoff=backoff, shutdown=10.0)
        return ChildSpec(WRITER, self._start_writer, backoff=backoff, shutdown=10.0)

    def _start_loader(self) -> Any:
        from ukm_actors.domain.units import WeighRule
        from ukm_actors.nodes.till.exchange.load import LoadOptions
        from ukm_actors.nodes.till.exchange.queue import TillQueue

        cfg = self.ctx.config.till
        folder = self.applied[NAME]
        catalog = self.ctx.services.catalog
        self.queue = TillQueue(
            self.ctx.require_db(),
            folder,
            LoadOptions(
                store=cfg.store,
                weighing=WeighRule.of(cfg.weighed_units, cfg.import_measprec),
                max_bytes=cfg.exchange_max_bytes,
                on_commit=catalog.changed,
                applying=catalog.applying,
            ),
            settle=cfg.exchange_settle,
            language=self.ctx.config.node.language,
        )
        return QueueLoader.start(self.queue, cfg.exchange_poll, self.state, self.pruning["files"])

    def _start_writer(self) -> Any:
        from ukm_actors.nodes.till.exchange.sales import SalesWriter

        folder = self.applied[WRITER]
        poll = self.ctx.config.till.exchange_poll
        return SalesWriter.start(self.ctx.require_db(), folder, poll, self.pruning["sales"])

    def put(self, settings: FolderSettings, supervisor: pykka.ActorRef[Any] | None) -> None:
        """Put ``settings`` in force (the catalog's applier reads them at each document);
        stop, start or restart the loader and the writer where their folder changed."""
        if settings == self.current and self.wanted() == self.applied:
            return
        self.current = settings
        if supervisor is None:
            return
        wanted = self.wanted()
        proxy = cast(SupervisorProxy, supervisor.proxy())
        for name in [n for n in self.applied if wanted.get(n) != self.applied[n]]:
            proxy.stop_child(name).get(timeout=60)
            del self.applied[name]
            if name == NAME:
                self.queue = None
        for name, value in wanted.items():
            if name not in self.applied:
                self.applied[name] = value
                proxy.start_child(self.spec(name)).get(timeout=60)
        log.info("exchange settings in force: %s", settings.to_json())


class SettingsClient(Ticking):
    """Asks the cash server for this till's exchange settings (module docstring)."""

    def __init__(self, control: ExchangeControl, fetch: Callable[[], Any], refresh: float) -> None:
        super().__init__()
        self.control = control
        self.fetch = fetch
        self.refresh = refresh
        self.raw: Any = None

    def _supervisor(self) -> pykka.ActorRef[Any] | None:
        return self.names.find(SUPERVISOR) if self.names else None

    def _parse(self, raw: Any) -> FolderSettings:
        ctx = self.control.ctx
        return from_answer(raw, ctx.config.till, ctx.config.resolve)

    def on_start(self) -> None:
        control = self.control
        with control.ctx.require_db().read() as session:
            control.ensure_saved(session)
        self.raw = control.saved
        control.put(control.current, self._supervisor())
        self.schedule(0)

    def tick(self) -> None:
        asked = self.control.asked
        assert asked is not None
        try:
            raw = self.fetch()
        except UkmError as exc:
            if asked.error is None:
                log.warning("exchange settings not refreshed (%s): those in force stay", exc)
            asked.error = f"{exc.code}: {exc.message}"
            self.schedule(min(self.refresh, 10.0))
            return
        asked.error, asked.answered_at = None, now_text()
        try:
            settings = self._parse(raw)
        except SettingsRefused as exc:
            refused = {"error": exc.message, "hint": exc.hint, "at": asked.answered_at}
            if asked.refused is None or asked.refused["error"] != exc.message:
                log.error("exchange settings refused: %s (%s); those in force stay", exc, exc.hint)
            asked.refused = refused
            self.schedule(self.refresh)
            return
        asked.refused = None
        if raw != self.raw or asked.saved:
            save(self.control.ctx.require_db(), raw)
            self.raw, asked.saved = raw, False
        self.control.put(settings, self._supervisor())
        self.schedule(self.refresh)
