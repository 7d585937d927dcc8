"""One launcher per data folder: an OS lock on ``DATA/run/up.lock``.

``ukm up`` and ``ukm demo`` take the lock before they touch anything in the
folder (configuration files, databases, run files) and hold it for their
whole life. The operating system drops it when the process ends, however it
ends (even SIGKILL or a power cut), so a stale file never blocks the next
start: the file's content (the holder's PID) is only there to name the
holder in the refusal. POSIX uses ``fcntl.flock``, Windows ``msvcrt.locking``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from ukm_actors.errors import UkmError

LOCK_FILE = Path("run") / "up.lock"
WINDOWS_LOCK_OFFSET = 1 << 20
"""Windows locks a byte range that others cannot even read: lock one byte far past the
PID, so a refused launcher can still read who holds the folder."""


class FolderInUse(UkmError):
    """Another launcher holds the data folder."""

    code = "up.folder_in_use"


def _try_lock(f: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            f.seek(WINDOWS_LOCK_OFFSET)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            f.seek(0)
        return True
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class FolderLock:
    """``with FolderLock(data, "ukm up"):`` — refuses with ``FolderInUse`` when taken."""

    def __init__(self, data: Path, what: str = "ukm up") -> None:
        self.data = data
        self.path = data / LOCK_FILE
        self.what = what
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise ``FolderInUse`` naming the holder's PID."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened without truncating: the holder's PID must survive a refused attempt.
        f = open(self.path, "a+", encoding="utf-8")  # held for the lock's life
        if not _try_lock(f):
            f.seek(0)
            holder = f.read().strip().split(" ", 1)[0] or "?"
            f.close()
            raise FolderInUse(
                f"{self.data} is in use by PID {holder}; stop that first or pass another --data"
            )
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()} {self.what}\n")
        f.flush()
        self._file = f

    def release(self) -> None:
        """Drop the lock (the OS also drops it when the process ends)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
