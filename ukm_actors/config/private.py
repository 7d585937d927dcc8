"""Files that hold secrets: written 0600 in 0700 folders, and checked when a node starts.

What counts: node configuration files (``[bridge] secret``, ``[marketing]
admin_token``, ``[server] metrics_token``, a database URL with a password),
SQLite databases (cashier password hashes, bridge secrets of every node),
the first admin's password file, and the bridge's download spool (catalog
documents carry cashier password hashes). ``ukm up``, ``ukm config -o``,
``ukm admin`` and the nodes themselves write them through this module;
``ukm node`` logs one warning line, saying what to run, when its
configuration file holds a secret and other users can read it.

On Windows the POSIX modes mean nothing; the functions do nothing there
(protect the folder with its ACL, see docs/windows-service.md).
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
POSIX = os.name == "posix"

SECRET_KEYS = {
    "bridge": ("secret",),
    "marketing": ("admin_token",),
    "server": ("metrics_token",),
}
"""TOML keys whose value is a secret, by section."""


def private_dir(path: Path, *, narrow: bool = False) -> Path:
    """Create ``path`` (and its parents) if needed, a new folder 0700; returns it.

    An existing folder is narrowed to 0700 only with ``narrow`` (for folders that are
    ours alone, such as ``ukm up``'s ``nodes/``): a database may well sit in a shared one.
    """
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True)
    if POSIX and (narrow or not existed):
        os.chmod(path, DIR_MODE)
    return path


def write_private(path: Path, text: str, *, narrow_dir: bool = False) -> None:
    """Write ``text`` to ``path`` atomically as a 0600 file (a new folder is made 0700)."""
    private_dir(path.parent, narrow=narrow_dir)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        if POSIX:
            os.fchmod(fd, FILE_MODE)  # the file may have existed with a wider mode
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def make_private_file(path: Path) -> bool:
    """Create ``path`` empty and 0600 if it does not exist, or narrow an existing one to
    0600; True when its mode was changed (a database file, before SQLite opens it)."""
    if not POSIX:
        return False
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        return False
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 and path.stat().st_uid == os.getuid():
        os.chmod(path, mode & 0o700)
        return True
    return False


def secret_keys(raw: dict[str, Any]) -> list[str]:
    """The ``[section] key`` names of the secrets a parsed configuration holds."""
    found = [
        f"[{section}] {key}"
        for section, keys in SECRET_KEYS.items()
        for key in keys
        if isinstance(raw.get(section), dict) and raw[section].get(key)
    ]
    db = raw.get("db")
    url = db.get("url") if isinstance(db, dict) else None
    if isinstance(url, str) and _has_password(url):
        found.append("[db] url (with a password)")
    return found


def _has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def exposure(path: Path) -> str | None:
    """Why a configuration file with secrets is readable by others, or None when it is not."""
    if not POSIX or not path.is_file():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o004:
        return None
    try:
        keys = secret_keys(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not keys:
        return None
    return (
        f"{path} holds secrets ({', '.join(keys)}) and every user of this machine can read it "
        f"(mode {mode:04o}): run `chmod 600 {path}`"
    )


def warn_if_exposed(path: Path | None) -> bool:
    """Log one warning line when the node's configuration file gives its secrets away."""
    why = exposure(path) if path is not None else None
    if why is not None:
        log.warning("%s", why)
    return why is not None
