"""``InboxApplier``: applies the document batches other nodes POST to this one.

Each document is applied in its own write transaction (its effect and the
channel's last applied seq commit together), in order. Duplicates (seq
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
        applied = duplicates = parked = 0
        tick = Cooperator().tick
        for doc in docs:
            if doc.seq <= done:
                duplicates += 1
                continue
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
            if result.duplicate:
                duplicates += 1
            else:
                applied += 1
                parked += int(result.parked)
            done = doc.seq
            tick()
        if applied == 0:
            with self.db.write() as session:
                inbox.touch(session, channel)
        return BatchResult(channel, done, applied, duplicates, parked)
