"""The receiver's side of documents: apply each one once, in order.

``apply`` runs inside the caller's write transaction: the document's effect
and the channel's new last-applied seq commit together, so a crash at any
point leaves either both or neither. A seq already applied is a duplicate
(acknowledged again, not applied); a seq beyond the next one is a gap
(refused with the seq expected).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.bridge import deadletters
from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.models import Channel
from ukm_actors.bridge.outbox import CHANNELS, _channel_for_update, lock_channel
from ukm_actors.bridge.policy import SubjectOf
from ukm_actors.db import Database
from ukm_actors.errors import UkmError

log = logging.getLogger(__name__)

Applier = Callable[[Session, Document], None]
Preparer = Callable[[Database, Document], None]
"""Work on a document before its apply transaction, in transactions of its own (a big
document written aside in small steps, so the apply itself is short); it must leave
the same result when run again (a crash between it and the apply)."""


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


PERMANENT: tuple[type[BaseException], ...] = (
    PermanentApplyError,
    DataError,
    IntegrityError,
    OverflowError,
    UnicodeError,
    ValueError,
    TypeError,
    KeyError,
    RecursionError,
)
"""Errors of an applier that trying again can never cure (bad content: a number out of
range, a broken constraint, a body that does not decode): the document is parked.
Anything else (the database unreachable, a lock timeout, an unknown type) is retried."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UkmError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"the database refused it: {type(exc).__name__}: {detail}"
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class Applied:
    channel: str
    seq: int
    duplicate: bool
    parked: bool = False
    """The applier refused it for good; it is in the dead letters and the channel moved on."""


class Appliers:
    """Document type → the function that applies it to this node's database, and
    the function that reads what a document is about (for ``bridge.policy``)."""

    def __init__(self) -> None:
        self._by_type: dict[str, Applier] = {}
        self._subjects: dict[str, SubjectOf] = {}
        self._preparers: dict[str, Preparer] = {}

    def register(
        self,
        doc_type: str,
        fn: Applier,
        subject: SubjectOf | None = None,
        prepare: Preparer | None = None,
    ) -> None:
        """``subject(doc)``: the stores and node a document names, for the authorisation
        table's store scope (``bridge/policy.py``); needed unless its scope is ``any``.
        ``prepare(db, doc)``: run before the apply transaction (``prepare()``)."""
        if doc_type in self._by_type:
            raise ValueError(f"an applier for {doc_type!r} is already registered")
        self._by_type[doc_type] = fn
        if subject is not None:
            self._subjects[doc_type] = subject
        if prepare is not None:
            self._preparers[doc_type] = prepare

    def prepares(self, doc_type: str) -> bool:
        return doc_type in self._preparers

    def prepare(self, db: Database, doc: Document) -> None:
        """Run the preparation of ``doc``'s type, if it has one and ``doc`` is the next
        document of its channel. A document it finds bad is left to the apply, which
        refuses it (and the bridge parks it)."""
        fn = self._preparers.get(doc.type)
        if fn is None:
            return
        with db.read() as session:
            if doc.seq != last_applied(session, doc.channel) + 1:
                return
        try:
            fn(db, doc)
        except PERMANENT as exc:
            log.info("%s #%s not prepared (%s); its apply decides", doc.type, doc.seq, exc)

    def subject_of(self, doc_type: str) -> SubjectOf | None:
        return self._subjects.get(doc_type)

    def knows(self, doc_type: str) -> bool:
        return doc_type in self._by_type

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
    last, _ = lock_channel(session, doc.channel, "in")
    conn = session.connection()
    if doc.seq <= last:
        conn.execute(_TOUCH, {"c": doc.channel, "now": datetime.now(UTC)})
        return Applied(doc.channel, doc.seq, duplicate=True)
    if doc.seq != last + 1:
        raise SeqGap(doc.channel, doc.seq, last + 1)
    result = _apply_one(session, doc, appliers, park)
    conn.execute(_ADVANCE, {"c": doc.channel, "s": doc.seq, "now": datetime.now(UTC)})
    return result


def park_refused(session: Session, doc: Document, reason: str) -> Applied:
    """Record ``doc`` (the next of its channel) as not applied but parked, because its
    sender may not send it (a pulled document the authorisation table refuses): it is
    kept in the dead letters and the channel moves on."""
    last, _ = lock_channel(session, doc.channel, "in")
    if doc.seq <= last:
        return Applied(doc.channel, doc.seq, duplicate=True)
    if doc.seq != last + 1:
        raise SeqGap(doc.channel, doc.seq, last + 1)
    _park(session, doc, reason)
    session.connection().execute(
        _ADVANCE, {"c": doc.channel, "s": doc.seq, "now": datetime.now(UTC)}
    )
    return Applied(doc.channel, doc.seq, duplicate=False, parked=True)


def _park(session: Session, doc: Document, reason: str) -> None:
    deadletters.park(session, doc, reason)
    session.connection().execute(
        _SET_ERROR,
        {"c": doc.channel, "e": f"document {doc.seq} ({doc.type}) parked: {reason}"[:2000]},
    )


def apply_many(
    session: Session, docs: list[Document], appliers: Appliers, *, park: bool = False
) -> tuple[list[Applied], SeqGap | None]:
    """Apply the next documents of one channel (in seq order) in the caller's
    transaction: the same as ``apply`` for each, with the channel row read
    and written once. Stops at a gap and returns it (what came before it is
    applied) instead of raising. Without ``park`` there are no savepoints
    (they cost more than a small applier): an applier's error propagates."""
    if not docs:
        return [], None
    channel = docs[0].channel
    last, _ = lock_channel(session, channel, "in")
    out: list[Applied] = []
    gap: SeqGap | None = None
    for doc in docs:
        if doc.channel != channel:
            raise ValueError("apply_many takes documents of one channel")
        if doc.seq <= last:
            out.append(Applied(channel, doc.seq, duplicate=True))
            continue
        if doc.seq != last + 1:
            gap = SeqGap(channel, doc.seq, last + 1)
            break
        out.append(_apply_one(session, doc, appliers, park))
        last = doc.seq
    session.connection().execute(_ADVANCE, {"c": channel, "s": last, "now": datetime.now(UTC)})
    return out, gap


def _apply_one(session: Session, doc: Document, appliers: Appliers, park: bool) -> Applied:
    fn = appliers.get(doc.type)
    if not park:
        fn(session, doc)
        return Applied(doc.channel, doc.seq, duplicate=False)
    try:
        with session.begin_nested():
            fn(session, doc)
    except PERMANENT as exc:
        _park(session, doc, _reason(exc))
        return Applied(doc.channel, doc.seq, duplicate=False, parked=True)
    return Applied(doc.channel, doc.seq, duplicate=False)


_TOUCH = (
    update(CHANNELS)
    .where(CHANNELS.c.channel == bindparam("c"))
    .values(last_contact=bindparam("now"))
)
_ADVANCE = (
    update(CHANNELS)
    .where(CHANNELS.c.channel == bindparam("c"))
    .values(last_seq=bindparam("s"), last_contact=bindparam("now"))
)
_SET_ERROR = (
    update(CHANNELS).where(CHANNELS.c.channel == bindparam("c")).values(last_error=bindparam("e"))
)


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
