"""The source journal: files taken from the trade system's folder, in arrival order.

State file ``<state_dir>/source.json``::

    {"next_seq": 8, "entries": [{"seq": 6, "folder": "...", "name": "updateItems.xml",
                                 "size": 1234, "mtime_ns": ...}, ...]}

A file is admitted once (a new ``seq``); a file rewritten under the same name
is a new version and is admitted again. Each till's queue has a cursor (the
last ``seq`` it has taken, see ``queue``); an entry is dropped, and its file
removed from the source folder, once every till's cursor has passed it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukm_actors.nodes.integration.distribution.durable import (
    FileStamp,
    StateFileError,
    fsync_dir,
    read_json,
    write_json,
)


@dataclass(frozen=True)
class SourceEntry:
    """One version of one file in the source folder, admitted as number ``seq``."""

    seq: int
    folder: str
    name: str
    stamp: FileStamp

    @property
    def path(self) -> Path:
        return Path(self.folder) / self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "folder": self.folder,
            "name": self.name,
            "size": self.stamp.size,
            "mtime_ns": self.stamp.mtime_ns,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SourceEntry:
        return cls(
            int(d["seq"]), str(d["folder"]), str(d["name"]), FileStamp(d["size"], d["mtime_ns"])
        )


class SourceJournal:
    """The admitted files, loaded from and saved to ``path`` (one owner: the source watcher)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = read_json(path) or {"next_seq": 1, "entries": []}
        try:
            self.next_seq = int(raw["next_seq"])
            self.entries = [SourceEntry.from_json(e) for e in raw["entries"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise StateFileError(f"state file {path} is damaged: {exc!r}") from exc

    def _save(self) -> None:
        write_json(
            self.path,
            {"next_seq": self.next_seq, "entries": [e.to_json() for e in self.entries]},
        )

    def after(self, cursor: int, limit: int) -> list[SourceEntry]:
        """Up to ``limit`` entries with ``seq > cursor``, oldest first."""
        return [e for e in self.entries if e.seq > cursor][:limit]

    def latest(self, folder: str, name: str) -> SourceEntry | None:
        found = [e for e in self.entries if e.folder == folder and e.name == name]
        return found[-1] if found else None

    def admit(self, folder: str, files: list[tuple[str, FileStamp]]) -> list[SourceEntry]:
        """Admit the files (name, stamp) of ``folder`` that are new or a new version."""
        added: list[SourceEntry] = []
        for name, stamp in files:
            last = self.latest(folder, name)
            if last is not None and last.stamp == stamp:
                continue
            entry = SourceEntry(self.next_seq, folder, name, stamp)
            self.next_seq += 1
            self.entries.append(entry)
            added.append(entry)
        if added:
            self._save()
        return added

    def release(self, min_cursor: int) -> list[Path]:
        """Remove from the source folder, and forget, every entry all tills have taken.

        A file is removed only when it is still the version the entry
        describes and no later entry of the same name waits. Returns the
        files removed. A file that cannot be removed now (held open on
        Windows) stays, with its entry, for the next pass.
        """
        done = [e for e in self.entries if e.seq <= min_cursor]
        if not done:
            return []
        removed: list[Path] = []
        kept: list[SourceEntry] = []
        touched: set[str] = set()
        for e in done:
            last = self.latest(e.folder, e.name)
            if last is not None and last.seq != e.seq:
                continue
            try:
                if FileStamp.of(os.stat(e.path)) == e.stamp:
                    os.unlink(e.path)
                    removed.append(e.path)
                    touched.add(e.folder)
            except FileNotFoundError:
                pass
            except OSError:
                kept.append(e)
        for folder in touched:
            fsync_dir(Path(folder))
        keep = {e.seq for e in kept}
        self.entries = [e for e in self.entries if e.seq > min_cursor or e.seq in keep]
        self._save()
        return removed
