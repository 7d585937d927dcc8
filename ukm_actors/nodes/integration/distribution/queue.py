"""One till's numbered queue folder, crash-safe.

State file ``<state_dir>/tills/<node_id>.json``::

    {"cursor": 41, "next_number": 37, "folder": "...",
     "pending": [{"temp": ".000036_prices.xml.ukm-part", "final": "000036_prices.xml"}]}

``cursor`` is the last source-journal ``seq`` this till has taken;
``next_number`` the number its next queued file gets. A batch of files is
delivered in three steps:

1. each file is copied to a hidden temporary name in the till's folder and
   fsynced (and the folder fsynced): nothing is visible to the till yet;
2. the state file is replaced with the new cursor, the new next number and the
   list of renames still to do: this is the commit point;
3. the temporary files are renamed to their numbered names (and the folder
   fsynced).

A kill before step 2 leaves only hidden temporary files, removed at restart;
the numbers were not used, so nothing is skipped. A kill after step 2 is
completed at restart: every pending temporary file that still exists is
renamed. A number is therefore never used twice (the till may already have
taken a file away, and we never write that number again) and never skipped.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ukm_actors.nodes.integration.distribution.durable import (
    FileStamp,
    SourceUnreadable,
    StateFileError,
    copy_to,
    fsync_dir,
    read_json,
    replace,
    write_json,
)
from ukm_actors.nodes.integration.distribution.journal import SourceEntry
from ukm_actors.nodes.integration.distribution.layout import TillFolders
from ukm_actors.nodes.integration.distribution.names import TEMP_SUFFIX, queued_name, temp_name

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """What one batch did."""

    queued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Source files that vanished or were rewritten before this till got them."""
    waiting: str | None = None
    """Why the batch stopped early (a source file that cannot be read now)."""


class TillQueue:
    """The numbered queue of one till: recovery at start, then batches of deliveries."""

    def __init__(self, till: TillFolders, state_path: Path, width: int = 6) -> None:
        self.till = till
        self.state_path = state_path
        self.width = width
        raw = read_json(state_path) or {"cursor": 0, "next_number": 1, "pending": []}
        try:
            self.cursor = int(raw["cursor"])
            self.next_number = int(raw["next_number"])
            self.pending: list[dict[str, str]] = [
                {
                    "folder": str(p.get("folder", raw.get("folder", till.folder))),
                    "temp": str(p["temp"]),
                    "final": str(p["final"]),
                }
                for p in raw.get("pending", [])
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise StateFileError(f"state file {state_path} is damaged: {exc!r}") from exc
        self.last_queued: str | None = raw.get("last_queued")
        self.cooperate = True
        """Yield to other greenlets while copying (False when run in a worker thread)."""

    @property
    def folder(self) -> Path:
        return self.till.folder

    def _save(self) -> None:
        write_json(
            self.state_path,
            {
                "cursor": self.cursor,
                "next_number": self.next_number,
                "folder": str(self.folder),
                "pending": self.pending,
                "last_queued": self.last_queued,
            },
        )

    def recover(self) -> None:
        """Finish the renames of a committed batch and remove uncommitted temporary files.

        Creates the queue folder when it is missing. Raises ``OSError`` when
        the folder cannot be written (the caller retries later).
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        self._finish_pending()
        for folder in {self.folder, *(Path(p["folder"]) for p in self.pending)}:
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
                    os.unlink(entry.path)
            fsync_dir(folder)

    def _finish_pending(self) -> None:
        for p in self.pending:
            temp = Path(p["folder"]) / p["temp"]
            if temp.exists():
                replace(temp, Path(p["folder"]) / p["final"])
                log.info("%s: completed %s after a restart", self.till.node_id, p["final"])

    def deliver(self, entries: list[SourceEntry]) -> Delivery:
        """Queue ``entries`` (journal order) that this till has not taken yet.

        A source file that vanished or was rewritten since it was admitted is
        skipped without using a number (the rewritten version is a later
        entry). One that cannot be read now ends the batch; it is tried again
        next time. ``OSError`` from the till's folder is raised: the caller
        fails and is retried with back-off.
        """
        result = Delivery()
        self._finish_pending()
        cursor, number = self.cursor, self.next_number
        staged: list[dict[str, str]] = []
        try:
            for entry in entries:
                if entry.seq <= cursor:
                    continue
                try:
                    now = FileStamp.of(os.stat(entry.path))
                except FileNotFoundError:
                    now = None
                if now != entry.stamp:
                    result.skipped.append(entry.name)
                    cursor = entry.seq
                    continue
                final = queued_name(number, entry.name, self.width)
                temp = temp_name(final)
                try:
                    copy_to(entry.path, entry.stamp, self.folder / temp, self.cooperate)
                except SourceUnreadable as exc:
                    result.waiting = str(exc)
                    break
                staged.append({"folder": str(self.folder), "temp": temp, "final": final})
                cursor, number = entry.seq, number + 1
        except BaseException:
            for s in staged:
                try:
                    os.unlink(self.folder / s["temp"])
                except OSError:
                    pass
            raise
        if cursor == self.cursor:
            return result
        if staged:
            fsync_dir(self.folder)
        self.cursor, self.next_number, self.pending = cursor, number, staged
        if staged:
            self.last_queued = staged[-1]["final"]
        self._save()
        self._finish_pending()
        result.queued = [s["final"] for s in staged]
        return result

    def status(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "cursor": self.cursor,
            "next_number": self.next_number,
            "last_queued": self.last_queued,
        }
