"""The sender's side of documents: ``put`` in the caller's transaction, then deliver.

``put`` is called inside the same database transaction as the change that
causes the document (a receipt closed, a price changed), so either both are
stored or neither is. Sequence numbers are gap-free per channel: the next
number is taken with ``UPDATE … SET last_seq = last_seq + 1 RETURNING``,
which locks the channel's row until the commit (SQLite writers are
serialised anyway). The hot paths use Core statements: they run in every
sale's transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.bridge import encoding
from ukm_actors.bridge.documents import (
    Document,
    DocumentError,
    DocumentHeader,
    sha256_hex,
    utc_now_iso,
)
from ukm_actors.bridge.models import Blob, BlobVariant, Channel, OutboxEntry
from ukm_actors.runtime import Cooperator

CHANNELS = cast(Table, Channel.__table__)
OUTBOX = cast(Table, OutboxEntry.__table__)
BLOBS = cast(Table, Blob.__table__)
VARIANTS = cast(Table, BlobVariant.__table__)


def _channel_for_update(session: Session, channel: str, direction: str) -> Channel:
    """The channel's row as an ORM object, created if missing, locked on PostgreSQL."""
    row = session.execute(
        select(Channel).where(Channel.channel == channel).with_for_update()
    ).scalar_one_or_none()
    if row is not None:
        return row
    create_channel(session, channel, direction)
    return session.execute(
        select(Channel).where(Channel.channel == channel).with_for_update()
    ).scalar_one()


def _c(session: Session) -> Any:
    # Bridge statements go straight to the transaction's connection: a Core
    # statement through the Session costs twice as much, and these run in
    # every sale's transaction and for every document received.
    return session.connection()


_INSERT_CHANNEL = insert(CHANNELS).values(
    channel=bindparam("c"),
    direction=bindparam("d"),
    last_seq=0,
    last_acked=0,
    last_sent=0,
)
_LOCK_CHANNEL = (
    select(CHANNELS.c.last_seq, CHANNELS.c.last_acked)
    .where(CHANNELS.c.channel == bindparam("c"))
    .with_for_update()
)
_NEXT_SEQ = (
    update(CHANNELS)
    .where(CHANNELS.c.channel == bindparam("c"))
    .values(last_seq=CHANNELS.c.last_seq + 1)
    .returning(CHANNELS.c.last_seq)
)
_BLOB_KEY_SHARE = (
    select(BLOBS.c.sha256, BLOBS.c.length)
    .where(BLOBS.c.sha256 == bindparam("h"))
    .with_for_update(key_share=True)
)
_BLOB_VALUES: dict[str, Any] = {
    "sha256": bindparam("h"),
    "length": bindparam("n"),
    "body": bindparam("b"),
}
_PG_INSERT_BLOB = pg_insert(BLOBS).values(**_BLOB_VALUES).on_conflict_do_nothing()
_SQLITE_INSERT_BLOB = sqlite_insert(BLOBS).values(**_BLOB_VALUES).on_conflict_do_nothing()
_VARIANT_LENGTH = select(VARIANTS.c.length).where(
    VARIANTS.c.sha256 == bindparam("h"), VARIANTS.c.encoding == bindparam("e")
)
_VARIANT_VALUES: dict[str, Any] = {
    "sha256": bindparam("h"),
    "encoding": bindparam("e"),
    "length": bindparam("n"),
    "body": bindparam("b"),
}
_PG_INSERT_VARIANT = pg_insert(VARIANTS).values(**_VARIANT_VALUES).on_conflict_do_nothing()
_SQLITE_INSERT_VARIANT = sqlite_insert(VARIANTS).values(**_VARIANT_VALUES).on_conflict_do_nothing()
_INSERT_OUTBOX = insert(OUTBOX).values(
    channel=bindparam("c"),
    seq=bindparam("s"),
    doc_type=bindparam("t"),
    version=bindparam("v"),
    created=bindparam("at"),
    length=bindparam("n"),
    sha256=bindparam("h"),
    acked=False,
    superseded=False,
)


def create_channel(session: Session, channel: str, direction: str) -> None:
    """Create the channel's row unless it exists (another process may race us)."""
    try:
        with session.begin_nested():
            _c(session).execute(_INSERT_CHANNEL, {"c": channel, "d": direction})
    except IntegrityError:
        pass


def lock_channel(session: Session, channel: str, direction: str) -> tuple[int, int]:
    """``(last_seq, last_acked)`` of the channel, its row locked until the commit."""
    row = _c(session).execute(_LOCK_CHANNEL, {"c": channel}).first()
    if row is None:
        create_channel(session, channel, direction)
        row = _c(session).execute(_LOCK_CHANNEL, {"c": channel}).one()
    return int(row[0]), int(row[1])


def _next_seq(session: Session, channel: str) -> int:
    seq = _c(session).execute(_NEXT_SEQ, {"c": channel}).scalar()
    if seq is None:
        create_channel(session, channel, "out")
        seq = _c(session).execute(_NEXT_SEQ, {"c": channel}).scalar_one()
    return int(seq)


def store_blob(session: Session, body: bytes) -> str:
    """Store ``body`` once by its SHA-256; returns the hash.

    A body of ``encoding.VARIANT_MIN`` bytes or more also gets its zstd
    variant, compressed here once (not once per till that downloads it).
    """
    digest = sha256_hex(body)
    conn = _c(session)
    params = {"h": digest, "n": len(body), "b": body}
    if conn.dialect.name == "postgresql":
        # FOR KEY SHARE: an existing body cannot be pruned by another process
        # between this check and the commit of the outbox row that refers to it.
        if conn.execute(_BLOB_KEY_SHARE, {"h": digest}).first() is None:
            conn.execute(_PG_INSERT_BLOB, params)
    else:
        conn.execute(_SQLITE_INSERT_BLOB, params)
    if len(body) >= encoding.VARIANT_MIN:
        store_variant(session, digest, body)
    return digest


def store_variant(session: Session, digest: str, body: bytes) -> int | None:
    """Store the zstd variant of the stored body ``digest`` unless it is there;
    returns its length (None: compressing saves too little, none is kept)."""
    conn = _c(session)
    have = conn.execute(_VARIANT_LENGTH, {"h": digest, "e": encoding.ZSTD}).scalar()
    if have is not None:
        return int(have)
    packed = encoding.compress_stored(body, Cooperator().tick)
    if len(packed) > len(body) * 0.9:
        return None
    stmt = _PG_INSERT_VARIANT if conn.dialect.name == "postgresql" else _SQLITE_INSERT_VARIANT
    conn.execute(stmt, {"h": digest, "e": encoding.ZSTD, "n": len(packed), "b": packed})
    return len(packed)


def variant_length(session: Session, digest: str, coding: str) -> int | None:
    """The length of the stored body ``digest`` in ``coding`` (None: no such variant)."""
    n = _c(session).execute(_VARIANT_LENGTH, {"h": digest, "e": coding}).scalar()
    return None if n is None else int(n)


def put(session: Session, channel: str, doc_type: str, body: bytes, version: int = 1) -> int:
    """Queue a document on ``channel`` in the caller's transaction; returns its seq."""
    digest = store_blob(session, body)
    return _enqueue(session, channel, doc_type, digest, len(body), version)


def put_stored(session: Session, channel: str, doc_type: str, digest: str, version: int = 1) -> int:
    """Queue a document whose body is already stored (``store_blob``'s hash): one
    50 MB store catalog is hashed and stored once, then queued for each till."""
    row = _c(session).execute(_BLOB_KEY_SHARE, {"h": digest}).first()
    if row is None:
        raise DocumentError(f"no stored body with sha256 {digest[:12]}…", hint="store_blob first")
    return _enqueue(session, channel, doc_type, digest, int(row[1]), version)


def _enqueue(
    session: Session, channel: str, doc_type: str, digest: str, length: int, version: int
) -> int:
    seq = _next_seq(session, channel)
    _c(session).execute(
        _INSERT_OUTBOX,
        {
            "c": channel,
            "s": seq,
            "t": doc_type,
            "v": version,
            "at": utc_now_iso(),
            "n": length,
            "h": digest,
        },
    )
    return seq


def supersede(session: Session, channel: str, below: int, doc_types: tuple[str, ...]) -> int:
    """Mark the unacknowledged documents of these types with seq < ``below`` superseded
    (receivers skip them); returns how many were marked."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.channel == channel,
            OutboxEntry.seq < below,
            OutboxEntry.doc_type.in_(doc_types),
            OutboxEntry.acked.is_(False),
        )
        .values(superseded=True)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def reset_channel(session: Session, channel: str) -> None:
    """Forget everything sent on ``channel``: numbering starts again at 1 (for a
    till that was reinstalled with an empty database)."""
    session.execute(delete(OutboxEntry).where(OutboxEntry.channel == channel))
    session.execute(delete(Channel).where(Channel.channel == channel))


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
    last_seq, last_acked = lock_channel(session, channel, "out")
    upto = min(upto, last_seq)
    values: dict[str, Any] = {"last_contact": datetime.now(UTC)}
    if upto > last_acked:
        values["last_acked"] = last_acked = upto
        session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.channel == channel, OUTBOX.c.seq <= upto, OUTBOX.c.acked.is_(False))
            .values(acked=True)
        )
    session.execute(update(CHANNELS).where(CHANNELS.c.channel == channel).values(**values))
    return last_acked


def batch(
    session: Session, channel: str, after: int, max_docs: int, max_bytes: int
) -> list[Document]:
    """The next documents of ``channel`` after ``after``, bodies loaded, for one push.

    At most ``max_docs`` documents and ``max_bytes`` of bodies, but always at
    least one document when there is one (a big document goes alone).
    """
    rows = session.execute(
        select(OutboxEntry, Blob.body)
        .join(Blob, Blob.sha256 == OutboxEntry.sha256)
        .where(OutboxEntry.channel == channel, OutboxEntry.seq > after)
        .order_by(OutboxEntry.seq)
        .limit(max_docs)
    ).all()
    docs: list[Document] = []
    size = 0
    for entry, body in rows:
        if docs and size + entry.length > max_bytes:
            break
        docs.append(Document(header_of(entry), bytes(body)))
        size += entry.length
    return docs


def entry(session: Session, channel: str, seq: int) -> OutboxEntry | None:
    return session.get(OutboxEntry, (channel, seq))


SQLITE_CHUNK = 1024 * 1024
PG_CHUNK = 4 * 1024 * 1024


def body_chunk_size(session: Session) -> int:
    """How many body bytes to read per query when streaming (see ``read_body``)."""
    return SQLITE_CHUNK if session.get_bind().dialect.name == "sqlite" else PG_CHUNK


def read_body(
    session: Session, digest: str, start: int, length: int, coding: str = encoding.IDENTITY
) -> bytes | None:
    """``length`` bytes of a stored body (or of its variant in ``coding``) from
    ``start`` (None if it is gone).

    Never loads the whole body: SQLite reads through its incremental blob API
    (``substr`` would read the whole value for each chunk), PostgreSQL with
    ``substring(body from x for n)``.
    """
    conn = session.connection()
    table, where, params = "bridge_blob", "sha256 = :h", {"h": digest}
    if coding != encoding.IDENTITY:
        table, where = "bridge_blob_variant", "sha256 = :h AND encoding = :e"
        params["e"] = coding
    if conn.dialect.name == "sqlite":
        rowid = conn.execute(text(f"SELECT rowid FROM {table} WHERE {where}"), params).scalar()
        if rowid is None:
            return None
        raw: Any = conn.connection.dbapi_connection
        with raw.blobopen(table, "body", int(rowid), readonly=True) as blob:
            blob.seek(start)
            return bytes(blob.read(length))
    data = conn.execute(
        text(f"SELECT substring(body from :x for :n) FROM {table} WHERE {where}"),
        {"x": start + 1, "n": length, **params},
    ).scalar()
    return None if data is None else bytes(data)


def listing(session: Session, channel: str, after: int, limit: int) -> list[OutboxEntry]:
    """Entries of ``channel`` after ``after`` (no bodies), in order."""
    return pending(session, channel, after, limit)


def pruned_upto(session: Session, channel: str) -> int:
    """Every seq up to this one has been deleted from the outbox (0: none)."""
    first = session.execute(
        select(func.min(OutboxEntry.seq)).where(OutboxEntry.channel == channel)
    ).scalar()
    if first is not None:
        return int(first) - 1
    ch = session.get(Channel, channel)
    return ch.last_seq if ch is not None else 0


def mark_sent(session: Session, channel: str, seq: int) -> None:
    """Record that the receiver has been handed everything up to ``seq``."""
    session.execute(
        update(Channel)
        .where(Channel.channel == channel, Channel.last_sent < seq)
        .values(last_sent=seq)
        .execution_options(synchronize_session=False)
    )


def prune(session: Session, channel: str, older_than: str) -> int:
    """Delete acknowledged documents of ``channel`` created before ``older_than``
    (an ISO time like ``utc_now_iso()``); returns how many went."""
    result = session.execute(
        delete(OutboxEntry)
        .where(
            OutboxEntry.channel == channel,
            OutboxEntry.acked.is_(True),
            OutboxEntry.created < older_than,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def prune_blobs(session: Session) -> int:
    """Delete bodies no outbox entry refers to any more (and their variants);
    returns how many went."""
    used = select(OutboxEntry.sha256).where(OutboxEntry.sha256 == Blob.sha256).exists()
    variant_used = (
        select(OutboxEntry.sha256).where(OutboxEntry.sha256 == BlobVariant.sha256).exists()
    )
    session.execute(
        delete(BlobVariant).where(~variant_used).execution_options(synchronize_session=False)
    )
    result = session.execute(delete(Blob).where(~used).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def set_channel_error(
    session: Session, channel: str, error: str | None, direction: str = "out"
) -> None:
    """Record the channel's current error (None: it works again) for monitoring."""
    ch = _channel_for_update(session, channel, direction)
    ch.last_error = error[:2000] if error else None
