"""Dead letters: received documents that their applier refused for good.

Policy: an applier raises ``PermanentApplyError`` for content that can never
apply (a receipt for an unknown store, a body its codec rejects). Blocking
the channel on it would stop every later receipt of that till for as long
as nobody looks, so the bridge keeps the document verbatim here, records
the reason, and moves the channel past it. ``/status`` counts them; an
operator fixes the cause (data, or a new version) and calls ``replay``,
which applies the document then (out of its original order). Any other
error (a bug, a lost database) is not parked: the transaction rolls back
and the sender delivers the document again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document, DocumentHeader
from ukm_actors.bridge.models import DeadLetter
from ukm_actors.errors import UkmError

if TYPE_CHECKING:
    from ukm_actors.bridge.inbox import Appliers


class DeadLetterError(UkmError):
    code = "bridge.dead_letter"
    http_status = 404


@dataclass(frozen=True)
class DeadLetterInfo:
    id: int
    channel: str
    seq: int
    doc_type: str
    length: int
    error: str
    parked_at: datetime
    state: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "channel": self.channel,
            "seq": self.seq,
            "type": self.doc_type,
            "length": self.length,
            "error": self.error,
            "parked_at": self.parked_at.isoformat(timespec="seconds"),
            "state": self.state,
        }


def park(session: Session, doc: Document, error: str) -> int:
    """Keep ``doc`` as a dead letter with the reason; returns its id."""
    row = DeadLetter(
        channel=doc.channel,
        seq=doc.seq,
        doc_type=doc.type,
        version=doc.header.version,
        created=doc.header.created,
        length=doc.size,
        sha256=doc.header.sha256,
        body=doc.body,
        error=error[:4000],
        parked_at=datetime.now(UTC),
        state="parked",
    )
    session.add(row)
    session.flush()
    return row.id


def _info(r: DeadLetter) -> DeadLetterInfo:
    return DeadLetterInfo(
        r.id, r.channel, r.seq, r.doc_type, r.length, r.error, r.parked_at, r.state
    )


def list_letters(session: Session, state: str | None = "parked") -> list[DeadLetterInfo]:
    """Dead letters (by default those still parked), oldest first."""
    q = select(DeadLetter).order_by(DeadLetter.id)
    if state is not None:
        q = q.where(DeadLetter.state == state)
    return [_info(r) for r in session.execute(q).scalars()]


def count_parked(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(DeadLetter).where(DeadLetter.state == "parked")
        ).scalar_one()
    )


def letter_document(session: Session, letter_id: int) -> Document:
    """The parked document itself."""
    r = session.get(DeadLetter, letter_id)
    if r is None:
        raise DeadLetterError(f"no dead letter {letter_id}")
    header = DocumentHeader(r.doc_type, r.version, r.channel, r.seq, r.created, r.length, r.sha256)
    return Document(header, bytes(r.body))


def replay(session: Session, letter_id: int, appliers: Appliers) -> None:
    """Apply a parked document now, in the caller's transaction, and mark it replayed.

    Raises the applier's error if it still refuses (the caller rolls back;
    the letter stays parked).
    """
    r = session.get(DeadLetter, letter_id)
    if r is None:
        raise DeadLetterError(f"no dead letter {letter_id}")
    if r.state != "parked":
        raise DeadLetterError(
            f"dead letter {letter_id} was already replayed", code="bridge.replayed"
        )
    doc = letter_document(session, letter_id)
    appliers.get(doc.type)(session, doc)
    r.state = "replayed"
    r.replayed_at = datetime.now(UTC)
