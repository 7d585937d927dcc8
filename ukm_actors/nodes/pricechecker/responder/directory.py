"""``TillDirectory``: keeps the price picker's list of the store's tills current.

It asks the cash server (``store.tills``) at start and every ``refresh``
seconds (every ``EMPTY_RETRY`` seconds while no till has an address yet),
and keeps the last answer in a file, so that after a restart during a
server outage the module still knows where the tills are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ukm_actors.codecs.ukm_export import write_atomically
from ukm_actors.errors import UkmError
from ukm_actors.isotime import local_now
from ukm_actors.nodes.pricechecker.responder.tills import TillPicker, till_refs
from ukm_actors.supervision import Ticking

log = logging.getLogger(__name__)

EMPTY_RETRY = 2.0
"""Seconds before asking again while the server knows no till's address."""


class TillDirectory(Ticking):
    """Feeds ``picker`` the store's tills, from the cash server (cached in ``cache``)."""

    def __init__(
        self, fetch: Callable[[], Any], picker: TillPicker, cache: Path, refresh: float
    ) -> None:
        super().__init__()
        self.fetch = fetch
        self.picker = picker
        self.cache = cache
        self.refresh = refresh
        self.error: str | None = None
        self.fetched_at: str | None = None
        self.origin = ""

    def on_start(self) -> None:
        try:
            raw = json.loads(self.cache.read_bytes())
            self.picker.set_tills(till_refs(raw))
            self.origin = "cache"
        except FileNotFoundError:
            pass
        except (ValueError, UkmError) as exc:
            log.warning("ignoring the tills cache %s: %s", self.cache, exc)
        self.schedule(0)

    def tick(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> bool:
        """Ask the server now; True when the list was updated."""
        try:
            raw = self.fetch()
            tills = till_refs(raw)
        except UkmError as exc:
            self.error = f"{exc.code}: {exc}"
            log.warning("the store's tills were not refreshed: %s", exc)
            self.schedule(min(self.refresh, 5.0))
            return False
        self.picker.set_tills(tills)
        self.error, self.origin = None, "server"
        self.fetched_at = local_now()
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.cache.parent, self.cache.name, json.dumps(raw).encode())
        # No till has an address yet (the server learns it at the till's first contact, e.g.
        # just after `ukm up` started them all): ask again soon rather than in `refresh` s.
        self.schedule(self.refresh if tills else min(self.refresh, EMPTY_RETRY))
        return True

    def status(self) -> dict[str, Any]:
        return {"from": self.origin or None, "error": self.error, "fetched_at": self.fetched_at}
