"""The till's own documents: shifts, receipts (lines, payments), cash moves, print jobs.

Everything the cashier does is written here the moment it happens, one
write transaction per operation, so a restart finds the open receipt, its
lines and its payments exactly as they were. Times are kept twice: as the
store's local wall-clock text (what receipts show) and in UTC.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.till.tables import TillBase


class ShiftRow(TillBase):
    """A shift: ``state`` "open" or "closed"; ``totals`` is ``ShiftTotals.to_json()``."""

    __tablename__ = "till_shift"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    num: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(10), index=True)
    opened_at: Mapped[str] = mapped_column(String(19))
    opened_at_utc: Mapped[str] = mapped_column(String(32))
    opened_ms: Mapped[int] = mapped_column(BigInteger)
    cashier_code: Mapped[str] = mapped_column(String(40))
    cashier_name: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[str | None] = mapped_column(String(19))
    closed_at_utc: Mapped[str | None] = mapped_column(String(32))
    closed_by_code: Mapped[str | None] = mapped_column(String(40))
    closed_by_name: Mapped[str | None] = mapped_column(String(200))
    totals: Mapped[str] = mapped_column(Text, default="{}")
    next_receipt: Mapped[int] = mapped_column(Integer, default=1)
    next_cash: Mapped[int] = mapped_column(Integer, default=1)


class ReceiptRow(TillBase):
    """A receipt (sale or return): ``state`` "open", "completed" or "cancelled"."""

    __tablename__ = "till_receipt"
    __table_args__ = (UniqueConstraint("shift_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_id: Mapped[str] = mapped_column(String(36), index=True)
    shift_num: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), index=True)
    opened_at: Mapped[str] = mapped_column(String(19))
    opened_at_utc: Mapped[str] = mapped_column(String(32))
    closed_at: Mapped[str | None] = mapped_column(String(19))
    closed_at_utc: Mapped[str | None] = mapped_column(String(32))
    cashier_code: Mapped[str] = mapped_column(String(40))
    cashier_name: Mapped[str] = mapped_column(String(200))
    card: Mapped[str | None] = mapped_column(String(64))
    coupons: Mapped[str] = mapped_column(Text, default="[]")
    original: Mapped[str | None] = mapped_column(Text)
    """JSON of the ``OriginalRef`` a return refers to."""
    original_id: Mapped[str | None] = mapped_column(String(36), index=True)
    offline_return: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor_code: Mapped[str | None] = mapped_column(String(40))
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    change: Mapped[int] = mapped_column(BigInteger, default=0)
    fiscal: Mapped[str | None] = mapped_column(Text)
    """JSON of the ``FiscalResult`` the register gave it (None without a register)."""


class FiscalRow(TillBase):
    """One request to the fiscal register, written before it is sent.

    ``request_id`` is the uuid the register knows it by; ``state``
    "pending" (sent, outcome not known yet), "done" (its fiscal data are in
    ``result``), "failed" (refused or never sent: nothing registered).
    ``fd_before`` is the last fiscal document number the till knew of when
    it sent the request: a document the register has above it with the
    same total is this one (how a request the register forgot is resolved).
    ``details`` (JSON) is what the till needs to finish its own side of a
    request the register did after the till crashed: for a cash move and an
    X report the cashier and the time asked.
    """

    __tablename__ = "till_fiscal"
    __table_args__ = (Index("ix_till_fiscal_ref_state", "ref", "state"),)

    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    ref: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(8), index=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    fd_before: Mapped[int] = mapped_column(BigInteger, default=0)
    fd: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class LineRow(TillBase):
    """A receipt line; ``discounts`` is a JSON list of ``[campaign_id, name, amount]``."""

    __tablename__ = "till_receipt_line"

    receipt_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    article: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    barcode: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(BigInteger)
    measure: Mapped[str] = mapped_column(String(20))
    taxgroup_id: Mapped[str | None] = mapped_column(String(40))
    price_type: Mapped[str | None] = mapped_column(String(40))
    seller_code: Mapped[str | None] = mapped_column(String(40))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    age_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    discounts: Mapped[str] = mapped_column(Text, default="[]")
    price_name: Mapped[str | None] = mapped_column(String(200))
    """The additional price's name ("Акция") when ``price_type`` is set (migration 0007)."""


class PaymentRow(TillBase):
    """A tender on a receipt, from the moment it is asked for.

    ``state``: "pending" (sent to the terminal or the marketing server),
    "approved" (counts on the receipt), "unknown" (the till lost track of a
    pending one: the cashier must look at the terminal and resolve it),
    "declined", "failed" (never reached the device), "reversed" (taken back).
    """

    __tablename__ = "till_payment"
    __table_args__ = (Index("ix_till_payment_receipt_state", "receipt_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    receipt_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(BigInteger)
    rrn: Mapped[str | None] = mapped_column(String(40))
    card_mask: Mapped[str | None] = mapped_column(String(40))
    auth_code: Mapped[str | None] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(80))
    terminal_ref: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class CashMoveRow(TillBase):
    """Cash put into (``in``) or taken out of (``out``) the drawer."""

    __tablename__ = "till_cash_move"
    __table_args__ = (UniqueConstraint("shift_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shift_id: Mapped[str] = mapped_column(String(36), index=True)
    shift_num: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[str] = mapped_column(String(19))
    at_utc: Mapped[str] = mapped_column(String(32))
    cashier_code: Mapped[str] = mapped_column(String(40))
    cashier_name: Mapped[str] = mapped_column(String(200))


class PrintJobRow(TillBase):
    """A document to print; a job the printer could not take stays "pending" for reprint."""

    __tablename__ = "till_print_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))
    ref: Mapped[str] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    """``PrintableReceipt`` as JSON (``ukm_actors.nodes.till.sale.printing``)."""
    state: Mapped[str] = mapped_column(String(10), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[str] = mapped_column(String(32))
    printed_at: Mapped[str | None] = mapped_column(String(32))
