"""The marketing server's tables: what it learns from the cash server, what it runs,
and what it owes.

- the feeds: ``mk_store``, ``mk_till``, ``mk_group``, ``mk_item``;
- promotions: ``mk_campaign`` (the definition is the campaign's JSON form,
  ``ukm_actors.domain.promotions.codec``);
- coupons: ``mk_coupon_campaign``, ``mk_coupon``;
- gift certificates: ``mk_cert_series``, ``mk_certificate``, ``mk_cert_op``;
- loyalty: ``mk_card``, ``mk_bonus_lot`` (points earned on one receipt),
  ``mk_bonus_op`` (every earn, spend, void, clawback), ``mk_bonus_take``
  (which lots a spend took from, so a void gives back exactly those);
- receipts: ``mk_accrual`` (one row per receipt applied: the idempotency key),
  ``mk_campaign_stat`` (per receipt and campaign: what it gave, for reports).

Times are naive UTC, except the ``local`` texts (store wall-clock time, as the
till printed it) and ``day`` (the store-local date, for reports by day).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.marketing.tables import MarketingBase

CODE = 40
STORE = 100
NODE = 80
RECEIPT = 64


class MkStore(MarketingBase):
    __tablename__ = "mk_store"

    code: Mapped[str] = mapped_column(String(STORE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MkTill(MarketingBase):
    """A till; ``campaigns_sha`` is the body hash of the last ``promo.campaigns`` queued to it."""

    __tablename__ = "mk_till"

    node_id: Mapped[str] = mapped_column(String(NODE), primary_key=True)
    store: Mapped[str] = mapped_column(String(STORE), index=True)
    number: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    campaigns_sha: Mapped[str | None] = mapped_column(String(64))


class MkGroup(MarketingBase):
    __tablename__ = "mk_group"

    id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(String(CODE), index=True)
    name: Mapped[str] = mapped_column(Text)


class MkItem(MarketingBase):
    __tablename__ = "mk_item"

    article: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[str | None] = mapped_column(String(CODE), index=True)
    min_price: Mapped[int] = mapped_column(BigInteger, default=0)


class MkCampaign(MarketingBase):
    """A promotion campaign; ``definition`` is its JSON form."""

    __tablename__ = "mk_campaign"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    ends_local: Mapped[str | None] = mapped_column(String(19))
    """Its period's end (store-local), to leave ended campaigns out of the tills' copies."""
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class MkCouponCampaign(MarketingBase):
    """Coupons of one kind: how their codes look and how long they are valid."""

    __tablename__ = "mk_coupon_campaign"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(20))
    length: Mapped[int] = mapped_column(Integer)
    check_digit: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    """Days a coupon is valid after it is issued (None: until ``valid_until``)."""
    valid_until: Mapped[datetime | None] = mapped_column(DateTime)
    next_serial: Mapped[int] = mapped_column(BigInteger, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MkCoupon(MarketingBase):
    """One coupon. ``state``: issued → redeemed (once, chain-wide)."""

    __tablename__ = "mk_coupon"
    __table_args__ = (UniqueConstraint("campaign_id", "issued_receipt"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(60), index=True)
    state: Mapped[str] = mapped_column(String(10), default="issued")
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
    issued_receipt: Mapped[str | None] = mapped_column(String(RECEIPT))
    issued_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    redeemed_receipt: Mapped[str | None] = mapped_column(String(RECEIPT))
    redeemed_by: Mapped[str | None] = mapped_column(String(NODE))


class MkCertSeries(MarketingBase):
    """A series of gift certificates of one face value, sold as item ``article``."""

    __tablename__ = "mk_cert_series"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    face_value: Mapped[int] = mapped_column(BigInteger)
    article: Mapped[str] = mapped_column(String(CODE), index=True)
    prefix: Mapped[str] = mapped_column(String(20))
    length: Mapped[int] = mapped_column(Integer)
    check_digit: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_days: Mapped[int] = mapped_column(Integer, default=365)
    """Days a certificate is valid after its sale."""
    next_serial: Mapped[int] = mapped_column(BigInteger, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MkCertificate(MarketingBase):
    """One certificate. ``state``: created → sold → redeemed, or expired."""

    __tablename__ = "mk_certificate"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    series_id: Mapped[str] = mapped_column(String(60), index=True)
    face_value: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10), default="created", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sold_at: Mapped[datetime | None] = mapped_column(DateTime)
    sold_receipt: Mapped[str | None] = mapped_column(String(RECEIPT))
    sold_store: Mapped[str | None] = mapped_column(String(STORE))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class MkCertOp(MarketingBase):
    """A movement of a certificate: sell, redeem, void (of a redeem), forfeit, expire."""

    __tablename__ = "mk_cert_op"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(BigInteger)
    receipt_id: Mapped[str | None] = mapped_column(String(RECEIPT), index=True)
    till: Mapped[str | None] = mapped_column(String(NODE))
    store: Mapped[str | None] = mapped_column(String(STORE))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class MkCard(MarketingBase):
    """A loyalty card; ``accumulated`` purchases (kopecks) decide its ``level``."""

    __tablename__ = "mk_card"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default="active")
    accumulated: Mapped[int] = mapped_column(BigInteger, default=0)
    level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MkBonusLot(MarketingBase):
    """Points earned on one receipt from one campaign."""

    __tablename__ = "mk_bonus_lot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card: Mapped[str] = mapped_column(String(40), index=True)
    receipt_id: Mapped[str | None] = mapped_column(String(RECEIPT), index=True)
    campaign_id: Mapped[str | None] = mapped_column(String(60))
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    available_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class MkBonusOp(MarketingBase):
    """A movement of points: earn, spend, void (of a spend), clawback (a return)."""

    __tablename__ = "mk_bonus_op"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(BigInteger)
    receipt_id: Mapped[str | None] = mapped_column(String(RECEIPT), index=True)
    campaign_id: Mapped[str | None] = mapped_column(String(60))
    till: Mapped[str | None] = mapped_column(String(NODE))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class MkBonusTake(MarketingBase):
    __tablename__ = "mk_bonus_take"

    op_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)


class MkAccrual(MarketingBase):
    """A receipt whose loyalty effects were applied (once: ``receipt_id`` is the key)."""

    __tablename__ = "mk_accrual"

    receipt_id: Mapped[str] = mapped_column(String(RECEIPT), primary_key=True)
    till: Mapped[str] = mapped_column(String(NODE))
    store: Mapped[str] = mapped_column(String(STORE), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    day: Mapped[str] = mapped_column(String(10), index=True)
    card: Mapped[str | None] = mapped_column(String(40), index=True)
    total: Mapped[int] = mapped_column(BigInteger)
    applied_at: Mapped[datetime] = mapped_column(DateTime)
    problems: Mapped[str] = mapped_column(Text, default="")
    """What could not be applied (a coupon used twice, an unknown card), one per line."""


class MkCampaignStat(MarketingBase):
    """What one campaign gave on one receipt: its discount and the sales of its lines."""

    __tablename__ = "mk_campaign_stat"

    receipt_id: Mapped[str] = mapped_column(String(RECEIPT), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    store: Mapped[str] = mapped_column(String(STORE), index=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    discount: Mapped[int] = mapped_column(BigInteger)
    sales: Mapped[int] = mapped_column(BigInteger)
    """What the customer paid for the lines the campaign discounted."""
    lines: Mapped[int] = mapped_column(Integer)
