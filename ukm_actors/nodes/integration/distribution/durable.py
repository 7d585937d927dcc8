"""Crash-safe file steps, portable to Windows: the module's only durable state is files.

Every state file is replaced whole (``os.replace`` of an fsynced temporary
file, then the folder is fsynced), so a reader sees the old content or the new
one. Copies go to a hidden temporary name in the target folder and are renamed
into place by the caller once its own state says so (see ``queue`` and
``sales``). Only ``os``, ``shutil``-free ``open``/``read``/``write`` and
``os.replace`` are used: no ``fcntl``, no hard links, no POSIX rename tricks.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukm_actors.codecs.ukm_export import write_atomically
from ukm_actors.errors import UkmError
from ukm_actors.runtime import Cooperator

CHUNK = 256 * 1024
_REPLACE_TRIES = 20
_REPLACE_PAUSE = 0.05


class StateFileError(UkmError):
    """A state file of the integration module cannot be read."""

    code = "integration.state_file"


class SourceUnreadable(UkmError):
    """A file to copy cannot be read now (locked, vanished, or changed while copied)."""

    code = "integration.source_unreadable"


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a file: its size and modification time."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileStamp:
        return cls(st.st_size, st.st_mtime_ns)


def fsync_dir(folder: Path) -> None:
    """Make renames and creations in ``folder`` durable (a no-op on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as JSON, durably and atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    write_atomically(path.parent, path.name, body)


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``; None when there is no such file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise StateFileError(
            f"state file {path} is not valid JSON: {exc}",
            hint="it is written atomically, so someone edited it; restore it or remove it "
            "(removing a till's state restarts its numbering at 1)",
        ) from exc


def remove_stale_temps(folder: Path) -> None:
    """Remove the temporary files ``write_atomically`` may leave behind after a kill."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def copy_to(source: Path, stamp: FileStamp, target: Path, cooperate: bool = True) -> None:
    """Copy ``source`` (which must still be version ``stamp``) to ``target``, fsynced.

    ``target`` is created or truncated. Raises ``SourceUnreadable`` (and leaves
    no ``target``) when the source cannot be opened, vanished, or changed
    during the copy; an ``OSError`` writing the target is raised as it is.
    ``cooperate`` yields to other greenlets between chunks (pass False in a
    worker thread, where there is nothing to yield to).
    """
    coop = Cooperator() if cooperate else None
    try:
        src = source.open("rb")
    except OSError as exc:
        raise SourceUnreadable(f"cannot read {source}: {exc}") from exc
    try:
        if FileStamp.of(os.fstat(src.fileno())) != stamp:
            raise SourceUnreadable(f"{source} changed since it was seen", hint="it is retried")
        done = False
        try:
            with target.open("wb") as out:
                while True:
                    try:
                        chunk = src.read(CHUNK)
                    except OSError as exc:
                        raise SourceUnreadable(f"cannot read {source}: {exc}") from exc
                    if not chunk:
                        break
                    out.write(chunk)
                    if coop is not None:
                        coop.tick()
                out.flush()
                os.fsync(out.fileno())
            try:
                after = FileStamp.of(os.stat(source))
            except OSError as exc:
                raise SourceUnreadable(f"{source} vanished while it was copied") from exc
            if after != stamp:
                raise SourceUnreadable(f"{source} changed while it was copied", hint="retried")
            done = True
        finally:
            if not done:
                try:
                    target.unlink()
                except OSError:
                    pass
    finally:
        src.close()


def replace(temp: Path, final: Path) -> None:
    """Rename ``temp`` over ``final`` and make it durable (retrying briefly on Windows,
    where a file another process holds open cannot be replaced)."""
    for attempt in range(_REPLACE_TRIES):
        try:
            os.replace(temp, final)
            break
        except PermissionError:
            if os.name != "nt" or attempt == _REPLACE_TRIES - 1:
                raise
            time.sleep(_REPLACE_PAUSE)
    fsync_dir(final.parent)
