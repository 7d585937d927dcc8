"""What the cashier screens of one till hear: "something changed, look again".

``UiEvents`` (``ctx.services.ui_events``) counts changes to what a screen
shows: every successful change made through the till API (by any tab), a scan
from the till's own scanner, a device going up or down. A screen keeps a
server-sent-events stream open (``GET /api/v1/events``) and reloads the
receipt when the revision moves; the page itself holds no sale state, so two
tabs, a reload or a till restart always show what the till holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import gevent
import gevent.event

from ukm_actors.nodes.till.sale.model import Closed, receipt_totals

HEARTBEAT = 15.0
"""Seconds between keep-alive comments on an idle stream (proxies close silent ones)."""


class UiEvents:
    """A revision counter that wakes every waiting stream when it moves."""

    def __init__(self) -> None:
        self.revision = 0
        self.last_kind = "start"
        self.last_closed: dict[str, Any] | None = None
        """The receipt closed last (number, total, paid, change): the customer display shows it."""
        self._changed = gevent.event.Event()
        self._closing = False

    def bump(self, kind: str = "change") -> int:
        """Note a change (``kind``: ``change``, ``scan``, ``device``); returns the new revision."""
        self.revision += 1
        self.last_kind = kind
        old, self._changed = self._changed, gevent.event.Event()
        old.set()
        return self.revision

    def closed(self, closed: Closed) -> None:
        """Remember a receipt that just closed and tell the screens."""
        r = closed.receipt
        totals = receipt_totals(r.receipt)
        self.last_closed = {
            "receipt_id": r.id,
            "number": r.number,
            "kind": r.kind,
            "total": totals.total,
            "paid": totals.paid,
            "change": closed.change,
        }
        self.bump("closed")

    def close(self) -> None:
        """End every stream (the node is stopping)."""
        self._closing = True
        self._changed.set()

    def wait(self, seen: int, timeout: float) -> int:
        """Wait until the revision differs from ``seen`` (or ``timeout``); the revision now."""
        if self.revision == seen and not self._closing:
            self._changed.wait(timeout)
        return self.revision

    def stream(self, seen: int | None = None, heartbeat: float = HEARTBEAT) -> Iterator[str]:
        """Server-sent events: ``event: change`` ``{"revision", "kind"}`` each time it moves."""
        yield "retry: 1000\n\n"
        last = -1 if seen is None else seen
        while not self._closing:
            now = self.wait(last, heartbeat)
            if self._closing:
                return
            if now == last:
                yield ": ping\n\n"
                continue
            last = now
            data = json.dumps({"revision": now, "kind": self.last_kind})
            yield f"event: change\ndata: {data}\n\n"
            gevent.sleep(0)
