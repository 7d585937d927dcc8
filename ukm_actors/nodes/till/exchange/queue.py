"""The till's exchange folder: which files to load, in which order, and where they go.

A look at the folder (``exchange.watch.FolderWatch``, as on the cash
server: hidden and partial names left alone, symbolic links and other
names never opened and listed, a file read once its size and time have
settled) gives the ready files. They are loaded in queue order:

- the integration module's numbered copies (``000001_…``) by number;
- then plain UKM names (a trade system writing to the till directly) in
  the server's order (``plan_imports``: per type the newest full file, then
  the newer incremental ones; older files are skipped).

Each file: loaded or skipped → ``processed/``; refused → ``failed/`` with
``<name>.error.txt`` (line, field, what to do) and **the whole queue waits
behind it** — unlike the server, which lets other types go on: a queue is
one ordered stream (prices after the items they price), and a till that
went on would sell from a catalog the trade system never sent. The queue
goes on when a full file of the refused type arrives (it is loaded first;
the files of that type queued before it are skipped as superseded), or the
refused file arrives again under the same name (a corrected copy).
The refusal is kept in the database, so it holds across restarts.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_names import plan_imports
from ukm_actors.codecs.ukm_schema import FULL
from ukm_actors.db import Database
from ukm_actors.exchange.folder import PROCESSED, Refusal, move_aside, refuse
from ukm_actors.exchange.names import QueueName, parse_queue_name
from ukm_actors.exchange.watch import FolderWatch, Ignored
from ukm_actors.i18n import DEFAULT_LANGUAGE, Text, _, unwire_all
from ukm_actors.nodes.till.exchange.load import (
    FAILED,
    LOADED,
    SKIPPED,
    LoadOptions,
    Outcome,
    load_file,
    record,
)
from ukm_actors.nodes.till.exchange.tables import ExchangeFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Blocked:
    """The refused file the queue waits behind."""

    row_id: int
    file: str
    type: str
    error: str
    line: int | None = None
    field: str | None = None

    def unblocked_by(self, name: QueueName) -> bool:
        if name.original == _original(self.file) or name.filename == self.file:
            return True
        inner = name.inner
        return inner is not None and inner.type == self.type and inner.fullness == FULL

    def what_to_do(self) -> Text:
        what = self.type if self.type != "?" else _("this file's type")
        return _(
            "send a new full file of {what} (fullness F), or {file} again (corrected) "
            "under the same name; every file queued after it waits until then",
            what=what,
            file=self.file,
        )

    def waits_for(self) -> Text:
        if self.type == "?":
            return _("{file} again (corrected) under the same name", file=self.file)
        return _(
            "a full {type} file, or {file} again (corrected) under the same name",
            type=self.type,
            file=self.file,
        )


def _original(filename: str) -> str:
    parsed = parse_queue_name(filename)
    return parsed.original if parsed is not None else filename


def refusal(outcome: Outcome) -> Refusal:
    what = outcome.type if outcome.type != "?" else _("this file's type")
    return Refusal(
        outcome.name.filename,
        outcome.error or "",
        outcome.line,
        outcome.field,
        _(
            "send a new full file of {what} (fullness F), or this file again (corrected) "
            "under the same name. Until then every file queued after it waits; nothing "
            "behind it is loaded.",
            what=what,
        ),
        outcome.warnings,
    )


class TillQueue:
    """Scans one till's exchange folder and loads what is ready (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        options: LoadOptions,
        *,
        settle: float = 2.0,
        clock: Callable[[], float] | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.db = db
        self.folder = folder
        self.options = options
        self.language = language
        """The language of the ``.error.txt`` left beside a refused file (``[node] language``)."""
        self.watch: FolderWatch[QueueName] = FolderWatch(
            folder, settle, clock, parse=parse_queue_name, who=_("this till")
        )
        self.ignored: tuple[Ignored, ...] = ()
        self.waiting: tuple[str, ...] = ()
        self._reported: set[tuple[str, int, int]] = set()

    def ordered(self, ready: list[QueueName]) -> tuple[list[QueueName], list[QueueName]]:
        """(files to load in order, plain files superseded by a newer full file)."""
        queued = sorted(
            (n for n in ready if n.position is not None),
            key=lambda n: (n.position or 0, n.filename),
        )
        plain = {n.filename: n for n in ready if n.position is None}
        plan = plan_imports(n.inner for n in plain.values() if n.inner is not None)
        later = [plain[i.filename] for i in plan.load]
        return queued + later, [plain[i.filename] for i in plan.skipped]

    def scan(self) -> list[Outcome]:
        """Load everything that may be loaded now; what became of each file."""
        look = self.watch.look()
        self._report(look.ignored)
        order, superseded = self.ordered(list(look.ready))
        results: list[Outcome] = []
        for name in superseded:
            self._skip(name, "a newer full file of its type is in the folder")
        order = [n for n in order if not self._moved_if_done(n)]
        blocked = self.blocked()
        if blocked is not None:
            first = next((n for n in order if blocked.unblocked_by(n)), None)
            if first is None:
                self.waiting = tuple(n.filename for n in order)
                return results
            if not self._load(first, results):
                self.waiting = tuple(n.filename for n in order if n != first)
                return results
            order.remove(first)
            for name in [n for n in order if _before(n, first) and n.type == first.type]:
                self._skip(name, f"superseded by the full file {first.filename}")
                order.remove(name)
        for i, name in enumerate(order):
            self.waiting = tuple(n.filename for n in order[i + 1 :])
            if not self._load(name, results):
                self.waiting = tuple(n.filename for n in order[i + 1 :])
                return results
        self.waiting = ()
        return results

    def _load(self, name: QueueName, results: list[Outcome]) -> bool:
        """Load one file and put it where it belongs; False when the queue must stop."""
        try:
            outcome = load_file(self.db, self.folder, name, self.options)
        except FileNotFoundError:
            return True
        results.append(outcome)
        if outcome.status in (LOADED, SKIPPED):
            move_aside(self.folder, name.filename, PROCESSED)
            log.info(
                "exchange %s %s: %s %s, %d records%s",
                name.filename,
                outcome.status,
                outcome.type,
                outcome.fullness or "",
                outcome.records,
                f" ({outcome.error})" if outcome.error else "",
            )
            for w in outcome.warnings[:20]:
                log.warning("exchange %s: %s", name.filename, w)
            return True
        assert outcome.status == FAILED
        log.error(
            "exchange %s refused: %s; the queue waits behind it", name.filename, outcome.error
        )
        refuse(self.folder, name.filename, refusal(outcome), self.language)
        return False

    def _skip(self, name: QueueName, reason: str) -> None:
        try:
            st = os.lstat(self.folder / name.filename)
        except FileNotFoundError:
            return
        outcome = Outcome(name, SKIPPED, name.type, error=reason)
        with self.db.write() as session:
            record(session, outcome, st.st_size, st.st_mtime_ns)
        move_aside(self.folder, name.filename, PROCESSED)
        log.info("exchange %s skipped: %s", name.filename, reason)

    def _moved_if_done(self, name: QueueName) -> bool:
        """True for a file loaded (or skipped) before a kill left it in the folder: moved now."""
        try:
            st = os.lstat(self.folder / name.filename)
        except FileNotFoundError:
            return True
        with self.db.read() as session:
            done = session.execute(
                select(ExchangeFile.id).where(
                    ExchangeFile.name == name.filename,
                    ExchangeFile.status.in_((LOADED, SKIPPED)),
                    ExchangeFile.size == st.st_size,
                    ExchangeFile.mtime_ns == st.st_mtime_ns,
                )
            ).first()
        if done is None:
            return False
        move_aside(self.folder, name.filename, PROCESSED)
        return True

    def blocked(self) -> Blocked | None:
        """The refused file the queue waits behind, if any."""
        with self.db.read() as session:
            return blocking(session)

    def _report(self, ignored: tuple[Ignored, ...]) -> None:
        self.ignored = ignored
        for entry in ignored:
            key = (entry.name, entry.size, entry.mtime_ns)
            if key not in self._reported:
                self._reported.add(key)
                log.warning("exchange folder: %s ignored: %s", entry.name, entry.reason)


def blocking(session: Session) -> Blocked | None:
    """The refused file the queue waits behind: the last refusal, unless a file loaded after
    it (a full file of its type, or the same file again) lifted it."""
    failed = session.execute(
        select(ExchangeFile)
        .where(ExchangeFile.status == FAILED)
        .order_by(ExchangeFile.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if failed is None:
        return None
    block = Blocked(
        failed.id, failed.name, failed.type, _stored_error(failed), failed.line, failed.field
    )
    later = session.execute(
        select(ExchangeFile.name, ExchangeFile.type, ExchangeFile.fullness).where(
            ExchangeFile.id > failed.id, ExchangeFile.status == LOADED
        )
    ).all()
    for loaded, type_name, fullness in later:
        same = _original(loaded) == _original(block.file)
        if same or (type_name == block.type and fullness == FULL):
            return None
    return block


def _stored_error(row: ExchangeFile) -> str:
    """A refused file's error, translatable when its row keeps the texts (else English)."""
    if row.texts:
        try:
            error = unwire_all(json.loads(row.texts)).get("error")
        except (ValueError, AttributeError):
            error = None
        if isinstance(error, str):
            return error
    return row.error or ""


def _before(a: QueueName, b: QueueName) -> bool:
    if a.position is not None and b.position is not None:
        return a.position < b.position
    return a.position is not None and b.position is None
