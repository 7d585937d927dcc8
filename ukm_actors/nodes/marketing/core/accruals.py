"""Applying a closed receipt (``loyalty.accrual``): stats, purchases, points, coupons,
certificates sold — once per receipt.

The bridge applies each document once per (channel, seq); ``mk_accrual``
keyed by ``receipt_id`` makes it once per receipt whatever the channel. What
cannot be applied (an unknown card, a coupon another receipt already used —
possible when two tills were offline) never blocks the till's channel: it is
written to the accrual's ``problems`` and shown in the reports.

Certificate and bonus payments taken for the receipt (online, before it closed)
that are not among its payments are given back: the till lost the answer
and the customer paid otherwise.

Coupon and certificate checks use the receipt's own time, so a receipt closed
offline before a coupon expired still redeems it when it arrives later.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.bridge.policy import Subject
from ukm_actors.config.roles import MarketingSettings
from ukm_actors.domain.money import format_money
from ukm_actors.domain.promotions import accrual as codec
from ukm_actors.domain.promotions.accrual import Accrual, AccrualError
from ukm_actors.nodes.marketing.core import certificates, coupons, loyalty
from ukm_actors.nodes.marketing.core.errors import CertificateRefused, CouponRefused
from ukm_actors.nodes.marketing.core.tables import (
    MkAccrual,
    MkBonusOp,
    MkCampaignStat,
    MkCard,
    MkCertOp,
)


def _utc(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PermanentApplyError(f"loyalty.accrual: closed_at_utc {text!r} is not a time") from exc
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def _stats(session: Session, a: Accrual, sign: int) -> None:
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for ln in a.lines:
        for cid, amount in ln.discounts:
            s = found[cid]
            s[0] += amount
            s[1] += ln.total
            s[2] += 1
    for cid, (discount, sales, lines) in sorted(found.items()):
        session.add(
            MkCampaignStat(
                receipt_id=a.receipt_id,
                campaign_id=cid,
                store=a.store,
                day=a.day,
                discount=sign * discount,
                sales=sign * sales,
                lines=lines,
            )
        )


def _card(
    session: Session, a: Accrual, at: datetime, settings: MarketingSettings, problems: list[str]
) -> None:
    if not a.card:
        return
    card = session.execute(
        select(MkCard).where(MkCard.number == a.card).with_for_update()
    ).scalar_one_or_none()
    if card is None:
        problems.append(
            f"card {a.card} is unknown: the receipt's purchases and points were not counted"
        )
        return
    money = a.total - sum(p.amount for p in a.payments if p.type in ("bonus", "certificate"))
    if a.kind == "return":
        loyalty.add_purchase(card, -max(money, 0), settings.level_thresholds)
        original = session.get(MkAccrual, a.original_receipt_id) if a.original_receipt_id else None
        if original is not None and original.total > 0:
            loyalty.claw_back(
                session, card, original.receipt_id, a.total, original.total, a.receipt_id, at
            )
        return
    if card.state != "active":
        problems.append(f"card {a.card} is {card.state}: no purchases or points were counted")
        return
    loyalty.add_purchase(card, max(money, 0), settings.level_thresholds)
    for campaign_id, points in a.earned:
        if points > 0:
            loyalty.earn(session, card, points, a.receipt_id, campaign_id, at, settings, a.till)


def _paid(paid: Counter[tuple[str, str | None, int]], key: tuple[str, str, int]) -> bool:
    """True when a payment ``key`` (type, reference, amount) is left in ``paid``, the
    receipt's payments not matched yet; it is then matched (counted off)."""
    if paid[key] > 0:
        paid[key] -= 1
        return True
    return False


def _reconcile(session: Session, a: Accrual, at: datetime, problems: list[str]) -> None:
    """Undo certificate and bonus payments taken for this receipt that it does not have
    (the till lost the answer and the customer paid otherwise)."""
    paid = Counter(
        (p.type, p.reference, p.amount) for p in a.payments if p.type in ("certificate", "bonus")
    )
    redeems = session.execute(
        select(MkCertOp).where(
            MkCertOp.receipt_id == a.receipt_id,
            MkCertOp.kind == "redeem",
            MkCertOp.voided.is_(False),
        )
    ).scalars()
    for op in list(redeems):
        if _paid(paid, ("certificate", op.number, op.amount)):
            continue
        certificates.void(session, op.number, a.receipt_id, op.amount, at)
        problems.append(
            f"certificate {op.number}: {format_money(op.amount)} taken for this receipt but not "
            "among its payments was given back"
        )
    spends = session.execute(
        select(MkBonusOp).where(
            MkBonusOp.receipt_id == a.receipt_id,
            MkBonusOp.kind == "spend",
            MkBonusOp.voided.is_(False),
        )
    ).scalars()
    for bop in list(spends):
        if _paid(paid, ("bonus", bop.card, bop.points)):
            continue
        loyalty.void_spend(session, bop.card, a.receipt_id, bop.points, at)
        problems.append(
            f"card {bop.card}: {bop.points} points taken for this receipt but not among its "
            "payments were given back"
        )


def apply_accrual(session: Session, a: Accrual, settings: MarketingSettings, now: datetime) -> bool:
    """Apply ``a`` unless its receipt already was; True when applied now."""
    if session.get(MkAccrual, a.receipt_id) is not None:
        return False
    at = _utc(a.closed_at_utc)
    problems: list[str] = []
    sign = -1 if a.kind == "return" else 1
    _stats(session, a, sign)
    _card(session, a, at, settings, problems)
    ref = {"receipt_id": a.receipt_id, "till": a.till, "store": a.store}
    if a.kind == "sale":
        _reconcile(session, a, at, problems)
        for code in a.coupons:
            try:
                coupons.redeem(session, code, a.receipt_id, a.till, at)
            except CouponRefused as exc:
                problems.append(exc.message)
        for number, _amount in a.certificates_sold:
            try:
                certificates.activate(session, number, ref, None, at)
            except CertificateRefused as exc:
                problems.append(exc.message)
    session.add(
        MkAccrual(
            receipt_id=a.receipt_id,
            till=a.till,
            store=a.store,
            kind=a.kind,
            day=a.day,
            card=a.card,
            total=sign * a.total,
            applied_at=now,
            problems="\n".join(problems),
        )
    )
    session.flush()
    return True


def subject(doc: Document) -> Subject | None:
    """The store and till an accrual names, for the bridge's authorisation table."""
    try:
        data = json.loads(doc.body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    store, till = data.get("store"), data.get("till")
    if store is None or till is None:
        return None  # the decoder refuses it: parked
    return Subject.of(str(store), node=str(till))


def applier(settings: MarketingSettings):  # type: ignore[no-untyped-def]
    """The ``loyalty.accrual`` document applier."""

    def apply(session: Session, doc: Document) -> None:
        try:
            a = codec.decode(doc.body)
        except AccrualError as exc:
            raise PermanentApplyError(exc.message) from exc
        if a.till != doc.header.sender:
            raise PermanentApplyError(
                f"{doc.channel}#{doc.seq}: {doc.header.sender} sent the accrual of {a.till}",
                hint="a till may only send its own receipts' accruals",
            )
        apply_accrual(session, a, settings, datetime.now(UTC).replace(tzinfo=None))

    return apply
