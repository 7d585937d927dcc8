"""Moving a read file aside, and the ``.error.txt`` beside a refused one.

Both the cash server's import folder and a till's queue folder keep two
subfolders: ``processed/`` (loaded or skipped) and ``failed/`` (refused,
each with ``<name>.error.txt``: file, line, field, error, what to do, and
what the reader assumed before the error).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROCESSED = "processed"
FAILED_DIR = "failed"
ERROR_SUFFIX = ".error.txt"


def unique_target(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/name.1`` … when that is taken."""
    target = folder / name
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{name}.{n}"
    return target


def move_aside(folder: Path, name: str, sub: str) -> Path | None:
    """Move ``folder/name`` into ``folder/sub/`` (never over another file); ``None`` when
    the file is gone already."""
    target_dir = folder / sub
    target_dir.mkdir(exist_ok=True)
    target = unique_target(target_dir, name)
    try:
        os.replace(folder / name, target)
    except FileNotFoundError:
        return None
    return target


@dataclass(frozen=True)
class Refusal:
    """Why a file was refused: where (line, field), what, and what to do next."""

    file: str
    error: str
    line: int | None = None
    field: str | None = None
    what_to_do: str = ""
    warnings: Sequence[str] = ()

    def text(self) -> str:
        """The content of the ``.error.txt`` written beside the refused file."""
        lines = [
            f"file:    {self.file}",
            f"line:    {self.line if self.line is not None else '-'}",
            f"field:   {self.field or '-'}",
            f"error:   {self.error}",
            "",
            "Nothing from this file was loaded; the directories are as they were before it.",
            f"What to do: {self.what_to_do}",
            "",
        ]
        if self.warnings:
            lines += ["Read before the error (warnings and assumptions):"]
            lines += [f"- {w}" for w in self.warnings]
            lines.append("")
        return "\n".join(lines)


def refuse(folder: Path, name: str, refusal: Refusal) -> Path | None:
    """Move ``name`` into ``failed/`` and write its ``.error.txt`` beside it."""
    target = move_aside(folder, name, FAILED_DIR)
    if target is not None:
        (target.parent / f"{target.name}{ERROR_SUFFIX}").write_text(
            refusal.text(), encoding="utf-8"
        )
    return target
