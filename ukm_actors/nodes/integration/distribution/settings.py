"""``SettingsClient``: the integration settings in force, from the cash server (cached
for outages) or the node's own ``[integration]`` section; it starts, stops and
restarts the tills' distributors to match."""

from __future__ import annotations

import logging
from typing import Any

from ukm_actors.errors import UkmError
from ukm_actors.nodes.integration.distribution.actors import (
    TILLS,
    Shared,
    distributor_name,
    now_text,
)
from ukm_actors.nodes.integration.distribution.durable import (
    StateFileError,
    read_json,
    write_json,
)
from ukm_actors.nodes.integration.distribution.layout import StoreLayout
from ukm_actors.supervision import Ticking

log = logging.getLogger(__name__)


class SettingsClient(Ticking):
    """Keeps the settings in force: from the cash server (cached) or the local section,
    and starts or stops the tills' distributors to match."""

    def __init__(
        self, shared: Shared, fetch: Any, refresh: float, local: StoreLayout | None, parse: Any
    ) -> None:
        super().__init__()
        self.shared = shared
        self.fetch = fetch
        self.refresh = refresh
        self.local = local
        self.parse = parse
        self.cache = shared.state_dir / "settings.json"
        self.raw: Any = None

    def on_start(self) -> None:
        if self.local is not None:
            self.apply(self.local, "local")
            return
        try:
            cached = read_json(self.cache)
        except StateFileError as exc:
            log.warning("%s", exc)
            cached = None
        if cached is not None and self.shared.layout is None:
            self.raw = cached
            self.apply(self.parse(cached), "cache")
        elif self.shared.layout is not None:
            self.raw = cached
        self.schedule(0)

    def tick(self) -> None:
        try:
            raw = self.fetch()
            layout = self.parse(raw) if raw != self.raw or self.shared.layout is None else None
        except UkmError as exc:
            self.shared.settings_error = f"{exc.code}: {exc}"
            log.warning("integration settings not refreshed: %s", exc)
            self.schedule(min(self.refresh, 10.0))
            return
        self.shared.settings_error = None
        self.shared.settings_at = now_text()
        if layout is not None:
            self.shared.state_dir.mkdir(parents=True, exist_ok=True)
            write_json(self.cache, raw)
            self.raw = raw
            self.apply(layout, "server")
        else:
            self.shared.origin = "server"
        self.schedule(self.refresh)

    def apply(self, layout: StoreLayout, origin: str) -> None:
        """Put ``layout`` in force; start, stop or restart distributors to match."""
        shared = self.shared
        shared.layout, shared.origin = layout, origin
        desired = {t.node_id: t for t in layout.tills}
        if desired == shared.applied:
            return
        sup = self.names.find(TILLS) if self.names else None
        if sup is None:
            return
        for node_id, till in list(shared.applied.items()):
            if desired.get(node_id) != till:
                sup.proxy().stop_child(distributor_name(node_id)).get(timeout=30)
                del shared.applied[node_id]
                shared.tills.pop(node_id, None)
        for node_id, till in desired.items():
            if node_id not in shared.applied:
                shared.applied[node_id] = till
                sup.proxy().start_child(shared.distributor_spec(till)).get(timeout=60)
        log.info("integration settings from %s: %d till(s)", origin, len(desired))
