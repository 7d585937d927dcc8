"""Copying one till's sales files into the trade system's folder, each exactly once.

Ledger file ``<state_dir>/sales/<node_id>.json``::

    {"copied": {"receipt_17_1_42.xml": [2048, 1700000000000000000]},
     "pending": [{"folder": "...", "temp": ".x.till-17-1.ukm-part", "final": "x"}]}

``copied`` names the version (size, modification time) of every file of the
till's folder already copied; a file rewritten under the same name is a new
version and is copied again. The same three steps as the till queues make the
copy exactly-once across a kill: copy to a hidden temporary file and fsync;
commit the ledger with the renames still to do; rename into place. A file
whose name is still in the trade system's folder (not taken yet) waits: it is
never overwritten.
"""

from __future__ import annotations

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
from ukm_actors.nodes.integration.distribution.layout import TillFolders
from ukm_actors.nodes.integration.distribution.names import TEMP_PREFIX, TEMP_SUFFIX


@dataclass
class Collected:
    copied: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    """Files whose name is still in the trade system's folder, or that cannot be read now."""


class SalesLedger:
    """What has been copied from one till's sales folder."""

    def __init__(self, till: TillFolders, path: Path) -> None:
        self.till = till
        self.path = path
        raw = read_json(path) or {"copied": {}, "pending": []}
        try:
            self.copied: dict[str, FileStamp] = {
                str(k): FileStamp(int(v[0]), int(v[1])) for k, v in raw["copied"].items()
            }
            self.pending: list[dict[str, str]] = [
                {"folder": str(p["folder"]), "temp": str(p["temp"]), "final": str(p["final"])}
                for p in raw["pending"]
            ]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise StateFileError(f"state file {path} is damaged: {exc!r}") from exc
        self.total = int(raw.get("total", len(self.copied)))
        self.cooperate = True

    def _save(self) -> None:
        write_json(
            self.path,
            {
                "copied": {k: [v.size, v.mtime_ns] for k, v in sorted(self.copied.items())},
                "pending": self.pending,
                "total": self.total,
            },
        )

    def temp_name(self, final: str) -> str:
        return f"{TEMP_PREFIX}{final}.{self.till.node_id}{TEMP_SUFFIX}"

    def finish_pending(self) -> None:
        """Rename what a committed batch left to rename (after a kill)."""
        for p in self.pending:
            temp = Path(p["folder"]) / p["temp"]
            if temp.exists():
                replace(temp, Path(p["folder"]) / p["final"])

    def remove_orphans(self, sales_dir: Path) -> None:
        """Remove this till's uncommitted temporary files from ``sales_dir``."""
        suffix = f".{self.till.node_id}{TEMP_SUFFIX}"
        try:
            entries = list(os.scandir(sales_dir))
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(suffix):
                os.unlink(entry.path)

    def is_new(self, name: str, stamp: FileStamp) -> bool:
        return self.copied.get(name) != stamp

    def collect(
        self, files: list[tuple[str, FileStamp]], present: set[str], sales_dir: Path
    ) -> Collected:
        """Copy ``files`` (settled, not yet copied) into ``sales_dir``.

        ``present`` is every name now in the till's folder: ledger entries of
        files no longer there are forgotten. ``OSError`` writing ``sales_dir``
        is raised.
        """
        result = Collected()
        self.finish_pending()
        staged: list[dict[str, str]] = []
        stamps: dict[str, FileStamp] = {}
        try:
            for name, stamp in files:
                if not self.is_new(name, stamp):
                    continue
                if (sales_dir / name).exists():
                    result.waiting.append(name)
                    continue
                temp = self.temp_name(name)
                try:
                    copy_to(self.till.sales_folder / name, stamp, sales_dir / temp, self.cooperate)
                except SourceUnreadable:
                    result.waiting.append(name)
                    continue
                staged.append({"folder": str(sales_dir), "temp": temp, "final": name})
                stamps[name] = stamp
        except BaseException:
            for s in staged:
                try:
                    os.unlink(sales_dir / s["temp"])
                except OSError:
                    pass
            raise
        forgotten = [n for n in self.copied if n not in present and n not in stamps]
        if not staged and not forgotten:
            return result
        if staged:
            fsync_dir(sales_dir)
        for n in forgotten:
            del self.copied[n]
        self.copied.update(stamps)
        self.total += len(staged)
        self.pending = staged
        self._save()
        self.finish_pending()
        result.copied = [s["final"] for s in staged]
        return result

    def status(self) -> dict[str, Any]:
        return {"sales_folder": str(self.till.sales_folder), "copied_total": self.total}
