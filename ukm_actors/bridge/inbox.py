"""The receiver's side of documents: apply each one once, in order.

``apply`` runs inside the caller's write transaction: the document's effect
and the channel's new last-applied seq commit together, so a crash at any
point leaves either both or neither. A seq already applied is a duplicate
(acknowledged again, not applied); a seq beyond the next one is a gap
(refused with the seq expected).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.bridge import deadletters
from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.models import Channel
from ukm_actors.bridge.outbox import _channel_for_update
from ukm_actors.errors import UkmError

Applier = Callable[[Session, Document], None]


class SeqGap(UkmError):
    """A document arrived before the ones it follows."""

    code = "bridge.gap"
    http_status = 409

    def __init__(self, channel: str, got: int, expected: int) -> None:
        super().__init__(
            f"channel {channel}: got document {got}, expected {expected}",
            hint=f"send from seq {expected}",
        )
        self.expected = expected


class UnknownDocumentType(UkmError):
    code = "bridge.unknown_type"
    http_status = 422


class PermanentApplyError(UkmError):
    """An applier's verdict that this document can never be applied (bad content).

    The bridge parks such a document (it is kept, shown in monitoring, and
    can be replayed) instead of blocking the channel forever.
    """

    code = "bridge.unapplicable"
    http_status = 422


@dataclass(frozen=True)
class Applied:
    channel: str
    seq: int
    duplicate: bool
    parked: bool = False
    """The applier refused it for good; it is in the dead letters and the channel moved on."""


class Appliers:
    """Document type → the function that applies it to this node's database."""

    def __init__(self) -> None:
        self._by_type: dict[str, Applier] = {}

    def register(self, doc_type: str, fn: Applier) -> None:
        if doc_type in self._by_type:
            raise ValueError(f"an applier for {doc_type!r} is already registered")
        self._by_type[doc_type] = fn

    def get(self, doc_type: str) -> Applier:
        fn = self._by_type.get(doc_type)
        if fn is None:
            raise UnknownDocumentType(
                f"this node cannot apply documents of type {doc_type!r}",
                hint=f"known types: {', '.join(sorted(self._by_type)) or 'none'}",
            )
        return fn

    def types(self) -> list[str]:
        return sorted(self._by_type)


def last_applied(session: Session, channel: str) -> int:
    row = session.execute(select(Channel.last_seq).where(Channel.channel == channel)).scalar()
    return int(row or 0)


def apply(session: Session, doc: Document, appliers: Appliers, *, park: bool = False) -> Applied:
    """Apply ``doc`` if it is the next of its channel (in the caller's transaction).

    With ``park=True`` (what the bridge does), a ``PermanentApplyError`` from
    the applier undoes the applier's own changes (a savepoint), keeps the
    document in the dead letters and advances the channel past it. Without
    it, the error propagates and the caller's transaction must roll back.
    """
    ch = _channel_for_update(session, doc.channel, "in")
    ch.last_contact = datetime.now(UTC)
    if doc.seq <= ch.last_seq:
        return Applied(doc.channel, doc.seq, duplicate=True)
    if doc.seq != ch.last_seq + 1:
        raise SeqGap(doc.channel, doc.seq, ch.last_seq + 1)
    fn = appliers.get(doc.type)
    parked = False
    if park:
        try:
            with session.begin_nested():
                fn(session, doc)
        except PermanentApplyError as exc:
            deadletters.park(session, doc, str(exc))
            ch.last_error = f"document {doc.seq} ({doc.type}) parked: {exc}"[:2000]
            parked = True
    else:
        fn(session, doc)
    ch.last_seq = doc.seq
    return Applied(doc.channel, doc.seq, duplicate=False, parked=parked)


def skip(session: Session, channel: str, seq: int) -> None:
    """Mark ``seq`` applied without applying it (a superseded document)."""
    ch = _channel_for_update(session, channel, "in")
    if seq == ch.last_seq + 1:
        ch.last_seq = seq
    elif seq > ch.last_seq + 1:
        raise SeqGap(channel, seq, ch.last_seq + 1)


def touch(session: Session, channel: str) -> None:
    """Record contact on an incoming channel (a delivery of duplicates only)."""
    ch = _channel_for_update(session, channel, "in")
    ch.last_contact = datetime.now(UTC)
