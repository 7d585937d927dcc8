"""Which file names the integration module accepts, and how queued files are named.

A name that reaches a folder operation must be a single plain component that
means the same file on POSIX and on Windows. Refused: the empty name, ``.``
and ``..``, any name containing ``..``, a path separator (``/`` or ``\\``), a
drive or stream colon (``C:x``, ``a:b``), NUL or another control character, a
trailing dot or space (Windows drops them), and the Windows device names
(``CON``, ``NUL``, ``COM1`` ...). Absolute paths are refused by the separator
rule.
"""

from __future__ import annotations

import re

_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)

TEMP_PREFIX = "."
TEMP_SUFFIX = ".ukm-part"
"""A file being written is ``.<final name>.ukm-part`` in the target folder; readers skip
names starting with a dot."""


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` is refused, or None when it is a safe plain file name."""
    if not name or name in (".", ".."):
        return "empty or a directory reference"
    if ".." in name:
        return "contains '..'"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ":" in name:
        return "contains ':' (a drive letter or stream name)"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "contains NUL or a control character"
    if name[-1] in ". ":
        return "ends with a dot or a space"
    if _RESERVED.match(name):
        return "is a Windows device name"
    return None


def is_candidate(name: str) -> bool:
    """True for names a scan considers at all: not hidden, not a temporary file."""
    lowered = name.lower()
    return not (
        name.startswith(".")
        or lowered.endswith((".tmp", ".part", TEMP_SUFFIX))
        or name.startswith("~")
    )


def queued_name(number: int, name: str, width: int) -> str:
    """The name of queue entry ``number``: ``000001_updateItems.xml`` for width 6."""
    return f"{number:0{width}d}_{name}"


def temp_name(final: str) -> str:
    """Where ``final`` is written before it is renamed into place."""
    return f"{TEMP_PREFIX}{final}{TEMP_SUFFIX}"
