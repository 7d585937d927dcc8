"""Moving a read file aside, and the ``.error.txt`` beside a refused one.

Both the cash server's import folder and a till's queue folder keep two
subfolders: ``processed/`` (loaded or skipped) and ``failed/`` (refused,
each with ``<name>.error.txt``: file, line, field, error, what to do, and
what the reader assumed before the error). The ``.error.txt`` is written in
the node's language (``[node] language``, Russian by default).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ukm_actors.i18n import DEFAULT_LANGUAGE, _, translate

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

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The content of the ``.error.txt`` written beside the refused file, in
        ``language`` (the parts that are ``Text``; data such as names stays as it is)."""

        def tr(text: object) -> str:
            return str(translate(text, language))

        lines = [
            tr(_("file:    {file}", file=self.file)),
            tr(_("line:    {line}", line=self.line if self.line is not None else "-")),
            tr(_("field:   {field}", field=self.field or "-")),
            tr(_("error:   {error}", error=self.error)),
            "",
            tr(_("Nothing from this file was loaded; the directories are as they were before it.")),
            tr(_("What to do: {action}", action=self.what_to_do)),
            "",
        ]
        if self.warnings:
            lines += [tr(_("Read before the error (warnings and assumptions):"))]
            lines += [f"- {tr(w)}" for w in self.warnings]
            lines.append("")
        return "\n".join(lines)


def refuse(
    folder: Path, name: str, refusal: Refusal, language: str = DEFAULT_LANGUAGE
) -> Path | None:
    """Move ``name`` into ``failed/`` and write its ``.error.txt`` (in ``language``) beside it."""
    target = move_aside(folder, name, FAILED_DIR)
    if target is not None:
        (target.parent / f"{target.name}{ERROR_SUFFIX}").write_text(
            refusal.text(language), encoding="utf-8"
        )
    return target
