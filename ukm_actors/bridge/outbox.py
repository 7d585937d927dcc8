"""The sender's side of documents: ``put`` in the caller's transaction, then deliver.

``put`` is called inside the same database transaction as the change that
causes the document (a receipt closed, a price changed), so either both are
stored or neither is. Sequence numbers are gap-free per channel: the
channel row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers
are serialised) while the next number is taken.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document, DocumentHeader, sha256_hex, utc_now_iso
from ukm_actors.bridge.models import Blob, Channel, OutboxEntry


def _channel_for_update(session: Session, channel: str, direction: str) -> Channel:
    row = session.execute(
        select(Channel).where(Channel.channel == channel).with_for_update()
    ).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(Channel(channel=channel, direction=direction, last_seq=0, last_acked=0))
    except IntegrityError:
        pass
    return session.execute(
        select(Channel).where(Channel.channel == channel).with_for_update()
    ).scalar_one()


def store_blob(session: Session, body: bytes) -> str:
    """Store ``body`` once by its SHA-256; returns the hash."""
    digest = sha256_hex(body)
    if session.get(Blob, digest) is None:
        try:
            with session.begin_nested():
                session.add(Blob(sha256=digest, length=len(body), body=body))
        except IntegrityError:
            pass
    return digest


def put(session: Session, channel: str, doc_type: str, body: bytes, version: int = 1) -> int:
    """Queue a document on ``channel`` in the caller's transaction; returns its seq."""
    ch = _channel_for_update(session, channel, "out")
    seq = ch.last_seq + 1
    ch.last_seq = seq
    digest = store_blob(session, body)
    session.add(
        OutboxEntry(
            channel=channel,
            seq=seq,
            doc_type=doc_type,
            version=version,
            created=utc_now_iso(),
            length=len(body),
            sha256=digest,
            acked=False,
        )
    )
    session.flush()
    return seq


def header_of(entry: OutboxEntry) -> DocumentHeader:
    return DocumentHeader(
        type=entry.doc_type,
        version=entry.version,
        channel=entry.channel,
        seq=entry.seq,
        created=entry.created,
        length=entry.length,
        sha256=entry.sha256,
    )


def load_document(session: Session, channel: str, seq: int) -> Document | None:
    """The whole document ``seq`` of ``channel`` (body loaded into memory)."""
    entry = session.get(OutboxEntry, (channel, seq))
    if entry is None:
        return None
    blob = session.get(Blob, entry.sha256)
    assert blob is not None
    return Document(header_of(entry), blob.body)


def pending(session: Session, channel: str, after: int, limit: int = 100) -> list[OutboxEntry]:
    """Documents of ``channel`` with seq > ``after``, in order."""
    return list(
        session.execute(
            select(OutboxEntry)
            .where(OutboxEntry.channel == channel, OutboxEntry.seq > after)
            .order_by(OutboxEntry.seq)
            .limit(limit)
        ).scalars()
    )


def ack(session: Session, channel: str, upto: int) -> int:
    """Record that the receiver has applied every document up to ``upto``.

    Acknowledgements are cumulative and never go backwards; returns the
    channel's acknowledged seq after this call.
    """
    ch = _channel_for_update(session, channel, "out")
    upto = min(upto, ch.last_seq)
    if upto > ch.last_acked:
        ch.last_acked = upto
        session.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.channel == channel,
                OutboxEntry.seq <= upto,
                OutboxEntry.acked.is_(False),
            )
            .values(acked=True)
            .execution_options(synchronize_session=False)
        )
    ch.last_contact = datetime.now(UTC)
    return ch.last_acked
