"""Listing a folder portably (polling, no inotify): which files are complete and safe to take."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ukm_actors.nodes.integration.distribution.durable import FileStamp
from ukm_actors.nodes.integration.distribution.names import is_candidate, unsafe_reason


@dataclass
class Scan:
    settled: list[tuple[str, FileStamp]] = field(default_factory=list)
    """Files unchanged for the settle time, oldest first."""
    present: set[str] = field(default_factory=set)
    """Every name in the folder (for pruning ledgers)."""
    refused: dict[str, str] = field(default_factory=dict)
    """Name → why it is not taken (unsafe name, not a regular file)."""


class Settler:
    """Remembers what each scan saw, so that a file still being written is not taken.

    A file counts as complete once its size and modification time have not
    changed for ``settle`` seconds (0: at once — use it only when the writer
    renames files into place). Hidden files (``.x``), ``~x``, ``*.tmp`` and
    ``*.part`` are never taken.
    """

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self._seen: dict[str, tuple[FileStamp, float]] = {}

    def scan(self, folder: Path) -> Scan:
        """List ``folder``; ``OSError`` when it cannot be listed (a missing folder is empty)."""
        out = Scan()
        now = time.monotonic()
        seen: dict[str, tuple[FileStamp, float]] = {}
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            self._seen = {}
            return out
        for entry in entries:
            out.present.add(entry.name)
            reason = unsafe_reason(entry.name)
            if reason is None and not is_candidate(entry.name):
                continue
            if reason is None and not entry.is_file(follow_symlinks=False):
                if entry.is_dir(follow_symlinks=False):
                    continue
                reason = "is not a regular file"
            if reason is not None:
                out.refused[entry.name] = reason
                continue
            try:
                stamp = FileStamp.of(entry.stat(follow_symlinks=False))
            except FileNotFoundError:
                continue
            before = self._seen.get(entry.name)
            first = before[1] if before is not None and before[0] == stamp else now
            seen[entry.name] = (stamp, first)
            if now - first >= self.settle:
                out.settled.append((entry.name, stamp))
        self._seen = seen
        out.settled.sort(key=lambda f: (f[1].mtime_ns, f[0]))
        return out
