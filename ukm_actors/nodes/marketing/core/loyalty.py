"""Loyalty cards, their levels and bonus points, in the database.

Points are kept in lots (``mk_bonus_lot``): each earned on one receipt, with
the time it becomes spendable and the time it expires. Spending locks the
card's row, so two tills spending one card's points at the same moment are
served one after the other. A spend records the lots it took from, so that
voiding it (a cancelled receipt) puts back exactly those points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.config.roles import MarketingSettings
from ukm_actors.domain.money import format_money
from ukm_actors.domain.promotions import CardInfo
from ukm_actors.domain.promotions.loyalty import (
    Lot,
    level_for,
    pending,
    spend_limit,
    spendable,
    take,
)
from ukm_actors.i18n import _
from ukm_actors.nodes.marketing.core.errors import BadRequest, CardRefused, Conflict, NotFound
from ukm_actors.nodes.marketing.core.tables import MkBonusLot, MkBonusOp, MkBonusTake, MkCard

CARD_STATES = ("active", "blocked")


def create_card(session: Session, data: dict[str, Any], now: datetime) -> MkCard:
    """A card: ``number`` (letters/digits), ``holder``, ``state`` (active)."""
    number = data.get("number")
    if not isinstance(number, str) or not number.isalnum() or len(number) > 40:
        raise BadRequest(_("card 'number' must be 1 to 40 letters or digits"))
    state = data.get("state", "active")
    if state not in CARD_STATES:
        raise BadRequest(f"card state {state!r} is unknown; use active or blocked")
    if session.get(MkCard, number) is not None:
        raise Conflict(_("card {number} already exists", number=number))
    row = MkCard(
        number=number,
        holder=str(data.get("holder") or ""),
        state=state,
        accumulated=0,
        level=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def update_card(session: Session, number: str, data: dict[str, Any]) -> MkCard:
    card = session.get(MkCard, number)
    if card is None:
        raise NotFound(_("there is no card {number}", number=number))
    if "state" in data:
        if data["state"] not in CARD_STATES:
            raise BadRequest(f"card state {data['state']!r} is unknown; use active or blocked")
        card.state = data["state"]
    if "holder" in data:
        card.holder = str(data["holder"] or "")
    return card


def _unknown(number: str) -> CardRefused:
    return CardRefused(
        f"card {number} is unknown: no loyalty card has this number",
        code="card.unknown",
        hint="check the number, or register the card",
    )


def _lots(session: Session, card: str) -> list[Lot]:
    rows = session.execute(
        select(MkBonusLot).where(MkBonusLot.card == card, MkBonusLot.remaining > 0)
    ).scalars()
    return [Lot(r.id, r.remaining, r.available_at, r.expires_at) for r in rows]


@dataclass(frozen=True)
class Balance:
    spendable: int
    pending: int

    def to_json(self) -> dict[str, int]:
        return {"spendable": self.spendable, "pending": self.pending}


def balance(session: Session, card: str, now: datetime) -> Balance:
    lots = _lots(session, card)
    return Balance(spendable(lots, now), pending(lots, now))


def card_info(session: Session, number: str, now: datetime) -> dict[str, Any]:
    card = session.get(MkCard, number)
    if card is None:
        raise _unknown(number)
    return {
        "number": card.number,
        "holder": card.holder,
        "state": card.state,
        "level": card.level,
        "accumulated": card.accumulated,
        "bonus": balance(session, number, now).to_json(),
    }


def pricing_card(session: Session, number: str | None) -> CardInfo | None:
    """The card as pricing sees it; an unknown number is priced as no card."""
    if not number:
        return None
    card = session.get(MkCard, number)
    if card is None:
        return None
    return CardInfo(card.number, card.level, card.state)


def _locked_card(session: Session, number: str) -> MkCard:
    card = session.execute(
        select(MkCard).where(MkCard.number == number).with_for_update()
    ).scalar_one_or_none()
    if card is None:
        raise _unknown(number)
    return card


def spend(
    session: Session,
    number: str,
    amount: int,
    receipt_total: int,
    ref: dict[str, Any],
    settings: MarketingSettings,
    now: datetime,
) -> tuple[int, Balance]:
    """Take ``amount`` points to pay receipt ``ref["receipt_id"]``; returns them and the
    balance left. Refused beyond the spendable points or the receipt's share limit."""
    card = _locked_card(session, number)
    if card.state != "active":
        raise CardRefused(
            f"card {number} is {card.state}; its points cannot be spent", code="card.blocked"
        )
    lots = _lots(session, number)
    have = spendable(lots, now)
    if amount > have:
        raise CardRefused(
            f"card {number} has {have} points to spend, not {amount}"
            + (f" ({pending(lots, now)} more are not spendable yet)" if pending(lots, now) else ""),
            code="bonus.insufficient",
        )
    limit = spend_limit(receipt_total, settings.bonus_max_share_bp, have)
    if amount > limit:
        raise CardRefused(
            f"at most {limit} points may pay this receipt of {format_money(receipt_total)} "
            f"({settings.bonus_max_share_bp / 100:g}% of it)",
            code="bonus.limit",
        )
    op = MkBonusOp(
        card=number,
        kind="spend",
        points=amount,
        receipt_id=ref.get("receipt_id"),
        till=ref.get("till"),
        at=now,
    )
    session.add(op)
    session.flush()
    by_id = {
        r.id: r
        for r in session.execute(
            select(MkBonusLot).where(MkBonusLot.id.in_([lot.id for lot in lots]))
        ).scalars()
    }
    for lot_id, n in take(lots, amount, now):
        by_id[lot_id].remaining -= n
        session.add(MkBonusTake(op_id=op.id, lot_id=lot_id, points=n))
    session.flush()
    return amount, balance(session, number, now)


def void_spend(
    session: Session, number: str, receipt_id: str, amount: int, now: datetime
) -> Balance:
    """Give back a spend of ``amount`` points on ``receipt_id`` (again: no change)."""
    _locked_card(session, number)
    op = session.execute(
        select(MkBonusOp)
        .where(
            MkBonusOp.card == number,
            MkBonusOp.kind == "spend",
            MkBonusOp.receipt_id == receipt_id,
            MkBonusOp.points == amount,
            MkBonusOp.voided.is_(False),
        )
        .order_by(MkBonusOp.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if op is not None:
        op.voided = True
        for t in session.execute(select(MkBonusTake).where(MkBonusTake.op_id == op.id)).scalars():
            lot = session.get(MkBonusLot, t.lot_id)
            if lot is not None:
                lot.remaining += t.points
        session.add(
            MkBonusOp(card=number, kind="void", points=amount, receipt_id=receipt_id, at=now)
        )
        session.flush()
    return balance(session, number, now)


def earn(
    session: Session,
    card: MkCard,
    points: int,
    receipt_id: str,
    campaign_id: str | None,
    earned_at: datetime,
    settings: MarketingSettings,
    till: str | None = None,
) -> None:
    """A new lot: spendable after the delay, expiring after its lifetime."""
    available = earned_at + timedelta(days=settings.bonus_delay_days)
    expires = (
        available + timedelta(days=settings.bonus_lifetime_days)
        if settings.bonus_lifetime_days > 0
        else None
    )
    session.add(
        MkBonusLot(
            card=card.number,
            receipt_id=receipt_id,
            campaign_id=campaign_id,
            points=points,
            remaining=points,
            earned_at=earned_at,
            available_at=available,
            expires_at=expires,
        )
    )
    session.add(
        MkBonusOp(
            card=card.number,
            kind="earn",
            points=points,
            receipt_id=receipt_id,
            campaign_id=campaign_id,
            till=till,
            at=earned_at,
        )
    )


def claw_back(
    session: Session,
    card: MkCard,
    original_receipt: str,
    share_num: int,
    share_den: int,
    receipt_id: str,
    now: datetime,
) -> int:
    """Take back ``share_num/share_den`` of the points the original receipt earned
    (as far as they are still there); returns the points taken."""
    lots = list(
        session.execute(
            select(MkBonusLot)
            .where(MkBonusLot.card == card.number, MkBonusLot.receipt_id == original_receipt)
            .order_by(MkBonusLot.id)
        ).scalars()
    )
    taken = 0
    for lot in lots:
        want = min(lot.remaining, lot.points * share_num // max(share_den, 1))
        lot.remaining -= want
        taken += want
    if taken:
        session.add(
            MkBonusOp(
                card=card.number, kind="clawback", points=taken, receipt_id=receipt_id, at=now
            )
        )
    return taken


def add_purchase(card: MkCard, amount: int, thresholds: list[int]) -> None:
    """Accumulate ``amount`` (negative for a return) and recompute the level."""
    card.accumulated = max(card.accumulated + amount, 0)
    card.level = level_for(card.accumulated, thresholds)
