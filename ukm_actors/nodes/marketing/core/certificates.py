"""Gift certificates: series, numbers, and created → sold → redeemed, or expired.

A certificate is sold (activated) by its sale on a till, and then pays on
tills until its balance is used. Every change takes the certificate's row
lock (``SELECT … FOR UPDATE``) first, so two tills spending one certificate at
the same moment are served one after the other and the second sees the
balance the first left: no double spend. With ``[marketing]
certificate_partial = false`` one payment uses the certificate up and the
rest of its balance is forfeited (and recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.domain.money import format_money
from ukm_actors.domain.promotions.codes import (
    CodeError,
    serial_width,
)
from ukm_actors.i18n import _
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.marketing.core.errors import (
    BadRequest,
    CertificateRefused,
    Conflict,
    NotFound,
)
from ukm_actors.nodes.marketing.core.numbering import take_codes
from ukm_actors.nodes.marketing.core.tables import MkCertificate, MkCertOp, MkCertSeries

MAX_BATCH = 100_000


def create_series(session: Session, data: dict[str, Any], now: datetime) -> MkCertSeries:
    """``id``, ``name``, ``face_value`` (kopecks), ``article`` (the item sold on tills),
    ``prefix``, ``length`` (13), ``check_digit`` (true), ``valid_days`` (365)."""
    sid = data.get("id")
    if not isinstance(sid, str) or not sid or len(sid) > 60:
        raise BadRequest(_("certificate series 'id' must be 1 to 60 characters"))
    if session.get(MkCertSeries, sid) is not None:
        raise Conflict(_("certificate series {id} already exists", id=repr(sid)))
    face = data.get("face_value")
    article = data.get("article")
    prefix = data.get("prefix", "")
    length = data.get("length", 13)
    check = data.get("check_digit", True)
    days = data.get("valid_days", 365)
    if isinstance(face, bool) or not isinstance(face, int) or face <= 0:
        raise BadRequest(
            _("series {id}: 'face_value' must be a positive number of kopecks", id=repr(sid))
        )
    if not isinstance(article, str) or not article:
        raise BadRequest(
            _("series {id}: 'article' (the item tills sell it as) is required", id=repr(sid))
        )
    if not isinstance(prefix, str) or not prefix.isalnum():
        raise BadRequest(_("series {id}: 'prefix' must be letters or digits", id=repr(sid)))
    if not isinstance(length, int) or not isinstance(check, bool):
        raise BadRequest(f"series {sid!r}: 'length' must be a number, 'check_digit' true/false")
    if not isinstance(days, int) or days <= 0:
        raise BadRequest(_("series {id}: 'valid_days' must be a positive number", id=repr(sid)))
    try:
        serial_width(prefix, length, check)
    except CodeError as exc:
        raise BadRequest(f"series {sid!r}: {exc}") from None
    row = MkCertSeries(
        id=sid,
        name=str(data.get("name") or sid),
        face_value=face,
        article=article,
        prefix=prefix,
        length=length,
        check_digit=check,
        valid_days=days,
        next_serial=1,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def create_certificates(session: Session, series_id: str, count: int, now: datetime) -> list[str]:
    """``count`` new certificates of the series, in state ``created``; their numbers."""
    if not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise BadRequest(
            _(
                "a batch has 1 to {most} certificates, not {count}",
                most=MAX_BATCH,
                count=repr(count),
            )
        )
    s = session.execute(
        select(MkCertSeries).where(MkCertSeries.id == series_id).with_for_update()
    ).scalar_one_or_none()
    if s is None:
        raise NotFound(_("there is no certificate series {id}", id=repr(series_id)))
    numbers = take_codes(s, count, f"cert:{s.id}:{now.isoformat()}", "series")
    session.bulk_insert_mappings(
        MkCertificate,  # type: ignore[arg-type]
        [
            {
                "number": n,
                "series_id": s.id,
                "face_value": s.face_value,
                "balance": s.face_value,
                "state": "created",
                "created_at": now,
            }
            for n in numbers
        ],
    )
    return numbers


@dataclass(frozen=True)
class CertificateView:
    number: str
    series_id: str
    state: str
    face_value: int
    balance: int
    expires_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "series_id": self.series_id,
            "state": self.state,
            "face_value": self.face_value,
            "balance": self.balance,
            "expires_at": self.expires_at,
        }


def _view(c: MkCertificate) -> CertificateView:
    return CertificateView(
        c.number, c.series_id, c.state, c.face_value, c.balance, iso_utc(c.expires_at, z=True)
    )


def _locked(session: Session, number: str) -> MkCertificate:
    row = session.execute(
        select(MkCertificate).where(MkCertificate.number == number).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise CertificateRefused(
            f"certificate {number} is unknown: no certificate has this number",
            code="certificate.unknown",
            hint="check the number printed on the certificate",
        )
    return row


def _expire_if_due(session: Session, c: MkCertificate, now: datetime) -> None:
    if c.state == "sold" and c.expires_at is not None and c.expires_at <= now:
        c.state = "expired"
        session.add(MkCertOp(number=c.number, kind="expire", amount=c.balance, at=now))


def _op(
    session: Session, c: MkCertificate, kind: str, amount: int, ref: dict[str, Any], now: datetime
) -> None:
    session.add(
        MkCertOp(
            number=c.number,
            kind=kind,
            amount=amount,
            receipt_id=ref.get("receipt_id"),
            till=ref.get("till"),
            store=ref.get("store"),
            at=now,
        )
    )


def check(session: Session, number: str, now: datetime) -> CertificateView:
    """The certificate as it is (expired ones are marked expired on the way)."""
    c = _locked(session, number)
    _expire_if_due(session, c, now)
    return _view(c)


def activate(
    session: Session, number: str, ref: dict[str, Any], valid_days: int | None, now: datetime
) -> CertificateView:
    """created → sold, by the sale on receipt ``ref["receipt_id"]`` (again: no change)."""
    c = _locked(session, number)
    if c.state == "sold" and c.sold_receipt == ref.get("receipt_id"):
        return _view(c)
    if c.state != "created":
        raise CertificateRefused(
            f"certificate {number} cannot be sold: it is already {c.state}",
            code="certificate.already_sold",
        )
    series = session.get(MkCertSeries, c.series_id)
    days = valid_days or (series.valid_days if series is not None else 365)
    c.state = "sold"
    c.sold_at = now
    c.sold_receipt = ref.get("receipt_id")
    c.sold_store = ref.get("store")
    c.expires_at = now + timedelta(days=days)
    _op(session, c, "sell", c.face_value, ref, now)
    return _view(c)


def redeem(
    session: Session, number: str, amount: int, ref: dict[str, Any], partial: bool, now: datetime
) -> tuple[int, CertificateView]:
    """Pay up to ``amount`` with the certificate; returns what it paid and the certificate.

    It pays its balance at most. Without ``partial`` the certificate is used up
    by this payment (the rest is forfeited).
    """
    c = _locked(session, number)
    _expire_if_due(session, c, now)
    if c.state == "blocked":
        raise CertificateRefused(
            f"certificate {number} is blocked and cannot pay",
            code="certificate.blocked",
            hint="it was blocked (lost or stolen); take another means of payment",
        )
    if c.state == "created":
        raise CertificateRefused(
            f"certificate {number} has not been sold yet, so it cannot pay",
            code="certificate.not_sold",
            hint="a certificate pays only after it was sold (activated) on a till",
        )
    if c.state == "redeemed" or c.balance <= 0:
        raise CertificateRefused(
            f"certificate {number} is already used up (balance 0.00)",
            code="certificate.used_up",
        )
    if c.state == "expired":
        raise CertificateRefused(
            f"certificate {number} expired on {c.expires_at:%Y-%m-%d}"
            f" with {format_money(c.balance)} unused",
            code="certificate.expired",
        )
    paid = min(amount, c.balance)
    c.balance -= paid
    _op(session, c, "redeem", paid, ref, now)
    if not partial and c.balance > 0:
        _op(session, c, "forfeit", c.balance, ref, now)
        c.balance = 0
    if c.balance == 0:
        c.state = "redeemed"
    return paid, _view(c)


def void(
    session: Session, number: str, receipt_id: str, amount: int, now: datetime
) -> CertificateView:
    """Undo a payment of ``amount`` on ``receipt_id`` (and what it forfeited); again: no change."""
    c = _locked(session, number)
    ops = list(
        session.execute(
            select(MkCertOp)
            .where(
                MkCertOp.number == number,
                MkCertOp.receipt_id == receipt_id,
                MkCertOp.kind.in_(("redeem", "forfeit")),
                MkCertOp.voided.is_(False),
            )
            .order_by(MkCertOp.id.desc())
        ).scalars()
    )
    redeem_op = next((o for o in ops if o.kind == "redeem" and o.amount == amount), None)
    if redeem_op is None:
        return _view(c)
    redeem_op.voided = True
    back = redeem_op.amount
    forfeit = next((o for o in ops if o.kind == "forfeit" and o.id > redeem_op.id), None)
    if forfeit is not None:
        forfeit.voided = True
        back += forfeit.amount
    c.balance += back
    if c.state == "redeemed":
        c.state = "sold"
    session.add(MkCertOp(number=number, kind="void", amount=back, receipt_id=receipt_id, at=now))
    return _view(c)


def block(session: Session, number: str, blocked: bool, now: datetime) -> CertificateView:
    """Block a certificate (lost, stolen: it neither sells nor pays) or lift the block; the
    history shows both (``mk_cert_op`` kinds ``block`` and ``unblock``)."""
    c = _locked(session, number)
    if blocked and c.state != "blocked":
        c.state = "blocked"
        _op(session, c, "block", 0, {}, now)
    elif not blocked and c.state == "blocked":
        if c.sold_at is None:
            c.state = "created"
        elif c.balance <= 0:
            c.state = "redeemed"
        else:
            c.state = "sold"
            _expire_if_due(session, c, now)
        _op(session, c, "unblock", 0, {}, now)
    return _view(c)


def history(session: Session, number: str) -> list[dict[str, Any]]:
    """Every operation on a certificate, oldest first (``check`` raises for an unknown one)."""
    rows = session.execute(
        select(MkCertOp).where(MkCertOp.number == number).order_by(MkCertOp.id)
    ).scalars()
    return [
        {
            "at": iso_utc(r.at, z=True),
            "kind": r.kind,
            "amount": r.amount,
            "receipt_id": r.receipt_id,
            "store": r.store,
            "till": r.till,
            "voided": r.voided,
        }
        for r in rows
    ]


def expire_due(session: Session, now: datetime) -> int:
    """Mark every sold certificate past its date expired; returns how many."""
    rows = list(
        session.execute(
            select(MkCertificate)
            .where(MkCertificate.state == "sold", MkCertificate.expires_at <= now)
            .with_for_update()
        ).scalars()
    )
    for c in rows:
        _expire_if_due(session, c, now)
    return len(rows)
