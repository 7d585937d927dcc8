"""``InboxApplier``: applies the document batches other nodes POST to this one.

Documents are applied in order, each with its effect and the channel's new
last applied seq in the same transaction. Up to ``GROUP_DOCS`` consecutive
documents share one transaction (group commit: on PostgreSQL every commit
waits for a disk flush, and on SQLite a transaction costs more than the
applier); the guarantee is the same, since a group commits or rolls back as
a whole and the acknowledgement says how far it got. When a group fails
(an applier's ``PermanentApplyError`` included), its documents are applied
again one transaction each (with a savepoint each, to park a refused
one), so that those before a failing one are kept and the error names it. Duplicates (seq
already applied) are acknowledged again without being applied; a gap stops
the batch and is answered with the seq expected. A node runs a few of these
actors (``bridge_inbox.0`` …): every channel always goes to the same one, so
two deliveries of one channel (a retry overlapping a slow first attempt)
are applied one after the other, while different tills proceed side by
side on PostgreSQL. A restarted applier has nothing to reload: its place
is each channel's ``bridge_channel`` row.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import OperationalError

from ukm_actors.bridge import inbox
from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import Appliers, SeqGap
from ukm_actors.db import Database
from ukm_actors.errors import UkmError
from ukm_actors.runtime import Cooperator
from ukm_actors.supervision import SupervisedActor, crash_on

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchResult:
    """The answer to one POSTed batch."""

    channel: str
    acked: int
    """Highest contiguous seq applied on the channel (the cumulative ack)."""
    applied: int = 0
    duplicates: int = 0
    parked: int = 0
    status: int = 200
    error: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "channel": self.channel,
            "acked": self.acked,
            "expected": self.acked + 1,
            "applied": self.applied,
            "duplicates": self.duplicates,
            "parked": self.parked,
        }
        if self.error is not None:
            body["error"] = self.error
            body.update(self.error)
        return body


def shard(channel: str, n: int) -> int:
    """Which of ``n`` inbox appliers takes ``channel``."""
    return zlib.crc32(channel.encode()) % max(1, n)


class InboxApplier(SupervisedActor):
    """Applies batches of documents, one transaction per document."""

    def __init__(self, db: Database, appliers: Appliers) -> None:
        super().__init__()
        self.db = db
        self.appliers = appliers

    @crash_on(OperationalError)
    def apply_batch(self, docs: list[Document]) -> BatchResult:
        """Apply ``docs`` (all of one channel, in seq order) as far as possible."""
        channel = docs[0].channel
        with self.db.read() as session:
            done = inbox.last_applied(session, channel)
        fresh = [d for d in docs if d.seq > done]
        duplicates = len(docs) - len(fresh)
        applied = parked = 0
        for group in _groups(fresh, self.appliers.prepares):
            if len(group) == 1:
                self.appliers.prepare(self.db, group[0])
            try:
                with self.db.write() as session:
                    results, gap = inbox.apply_many(session, group, self.appliers)
            except Exception as exc:  # noqa: BLE001 - redone one by one below, which reports it
                log.info(
                    "%s: a group of %d documents failed (%s); applying them one by one",
                    channel,
                    len(group),
                    exc,
                )
                result = self._one_by_one(channel, group, done, applied, duplicates, parked)
                if result.status != 200:
                    return result
                done, applied, duplicates, parked = (
                    result.acked,
                    result.applied,
                    result.duplicates,
                    result.parked,
                )
                continue
            for r in results:
                duplicates += int(r.duplicate)
                applied += int(not r.duplicate)
                parked += int(r.parked)
                done = max(done, r.seq)
            if gap is not None:
                return BatchResult(
                    channel,
                    done,
                    applied,
                    duplicates,
                    parked,
                    409,
                    {**gap.to_json(), "code": gap.code},
                )
            Cooperator().tick()
        if applied == 0:
            with self.db.write() as session:
                inbox.touch(session, channel)
        return BatchResult(channel, done, applied, duplicates, parked)

    def _one_by_one(
        self,
        channel: str,
        docs: list[Document],
        done: int,
        applied: int,
        duplicates: int,
        parked: int,
    ) -> BatchResult:
        """Apply ``docs`` one transaction each: what precedes a failing document is
        kept, and the failure is reported with that document's seq."""
        tick = Cooperator().tick
        for doc in docs:
            try:
                with self.db.write() as session:
                    result = inbox.apply(session, doc, self.appliers, park=True)
            except SeqGap as exc:
                return BatchResult(
                    channel,
                    done,
                    applied,
                    duplicates,
                    parked,
                    409,
                    {**exc.to_json(), "code": exc.code},
                )
            except UkmError as exc:
                log.error("%s: document %d (%s) not applied: %s", channel, doc.seq, doc.type, exc)
                status = int(getattr(exc, "http_status", 0) or 422)
                return BatchResult(
                    channel, done, applied, duplicates, parked, status, exc.to_json()
                )
            duplicates += int(result.duplicate)
            applied += int(not result.duplicate)
            parked += int(result.parked)
            done = doc.seq
            tick()
        return BatchResult(channel, done, applied, duplicates, parked)


GROUP_DOCS = 50
GROUP_BYTES = 1024 * 1024


def _groups(docs: list[Document], alone: Callable[[str], bool]) -> list[list[Document]]:
    """Consecutive groups applied in one transaction each (group commit: one
    commit, one disk flush, for up to ``GROUP_DOCS`` documents). A document of a
    type that is prepared (``alone``) is a group of its own: its preparation must
    come after the documents before it are applied."""
    groups: list[list[Document]] = []
    size = 0
    for d in docs:
        single = alone(d.type)
        if (
            not groups
            or single
            or alone(groups[-1][-1].type)
            or len(groups[-1]) >= GROUP_DOCS
            or size + d.size > GROUP_BYTES
        ):
            groups.append([])
            size = 0
        groups[-1].append(d)
        size += d.size
    return groups
