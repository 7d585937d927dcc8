"""The devices in force: the till's file, the cash server's ``devices`` setting over it.

``desired(ctx)`` is the set the till should run now: the file's
``[till.devices.<name>]`` tables with the server's tables merged over them
device by device (``ukm_actors.hw.devconfig.merge_devices``). The actor
``DeviceSettings`` (``device_settings``) compares it with the devices
running after every catalog commit and at start, and changes the actors
under the ``devices`` supervisor: the changed and removed ones stop, the
new ones start.

A catalog commit wakes it (``TillCatalog.listeners``), but a wake-up can be
lost: the commit's listener finds no ``device_settings`` actor while it
starts or restarts (the supervisor names it only once its ``on_start`` has
answered, and its first check may be reading the catalog then). So each
check remembers the catalog's ``version`` it began at: a version that moved
during the check is checked again at once, and every ``BACKSTOP`` seconds
the actor checks again whenever the version moved since the last check.
It also compares the catalog's revision in the database (``CatMeta``) with
the one its cache was read at: a revision committed without ``changed()``
being told makes it forget the cache and check. Seen once, the difference may
be a commit whose ``changed()`` is about to run (PostgreSQL shows a commit to
other sessions before the committing greenlet gets its answer); only the same
difference a tick later counts (and is logged).

Never with a receipt open: the change waits ("pending", with why, in
``/status``) until the sale is between receipts, then holds new receipts
for the second or two it takes (``SaleSession.hold``; a scan meanwhile is
answered ``till.devices_changing``). A bank terminal still busy with a
payment is not stopped either, nor a fiscal register busy with a request or
that was sent requests whose outcome the till does not know yet (a
``FiscalUnknown``: only that register can tell whether it registered them;
asking a new one would register a receipt twice or lose it). The whole
change waits then, not only the device's part: the server sent the devices
as one set. A value the till cannot use (a hostile or
older server) changes nothing: it is logged and shown as ``refused``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pykka
from sqlalchemy.exc import SQLAlchemyError

from ukm_actors.hw.devconfig import (
    DeviceConfig,
    DeviceSettingsError,
    check_devices,
    merge_devices,
    parse_devices,
    refusal,
)
from ukm_actors.i18n import _
from ukm_actors.nodes.till.devices.actors import ACTORS
from ukm_actors.nodes.till.devices.proxies import BankProxy
from ukm_actors.nodes.till.devices.service import SUPERVISOR, Devices, PendingChange
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.supervision import (
    ActorNotRunning,
    Backoff,
    ChildSpec,
    SupervisionError,
    SupervisorProxy,
    Ticking,
)

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

NAME = "device_settings"
BACKOFF = Backoff(initial=0.5, maximum=30.0, reset_after=30.0)
RETRY = 0.5
"""Seconds between tries while a change waits for the sale to be between receipts."""
HOLD = 120.0
"""Seconds at most that new receipts are held while the actors change (released at once
when done)."""
BACKSTOP = 3.0
"""Seconds between the checks for a catalog change whose wake-up was lost."""
ASK = 5.0
STOP_WAIT = 60.0
START_WAIT = 120.0


def resolved(ctx: TillContext, tables: Mapping[str, Any]) -> dict[str, Any]:
    """The device tables with a file printer's relative ``path`` under the node's data_dir."""
    out: dict[str, Any] = {}
    for name, table in tables.items():
        if isinstance(table, dict) and table.get("kind") == "file" and table.get("path"):
            table = {**table, "path": str(ctx.config.resolve(str(table["path"])))}
        out[name] = table
    return out


def desired(ctx: TillContext) -> tuple[list[DeviceConfig], dict[str, str], bool]:
    """The devices the till should run: ``(configs, source of each by name, whether the
    server sent a value)``; ``DeviceSettingsError`` when the server's value (merged over the
    file's) cannot be used."""
    server = ctx.services.catalog.setting("devices", None)
    if server is None:
        tables, sources = merge_devices(ctx.config.till.devices, None)
    else:
        check_devices(server)
        tables, sources = merge_devices(ctx.config.till.devices, server)
    configs = parse_devices(resolved(ctx, tables))
    used = {c.name for c in configs}
    return configs, {n: s for n, s in sources.items() if n in used}, server is not None


def differences(now: Mapping[str, DeviceConfig], new: list[DeviceConfig]) -> dict[str, str]:
    """Device name → ``add`` / ``replace`` / ``remove`` from ``now`` to ``new``."""
    wanted = {c.name: c for c in new}
    out = {n: "remove" for n in now if n not in wanted}
    out.update({n: "replace" for n, c in wanted.items() if n in now and now[n] != c})
    out.update({n: "add" for n in wanted if n not in now})
    return dict(sorted(out.items()))


def device_spec(ctx: TillContext, config: DeviceConfig) -> ChildSpec:
    """The ``devices`` supervisor's child for one device."""
    actor = ACTORS[config.kind]
    return ChildSpec(
        config.name,
        lambda: actor.start(config, ctx),
        backoff=BACKOFF,
        shutdown=5.0,
        start_timeout=30.0,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DeviceSettings(Ticking):
    """Applies the devices in force when they change, between receipts."""

    def __init__(self, ctx: TillContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.devices: Devices = ctx.services.devices
        self.checked: int | None = None
        """The catalog version the last check began at (None: none yet)."""
        self.suspect: int | None = None
        """The catalog version at a tick that found the cache behind the database: a commit
        whose ``changed()`` may simply not have run yet (PostgreSQL shows a commit to others
        before the committing greenlet returns from it). Only the same again a tick later
        is a lost notification."""

    def on_start(self) -> None:
        self.schedule(0)

    def tick(self) -> None:
        catalog = self.ctx.services.catalog
        self._unannounced()
        version = catalog.version
        if version != self.checked or self.devices.settings.pending is not None:
            self.check()
            self.checked = version
        if catalog.version != version:
            self.schedule(0)  # the catalog changed during the check: its wake-up may be lost
        elif self.devices.settings.pending is not None:
            self.schedule(RETRY)
        else:
            self.schedule(BACKSTOP)

    def _unannounced(self) -> None:
        """A catalog revision committed in the database that ``changed()`` never heard of
        (its cache keeps the old settings, no wake-up came): forget the cache so it is read."""
        catalog = self.ctx.services.catalog
        try:
            stale = catalog.stale()
        except SQLAlchemyError as exc:
            log.warning("could not read the catalog's revision: %s", exc)
            return
        if not stale:
            self.suspect = None
        elif self.suspect == catalog.version:
            self.suspect = None
            log.warning("the catalog changed unannounced: reading it again")
            catalog.changed()
        else:
            self.suspect = catalog.version

    def check(self) -> None:
        """Compare the devices in force with the running ones; apply a change if the sale
        is between receipts, else keep it pending."""
        state = self.devices.settings
        try:
            configs, sources, server = desired(self.ctx)
        except DeviceSettingsError as exc:
            if state.refused != str(exc):
                log.error("the cash server's devices setting is refused: %s", exc)
            state.refused = refusal(exc)
            state.pending = None
            return
        state.refused = None
        state.server = server
        changes = differences(self.devices.by_name(), configs)
        if not changes:
            state.pending = None
            self.devices.sources = sources
            self._start_missing()
            return
        pending = state.pending
        if pending is None or pending.configs != configs:
            log.info("devices to change: %s", changes)
            pending = state.pending = PendingChange(configs, sources, changes, _now())
        pending.hint = None
        why = (
            self._busy_bank(pending)
            or self._busy_register(pending)
            or self._unresolved_fiscal(pending)
            or self._hold()
        )
        if why is not None:
            pending.waits_for = why
            return
        try:
            self._apply(pending)
        except (pykka.Timeout, pykka.ActorDeadError, ActorNotRunning, SupervisionError) as exc:
            log.error("devices not changed yet: %s", exc)
            pending.waits_for = _("the device actors did not change: {error}", error=str(exc))
            return
        finally:
            self._release()
        state.pending = None
        state.applied_at = _now()

    def _supervisor(self) -> SupervisorProxy:
        return cast(SupervisorProxy, self.ctx.names.proxy(SUPERVISOR))

    def _start_missing(self) -> None:
        """Start a device in force that has no actor (a change cut short, say)."""
        try:
            sup = self._supervisor()
            running = set(sup.children().get(timeout=ASK))
            for config in self.devices.configs.values():
                if config.name not in running:
                    log.warning("device %r has no actor: starting it", config.name)
                    sup.start_child(device_spec(self.ctx, config)).get(timeout=START_WAIT)
        except (pykka.Timeout, pykka.ActorDeadError, ActorNotRunning, SupervisionError) as exc:
            log.warning("could not check the device actors: %s", exc)

    def _busy_bank(self, pending: PendingChange) -> str | None:
        """Why a bank terminal about to stop cannot stop yet (a payment runs), or None."""
        bank = self.devices.configs.get("bank")
        if bank is None or bank.name not in pending.changes:
            return None
        ref = self.ctx.names.find(bank.name)
        if ref is None:
            return None
        try:
            busy = cast(BankProxy, ref.proxy()).busy().get(timeout=ASK)
        except (pykka.Timeout, pykka.ActorDeadError):
            return None
        return _("the bank terminal is busy with a payment") if busy else None

    def _busy_register(self, pending: PendingChange) -> str | None:
        """Why a fiscal register about to stop cannot stop yet (a request runs: a shift
        closing, an X report, cash in or out), or None."""
        register = self.devices.configs.get("fiscal")
        if register is None or register.name not in pending.changes:
            return None
        if not self.ctx.services.is_set("fiscal"):
            return None
        what = self.ctx.services.fiscal.progress.what
        return None if what is None else _("the fiscal register is busy with {what}", what=what)

    def _unresolved_fiscal(self, pending: PendingChange) -> str | None:
        """Why a change of the fiscal register waits: requests sent to the register in use
        whose outcome is unknown (only it can tell), or None. Sets ``pending.hint``."""
        registers = {
            c.name for c in [*self.devices.configs.values(), *pending.configs] if c.kind == "fiscal"
        }
        if not registers & set(pending.changes) or not self.ctx.services.is_set("fiscal"):
            return None
        count = self.ctx.services.fiscal.unresolved()
        if count == 0:
            return None
        pending.hint = _(
            "resolve them on the register in use: press 'register again' on an open "
            "receipt, or repeat the shift's operation (a cash move, an X report, closing "
            "the shift); the till asks that register what became of each, then changes "
            "the register"
        )
        return _(
            "fiscal requests without a known outcome on the register in use: {count}",
            count=count,
        )

    def _hold(self) -> str | None:
        """Hold new receipts; None when held, else why the change waits."""
        try:
            sale = Proxies(self.ctx.names).sale()
        except ActorNotRunning:
            return _("the sale is restarting")
        try:
            why = sale.hold(HOLD).get(timeout=ASK)
        except pykka.Timeout:
            self._release()  # the hold may still be taken after we gave up on it
            return _("the sale is busy")
        except pykka.ActorDeadError:
            return _("the sale is restarting")
        return why  # a Text: /status and the server translate it for their reader

    def _release(self) -> None:
        try:
            Proxies(self.ctx.names).sale().release()
        except (ActorNotRunning, pykka.ActorDeadError):
            pass

    def _apply(self, pending: PendingChange) -> None:
        sup = self._supervisor()
        running = set(sup.children().get(timeout=ASK))
        for name in pending.changes:
            if name in running:
                sup.stop_child(name).get(timeout=STOP_WAIT)
        self.devices.update(pending.configs, pending.sources)
        wanted = {c.name: c for c in pending.configs}
        for name, change in pending.changes.items():
            if change != "remove":
                sup.start_child(device_spec(self.ctx, wanted[name])).get(timeout=START_WAIT)
        log.info("devices changed: %s", pending.changes)
