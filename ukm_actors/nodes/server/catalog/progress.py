"""Progress of the import file being loaded: counters, rate, ETA, periodic log lines.

One :class:`Progress` per loader; the loader calls :meth:`record` per
record (cheap: a counter, and a clock read every 512 records). Every
``interval`` seconds it logs ``items/s`` and an ETA from the bytes read so
far, and calls ``on_update`` (the command line's progress bar). ``/status``
reads :meth:`snapshot` without asking the busy actor anything.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("ukm_actors.nodes.server.catalog")

PositionFn = Callable[[], tuple[int, int]]


@dataclass(frozen=True)
class Snapshot:
    """Where the current file is: bytes read of total, records, rate (records/s), ETA (s)."""

    file: str
    position: int
    total: int
    records: int
    rate: float
    eta_s: float | None
    elapsed_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "position": self.position,
            "total": self.total,
            "percent": round(100.0 * self.position / self.total, 1) if self.total else 100.0,
            "records": self.records,
            "rate": round(self.rate, 1),
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "elapsed_s": round(self.elapsed_s, 1),
        }


class Progress:
    """Counters for the file being loaded; :meth:`snapshot` for /status and bars."""

    def __init__(
        self,
        interval: float = 5.0,
        on_update: Callable[[Snapshot], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.on_update = on_update
        self.clock = clock
        self.file: str | None = None
        self.records = 0
        self._position: PositionFn = lambda: (0, 0)
        self._started = 0.0
        self._last_report = 0.0
        self._window: deque[tuple[float, int]] = deque(maxlen=8)
        self.results: deque[dict[str, Any]] = deque(maxlen=20)
        """The last files' outcomes (newest last), for /status."""

    def start(self, file: str, position: PositionFn) -> None:
        """A new file begins."""
        self.file = file
        self.records = 0
        self._position = position
        self._started = self._last_report = self.clock()
        self._window.clear()
        self._window.append((self._started, 0))

    def record(self, n: int = 1) -> None:
        """``n`` more records were read."""
        before = self.records
        self.records = before + n
        if (before >> 9) != (self.records >> 9):
            now = self.clock()
            if now - self._last_report >= self.interval:
                self._last_report = now
                self._window.append((now, self.records))
                self._report()

    def _rate(self) -> float:
        now = self.clock()
        first_t, first_n = self._window[0] if self._window else (self._started, 0)
        span = now - first_t
        if span <= 0:
            return 0.0
        return (self.records - first_n) / span

    def snapshot(self) -> Snapshot | None:
        """Where the current file is, or None between files."""
        if self.file is None:
            return None
        position, total = self._position()
        rate = self._rate()
        elapsed = self.clock() - self._started
        eta: float | None = None
        if position > 0 and total > position and elapsed > 0:
            eta = elapsed * (total - position) / position
        return Snapshot(self.file, position, total, self.records, rate, eta, elapsed)

    def _report(self) -> None:
        snap = self.snapshot()
        if snap is None:
            return
        eta = "?" if snap.eta_s is None else f"{snap.eta_s:.0f} s"
        pct = 100.0 * snap.position / snap.total if snap.total else 100.0
        log.info(
            "import %s: %d records, %.0f items/s, %.1f%% of %d bytes, ETA %s",
            snap.file,
            snap.records,
            snap.rate,
            pct,
            snap.total,
            eta,
        )
        if self.on_update is not None:
            self.on_update(snap)

    def finish(self, result: dict[str, Any]) -> None:
        """The current file is done (``result`` goes to :attr:`results`)."""
        if self.on_update is not None:
            snap = self.snapshot()
            if snap is not None:
                self.on_update(snap)
        self.results.append(result)
        self.file = None
