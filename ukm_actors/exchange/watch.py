"""Which entries of an exchange folder are ready to read, which are still arriving, which never.

Shared by the cash server's import folder and a till's queue folder. The
conventions (``docs/exchange.md`` §1.5), in the order they apply:

- names starting with ``.`` or ``~`` or ending in ``.tmp`` / ``.part`` are
  files being written: left alone, silently (write under such a name, then
  rename: an atomic rename is always safe);
- symbolic links and anything that is not a regular file (a folder other
  than the reader's own, ``processed/`` and ``failed/``, a pipe, a device) are never opened:
  logged once and listed as ``ignored``;
- a regular file whose name is not an exchange file name (``notes.txt``,
  ``prices.xml``) is logged once and listed as ``ignored`` with the
  expected pattern; so is a file of a type this server does not read
  (``kit_[1]_[F].xml``), which stays where it is;
- an exchange file is ready once its size and modification time have
  stayed the same for ``stable`` seconds, seen by at least two looks.

Nothing here reads a file's content.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ukm_actors.codecs.ukm_import import ImportName, parse_import_name
from ukm_actors.i18n import _

TRANSIENT_SUFFIXES = (".tmp", ".part")
"""Names ending so are files still being written (case-insensitive)."""

OWN_FOLDERS = frozenset({"processed", "failed"})
"""Subfolders the loader itself keeps in the import folder."""

EXPECTED_NAME = _(
    "<type>_[<number>]_[<F|I>].xml for chain-wide types, "
    "<type>_[<store>]_[<number>]_[<F|I>].xml for store types "
    "(e.g. updateItems_[12]_[F].xml, storePrices_[17]_[5]_[F].xml)"
)
NOT_EXCHANGE = _("not an exchange file name; expected {expected}", expected=EXPECTED_NAME)
SYMLINK = _("a symbolic link: never followed; put the file itself in the import folder")
NOT_REGULAR = _("not a regular file (a folder, pipe or device): never opened")


def transient(name: str) -> bool:
    """True for names of files still being written (``.x``, ``~x``, ``x.tmp``, ``x.part``)."""
    return name.startswith((".", "~")) or name.lower().endswith(TRANSIENT_SUFFIXES)


class Candidate(Protocol):
    """What a folder's name parser gives for a file it may read."""

    @property
    def type(self) -> str: ...

    @property
    def known(self) -> bool: ...


N = TypeVar("N", bound=Candidate)


@dataclass(frozen=True)
class Ignored:
    """An entry the loader will not read, and why; ``size``/``mtime_ns`` from ``lstat``;
    ``parsed`` when the name is an exchange file name (of a type not read here)."""

    name: str
    reason: str
    size: int
    mtime_ns: int
    parsed: ImportName | None = None


@dataclass(frozen=True)
class Look(Generic[N]):
    """One look at the folder."""

    ready: tuple[N, ...]
    unsettled: frozenset[str]
    """Types (known ones) with a file still arriving."""
    ignored: tuple[Ignored, ...]


def classify(
    entry: os.DirEntry[str],
    parse: Callable[[str], Candidate | None] = parse_import_name,
    own: frozenset[str] = OWN_FOLDERS,
    who: str = _("this server"),
) -> str | None:
    """Why ``entry`` is not a candidate file, or ``None`` when it is one (or an own folder)."""
    if entry.is_symlink():
        return SYMLINK
    if entry.is_dir(follow_symlinks=False):
        return None if entry.name in own else NOT_REGULAR
    if not entry.is_file(follow_symlinks=False):
        return NOT_REGULAR
    name = parse(entry.name)
    if name is None:
        return NOT_EXCHANGE
    if not name.known:
        return _(
            "files of type {type} are not read by {who}; left in place", type=name.type, who=who
        )
    return None


class FolderWatch(Generic[N]):
    """Looks at one folder repeatedly and tells which exchange files have settled.

    ``parse`` reads a name (``parse_import_name`` for the server's import
    folder, ``exchange.names.parse_queue_name`` for a till's queue); ``own``
    are the reader's own subfolders; ``who`` names the reader in messages.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        stable: float,
        clock: Callable[[], float] | None = None,
        *,
        parse: Callable[[str], N | None],
        own: frozenset[str] = OWN_FOLDERS,
        who: str = _("this server"),
    ) -> None:
        self.folder = os.fspath(folder)
        self.stable = stable
        self.clock = clock or time.monotonic
        self.parse = parse
        self.own = own
        self.who = who
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}

    def look(self) -> Look[N]:
        """List the folder once (see the module docstring)."""
        now = self.clock()
        seen: dict[str, tuple[tuple[int, int], float]] = {}
        ready: list[N] = []
        unsettled: set[str] = set()
        ignored: list[Ignored] = []
        with os.scandir(self.folder) as it:
            for entry in it:
                if transient(entry.name):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                    reason = classify(entry, self.parse, self.own, self.who)
                except OSError:
                    continue  # gone meanwhile
                if reason is not None:
                    parsed = parse_import_name(entry.name)
                    ignored.append(Ignored(entry.name, reason, st.st_size, st.st_mtime_ns, parsed))
                    continue
                if stat.S_ISDIR(st.st_mode):
                    continue
                name = self.parse(entry.name)
                assert name is not None
                key = (st.st_size, st.st_mtime_ns)
                before = self._seen.get(entry.name)
                since = before[1] if before is not None and before[0] == key else now
                seen[entry.name] = (key, since)
                if before is not None and before[0] == key and now - since >= self.stable:
                    ready.append(name)
                else:
                    unsettled.add(name.type)
        self._seen = seen
        return Look(tuple(ready), frozenset(unsettled), tuple(ignored))
