"""Tables of the sales feature: what tills sold, and what is still to be exported.

Times are kept twice: as the store-local text the till printed
(``yyyy-mm-ddThh:mm:ss``, what the export writes) and as UTC epoch
milliseconds (``*_ms``), which every search orders and filters by.

``sales_receipt_tag`` is the search index for the many-per-receipt
filters: one row per distinct article (``a:<article>``), barcode
(``b:<barcode>``) and payment type (``p:<type>``) of a receipt, keyed
``(tag, closed_ms, receipt_pk)`` so "newest receipts with article X" is
one walk down an index, whatever else the receipts hold.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.tables import ServerBase

Id = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit surrogate key (a plain INTEGER on SQLite, so it is the rowid)."""


class SaleReceipt(ServerBase):
    """One receipt as the till sent it (sale or return, completed or cancelled)."""

    __tablename__ = "sales_receipt"
    __table_args__ = (
        UniqueConstraint("store", "till", "shift_num", "number"),
        Index("ix_sales_receipt_closed", "closed_ms", "id"),
        Index("ix_sales_receipt_store_closed", "store", "closed_ms", "id"),
        Index("ix_sales_receipt_till_closed", "store", "till", "closed_ms", "id"),
        Index("ix_sales_receipt_cashier_closed", "cashier_code", "closed_ms", "id"),
        Index("ix_sales_receipt_number_closed", "number", "closed_ms", "id"),
        Index("ix_sales_receipt_total_closed", "total", "closed_ms", "id"),
        Index(
            "ix_sales_receipt_original",
            "original_receipt_id",
            sqlite_where=text("original_receipt_id IS NOT NULL"),
            postgresql_where=text("original_receipt_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    receipt_id: Mapped[str] = mapped_column(String(40), unique=True)
    store: Mapped[str] = mapped_column(String(40))
    till: Mapped[int] = mapped_column(Integer)
    shift_num: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12))
    opened_at: Mapped[str] = mapped_column(String(19))
    closed_at: Mapped[str] = mapped_column(String(19))
    closed_ms: Mapped[int] = mapped_column(BigInteger)
    cashier_code: Mapped[str] = mapped_column(String(40))
    cashier_name: Mapped[str] = mapped_column(String(200))
    total: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[int] = mapped_column(BigInteger, default=0)
    card: Mapped[str | None] = mapped_column(String(64))
    original_receipt_id: Mapped[str | None] = mapped_column(String(40))
    original_store: Mapped[str | None] = mapped_column(String(40))
    original_till: Mapped[int | None] = mapped_column(Integer)
    original_shift_num: Mapped[int | None] = mapped_column(BigInteger)
    original_number: Mapped[int | None] = mapped_column(Integer)
    offline_return: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor_code: Mapped[str | None] = mapped_column(String(40))
    kkm_receipt_number: Mapped[int | None] = mapped_column(Integer)
    bonus: Mapped[str | None] = mapped_column(Text)
    """Loyalty data of the receipt as JSON (None when empty)."""
    fiscal: Mapped[str | None] = mapped_column(Text)
    """The fiscal register's data (fn, fd, fp, shift, number, registered_at, qr) as JSON."""
    received_ms: Mapped[int] = mapped_column(BigInteger)


class SaleLine(ServerBase):
    __tablename__ = "sales_line"
    __table_args__ = {"sqlite_with_rowid": False}

    receipt_pk: Mapped[int] = mapped_column(
        Id, ForeignKey("sales_receipt.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    article: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    measure: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    barcode: Mapped[str | None] = mapped_column(String(40))
    taxgroup_id: Mapped[str | None] = mapped_column(String(40))
    price_type: Mapped[str | None] = mapped_column(String(40))
    seller_code: Mapped[str | None] = mapped_column(String(40))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_rate_bp: Mapped[int | None] = mapped_column(Integer)
    """The VAT rate of the line's tax group when the receipt reached the server (basis
    points, 2000 = 20 %; None: no tax group, or one without a known rate). Kept, so a
    re-export after a rate change still shows the VAT the receipt was sold with."""


class SaleLineDiscount(ServerBase):
    __tablename__ = "sales_line_discount"
    __table_args__ = {"sqlite_with_rowid": False}

    receipt_pk: Mapped[int] = mapped_column(
        Id, ForeignKey("sales_receipt.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    amount: Mapped[int] = mapped_column(BigInteger)


class SalePayment(ServerBase):
    __tablename__ = "sales_payment"
    __table_args__ = {"sqlite_with_rowid": False}

    receipt_pk: Mapped[int] = mapped_column(
        Id, ForeignKey("sales_receipt.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    rrn: Mapped[str | None] = mapped_column(String(40))
    card_mask: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(80))


class SaleReceiptTag(ServerBase):
    """Search index: an article, barcode or payment type a receipt has (see the module doc)."""

    __tablename__ = "sales_receipt_tag"
    __table_args__ = {"sqlite_with_rowid": False}

    tag: Mapped[str] = mapped_column(String(90), primary_key=True)
    closed_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_pk: Mapped[int] = mapped_column(Id, primary_key=True)


class SaleShift(ServerBase):
    """A shift of one till, from its open and close documents (either may come first)."""

    __tablename__ = "sales_shift"
    __table_args__ = (
        UniqueConstraint("store", "till", "shift_num"),
        Index("ix_sales_shift_store_started", "store", "started_ms", "id"),
        Index("ix_sales_shift_started", "started_ms", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shift_id: Mapped[str] = mapped_column(String(40), index=True)
    store: Mapped[str] = mapped_column(String(40))
    till: Mapped[int] = mapped_column(Integer)
    shift_num: Mapped[int] = mapped_column(BigInteger)
    started_ms: Mapped[int] = mapped_column(BigInteger)
    """When it opened (UTC ms); the close time while the open document has not arrived."""
    opened_at: Mapped[str | None] = mapped_column(String(19))
    opened_ms: Mapped[int | None] = mapped_column(BigInteger)
    open_cashier_code: Mapped[str | None] = mapped_column(String(40))
    open_cashier_name: Mapped[str | None] = mapped_column(String(200))
    kkm_shift_number: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[str | None] = mapped_column(String(19))
    closed_ms: Mapped[int | None] = mapped_column(BigInteger)
    close_cashier_code: Mapped[str | None] = mapped_column(String(40))
    close_cashier_name: Mapped[str | None] = mapped_column(String(200))
    close_kkm_shift_number: Mapped[int | None] = mapped_column(Integer)
    receipt_numbers: Mapped[str | None] = mapped_column(Text)
    """JSON list of every receipt number the close document names."""
    cash_move_numbers: Mapped[str | None] = mapped_column(Text)
    till_totals: Mapped[str | None] = mapped_column(Text)
    """JSON: the totals the till computed (its Z report)."""
    arrived_count: Mapped[int] = mapped_column(Integer, default=0)
    """Receipts of the shift on the server (any kind and state); the counters below are
    kept by the receipt applier, so listing shifts never adds up receipts."""
    sales_count: Mapped[int] = mapped_column(Integer, default=0)
    sales_total: Mapped[int] = mapped_column(BigInteger, default=0)
    returns_count: Mapped[int] = mapped_column(Integer, default=0)
    returns_total: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_count: Mapped[int] = mapped_column(Integer, default=0)


class SaleCashMove(ServerBase):
    """Cash put into or taken out of a till's drawer."""

    __tablename__ = "sales_cash_move"
    __table_args__ = (
        UniqueConstraint("store", "till", "shift_num", "number"),
        Index("ix_sales_cash_move_at", "at_ms"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(40), unique=True)
    store: Mapped[str] = mapped_column(String(40))
    till: Mapped[int] = mapped_column(Integer)
    shift_num: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[str] = mapped_column(String(19))
    at_ms: Mapped[int] = mapped_column(BigInteger)
    cashier_code: Mapped[str] = mapped_column(String(40))
    cashier_name: Mapped[str] = mapped_column(String(200))


class SaleExport(ServerBase):
    """One document for the trade system: pending, held (a shift close missing receipts),
    done, failed (its data cannot be written; the error says why) or skipped (store not
    exported). At most one row per document, so a document delivered twice is exported once.
    """

    __tablename__ = "sales_export"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_sales_export_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))
    """receipt | shift_open | cash_move | shift_close"""
    ref_id: Mapped[int] = mapped_column(BigInteger)
    """The id of the receipt, shift or cash move row."""
    store: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Grows whenever the row is made pending again, so a stale write cannot mark it done."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    exported_ms: Mapped[int | None] = mapped_column(BigInteger)
    file_name: Mapped[str | None] = mapped_column(String(200))


class SaleReturnLine(ServerBase):
    """Quantity of one original line that a return takes back: reserved by a till's ask
    (until ``expires_ms``) or confirmed by the return receipt itself."""

    __tablename__ = "sales_return_line"
    __table_args__ = {"sqlite_with_rowid": False}

    return_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_receipt_id: Mapped[str] = mapped_column(String(40), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10))
    """reserved | confirmed"""
    expires_ms: Mapped[int | None] = mapped_column(BigInteger)
    created_ms: Mapped[int] = mapped_column(BigInteger)
