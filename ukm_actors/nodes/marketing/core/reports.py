"""Reports: campaigns, coupons, certificates, bonus points — as rows, then JSON or CSV.

Every report takes ``from`` and ``to`` (inclusive dates, ``yyyy-mm-dd``;
default: the last 30 days, ``to`` being tomorrow's UTC date: a store east of UTC
may already be in tomorrow, and its receipts must show). Campaign days are the
store's local dates (as the receipts were printed); the others are UTC dates.
In JSON money is kopecks; in CSV it is ``89.90`` (the columns whose name ends in ``_amount``,
``discount``, ``sales``, ``balance``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, func, select
from sqlalchemy.orm import Session

from ukm_actors.codecs.csvcells import write_csv
from ukm_actors.domain.money import format_money
from ukm_actors.nodes.marketing.core.errors import BadRequest
from ukm_actors.nodes.marketing.core.tables import (
    MkBonusLot,
    MkBonusOp,
    MkCampaign,
    MkCampaignStat,
    MkCertificate,
    MkCertOp,
    MkCertSeries,
    MkCoupon,
    MkCouponCampaign,
)

MONEY_SUFFIXES = ("_amount", "discount", "sales", "balance")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day)

    @property
    def end(self) -> datetime:
        """The moment after the period (exclusive)."""
        return datetime(self.last.year, self.last.month, self.last.day) + timedelta(days=1)


def period(first: str | None, last: str | None, today: date) -> Period:
    """``from``/``to`` as given; by default the 30 days up to the latest local date any
    store can have now (``today`` is UTC's: UTC+3 after 21:00 UTC is already tomorrow)."""
    try:
        p = Period(
            date.fromisoformat(first) if first else today - timedelta(days=30),
            date.fromisoformat(last) if last else today + timedelta(days=1),
        )
    except ValueError:
        raise BadRequest(f"from/to must be dates yyyy-mm-dd, got {first!r} and {last!r}") from None
    if p.last < p.first:
        raise BadRequest(f"the period ends ({p.last}) before it starts ({p.first})")
    return p


@dataclass(frozen=True)
class Report:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        totals = {
            c: sum(int(r[c] or 0) for r in self.rows)
            for c in self.columns
            if self.rows and all(isinstance(r[c], int) for r in self.rows) and c != "day"
        }
        return {"columns": list(self.columns), "rows": self.rows, "totals": totals}

    def to_csv(self) -> str:
        """The report as CSV (money as ``89.90``), safe to open in a spreadsheet."""
        return write_csv(
            self.columns,
            (
                [
                    format_money(r[c])
                    if c.endswith(MONEY_SUFFIXES) and isinstance(r[c], int)
                    else r[c]
                    for c in self.columns
                ]
                for r in self.rows
            ),
        )


def _plain(v: Any) -> Any:
    """Sums come back as ``Decimal`` on PostgreSQL: whole numbers become ``int``."""
    if isinstance(v, Decimal) or (isinstance(v, float) and v.is_integer()):
        return int(v)
    return v


def _rows(columns: Sequence[str], result: Any) -> list[dict[str, Any]]:
    return [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in result]


def campaigns(session: Session, p: Period, store: str | None, campaign: str | None) -> Report:
    """Per campaign, store and day: receipts affected, discount given, sales of its lines."""
    s = MkCampaignStat
    q = (
        select(
            s.campaign_id,
            func.coalesce(MkCampaign.name, s.campaign_id),
            s.store,
            s.day,
            func.count(s.receipt_id),
            func.sum(s.discount),
            func.sum(s.sales),
        )
        .join(MkCampaign, MkCampaign.id == s.campaign_id, isouter=True)
        .where(s.day >= p.first.isoformat(), s.day <= p.last.isoformat())
        .group_by(s.campaign_id, MkCampaign.name, s.store, s.day)
        .order_by(s.campaign_id, s.store, s.day)
    )
    if store:
        q = q.where(s.store == store)
    if campaign:
        q = q.where(s.campaign_id == campaign)
    cols = ("campaign_id", "name", "store", "day", "receipts", "discount", "sales")
    return Report(cols, _rows(cols, session.execute(q)))


def _in(col: Any, p: Period) -> Any:
    return and_(col >= p.start, col < p.end)


def coupons(session: Session, p: Period, now: datetime) -> Report:
    """Per coupon campaign: coupons issued, redeemed and expired within the period."""
    c = MkCoupon
    expired_end = min(p.end, now)
    q = (
        select(
            MkCouponCampaign.id,
            MkCouponCampaign.name,
            func.sum(case((_in(c.issued_at, p), 1), else_=0)),
            func.sum(case((_in(c.redeemed_at, p), 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            c.state == "issued", c.expires_at >= p.start, c.expires_at < expired_end
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(
                case(
                    (and_(c.state == "issued", (c.expires_at.is_(None)) | (c.expires_at > now)), 1),
                    else_=0,
                )
            ),
        )
        .join(c, c.campaign_id == MkCouponCampaign.id, isouter=True)
        .group_by(MkCouponCampaign.id, MkCouponCampaign.name)
        .order_by(MkCouponCampaign.id)
    )
    cols = ("campaign_id", "name", "issued", "redeemed", "expired", "open_now")
    return Report(cols, _rows(cols, session.execute(q)))


def certificates(session: Session, p: Period, now: datetime) -> Report:
    """Per series: sold (count, amount), redeemed, forfeited and expired amounts in the
    period, and the balance still outstanding now."""
    o = MkCertOp
    paid = case((o.kind == "redeem", o.amount), (o.kind == "void", -o.amount), else_=0)
    ops = (
        select(
            MkCertificate.series_id.label("series_id"),
            func.sum(case((o.kind == "sell", 1), else_=0)).label("sold"),
            func.sum(case((o.kind == "sell", o.amount), else_=0)).label("sold_amount"),
            func.sum(paid).label("redeemed_amount"),
            func.sum(
                case((and_(o.kind == "forfeit", o.voided.is_(False)), o.amount), else_=0)
            ).label("forfeited_amount"),
            func.sum(case((o.kind == "expire", o.amount), else_=0)).label("expired_amount"),
        )
        .join(MkCertificate, MkCertificate.number == o.number)
        .where(_in(o.at, p))
        .group_by(MkCertificate.series_id)
        .subquery()
    )
    outstanding = (
        select(
            MkCertificate.series_id.label("series_id"),
            func.sum(MkCertificate.balance).label("balance"),
        )
        .where(
            MkCertificate.state == "sold",
            (MkCertificate.expires_at.is_(None)) | (MkCertificate.expires_at > now),
        )
        .group_by(MkCertificate.series_id)
        .subquery()
    )
    q = (
        select(
            MkCertSeries.id,
            MkCertSeries.name,
            MkCertSeries.face_value,
            func.coalesce(ops.c.sold, 0),
            func.coalesce(ops.c.sold_amount, 0),
            func.coalesce(ops.c.redeemed_amount, 0),
            func.coalesce(ops.c.forfeited_amount, 0),
            func.coalesce(ops.c.expired_amount, 0),
            func.coalesce(outstanding.c.balance, 0),
        )
        .join(ops, ops.c.series_id == MkCertSeries.id, isouter=True)
        .join(outstanding, outstanding.c.series_id == MkCertSeries.id, isouter=True)
        .order_by(MkCertSeries.id)
    )
    cols = (
        "series_id",
        "name",
        "face_amount",
        "sold",
        "sold_amount",
        "redeemed_amount",
        "forfeited_amount",
        "expired_amount",
        "outstanding_balance",
    )
    return Report(cols, _rows(cols, session.execute(q)))


def bonus(session: Session, p: Period, now: datetime) -> Report:
    """Per UTC day: points earned, spent (net of voids), clawed back (returns), expired."""
    days: dict[str, dict[str, Any]] = {}

    def row(day: str) -> dict[str, Any]:
        return days.setdefault(
            day, {"day": day, "earned": 0, "spent": 0, "clawed_back": 0, "expired": 0}
        )

    o = MkBonusOp
    day = func.substr(func.cast(o.at, String()), 1, 10)
    for d, kind, points in session.execute(
        select(day, o.kind, func.sum(o.points)).where(_in(o.at, p)).group_by(day, o.kind)
    ):
        r = row(str(d))
        if kind == "earn":
            r["earned"] += int(points)
        elif kind == "spend":
            r["spent"] += int(points)
        elif kind == "void":
            r["spent"] -= int(points)
        elif kind == "clawback":
            r["clawed_back"] += int(points)
    lot = MkBonusLot
    until = min(p.end, now)
    lday = func.substr(func.cast(lot.expires_at, String()), 1, 10)
    for d, points in session.execute(
        select(lday, func.sum(lot.remaining))
        .where(lot.remaining > 0, lot.expires_at >= p.start, lot.expires_at < until)
        .group_by(lday)
    ):
        row(str(d))["expired"] += int(points)
    cols = ("day", "earned", "spent", "clawed_back", "expired")
    return Report(cols, [days[d] for d in sorted(days)])
