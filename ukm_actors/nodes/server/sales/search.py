"""Receipt search and shift closings, newest first.

Every filter has an index whose last columns are ``(closed_ms, id)``, so
a page is a short walk down one index whatever the table's size: store,
till, shift (the unique receipt key), cashier, receipt number, amount, and
the date range on its own. Article, barcode and payment type go through
``sales_receipt_tag`` (one row per distinct value per receipt), walked the
same way; a second such filter is checked per candidate on that table's
primary key. Pages are by ``page``/``per_page`` (offset) or, for deep
paging, by the ``cursor`` a page returns (keyset: ``closed_ms:id``). No
total count is computed (it would cost a scan); ``has_more`` says whether
another page exists.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.orm import Session, aliased

from ukm_actors.errors import UkmError
from ukm_actors.isotime import ms_to_iso
from ukm_actors.nodes.server.sales.records import (
    article_tag,
    barcode_tag,
    load_receipts,
    now_ms,
    payment_tag,
)
from ukm_actors.nodes.server.sales.returns import taken_back
from ukm_actors.nodes.server.sales.shifts import missing_receipts
from ukm_actors.nodes.server.sales.tables import (
    SaleExport,
    SaleReceipt,
    SaleReceiptTag,
    SaleShift,
)

MAX_PER_PAGE = 500
MAX_MISSING_SHOWN = 50


class SearchError(UkmError):
    """A search request that cannot be answered as asked."""

    code = "search.invalid"
    http_status = 400


@dataclass(frozen=True)
class ReceiptQuery:
    """Receipt filters; ``None`` means "any". Times are UTC ms, ``to_ms`` exclusive."""

    store: str | None = None
    till: int | None = None
    shift: int | None = None
    from_ms: int | None = None
    to_ms: int | None = None
    cashier: str | None = None
    min_total: int | None = None
    max_total: int | None = None
    article: str | None = None
    barcode: str | None = None
    payment: str | None = None
    number: int | None = None


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = 50
    cursor: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.page < 1:
            raise SearchError(f"page {self.page} must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise SearchError(f"per_page {self.per_page} must be between 1 and {MAX_PER_PAGE}")


def parse_cursor(text: str) -> tuple[int, int]:
    ms, sep, rid = text.partition(":")
    if not sep or not ms.lstrip("-").isdigit() or not rid.isdigit():
        raise SearchError(f"cursor {text!r} is not one this API gave out")
    return int(ms), int(rid)


def summary(r: SaleReceipt) -> dict[str, Any]:
    """A receipt in a result list (money in kopecks)."""
    return {
        "id": r.receipt_id,
        "store": r.store,
        "till": r.till,
        "shift": r.shift_num,
        "number": r.number,
        "kind": r.kind,
        "state": r.state,
        "closed_at": r.closed_at,
        "closed_at_utc": ms_to_iso(r.closed_ms),
        "cashier_code": r.cashier_code,
        "cashier_name": r.cashier_name,
        "total": r.total,
        "card": r.card,
    }


def receipt_statement(q: ReceiptQuery, paging: Paging) -> Any:
    """The SELECT of one page (``per_page + 1`` rows, to tell whether more exist)."""
    r = SaleReceipt
    tags = [
        t
        for t in (
            article_tag(q.article) if q.article is not None else None,
            barcode_tag(q.barcode) if q.barcode is not None else None,
            payment_tag(q.payment) if q.payment is not None else None,
        )
        if t is not None
    ]
    if tags:
        t = aliased(SaleReceiptTag)
        stmt = select(r).join(t, t.receipt_pk == r.id).where(t.tag == tags[0])
        key_ms, key_id = t.closed_ms, t.receipt_pk
        for extra in tags[1:]:
            # a scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a hash
            # semi-join over every receipt with that tag (it misjudges the two-column
            # correlation); this stays a primary-key probe per candidate, in index order
            t2 = aliased(SaleReceiptTag)
            probe = (
                select(literal(1))
                .where(t2.tag == extra, t2.closed_ms == t.closed_ms, t2.receipt_pk == t.receipt_pk)
                .limit(1)
                .scalar_subquery()
            )
            stmt = stmt.where(probe.is_not(None))
    else:
        stmt = select(r)
        key_ms, key_id = r.closed_ms, r.id
    if q.store is not None:
        stmt = stmt.where(r.store == q.store)
    if q.till is not None:
        stmt = stmt.where(r.till == q.till)
    if q.shift is not None:
        stmt = stmt.where(r.shift_num == q.shift)
    if q.cashier is not None:
        stmt = stmt.where(r.cashier_code == q.cashier)
    if q.number is not None:
        stmt = stmt.where(r.number == q.number)
    if q.min_total is not None:
        stmt = stmt.where(r.total >= q.min_total)
    if q.max_total is not None:
        stmt = stmt.where(r.total <= q.max_total)
    if q.from_ms is not None:
        stmt = stmt.where(key_ms >= q.from_ms)
    if q.to_ms is not None:
        stmt = stmt.where(key_ms < q.to_ms)
    if paging.cursor is not None:
        c_ms, c_id = paging.cursor
        stmt = stmt.where(or_(key_ms < c_ms, and_(key_ms == c_ms, key_id < c_id)))
    stmt = stmt.order_by(key_ms.desc(), key_id.desc()).limit(paging.per_page + 1)
    if paging.cursor is None and paging.page > 1:
        stmt = stmt.offset((paging.page - 1) * paging.per_page)
    return stmt


def search_receipts(session: Session, q: ReceiptQuery, paging: Paging) -> dict[str, Any]:
    """One page of receipts matching ``q``, newest first."""
    rows = list(session.scalars(receipt_statement(q, paging)))
    more = len(rows) > paging.per_page
    rows = rows[: paging.per_page]
    return {
        "receipts": [summary(r) for r in rows],
        "page": paging.page if paging.cursor is None else None,
        "per_page": paging.per_page,
        "has_more": more,
        "next_cursor": f"{rows[-1].closed_ms}:{rows[-1].id}" if more and rows else None,
    }


def receipt_detail(session: Session, receipt_id: str) -> dict[str, Any] | None:
    """One receipt in full, with what was returned of it and its export state."""
    pk = session.execute(
        select(SaleReceipt.id).where(SaleReceipt.receipt_id == receipt_id)
    ).scalar_one_or_none()
    if pk is None:
        return None
    doc = load_receipts(session, [pk])[pk]
    confirmed, reserved = taken_back(session, receipt_id, now_ms())
    export = session.execute(
        select(SaleExport).where(SaleExport.kind == "receipt", SaleExport.ref_id == pk)
    ).scalar_one_or_none()
    returns = session.execute(
        select(
            SaleReceipt.closed_ms,
            SaleReceipt.receipt_id,
            SaleReceipt.number,
            SaleReceipt.store,
            SaleReceipt.till,
        ).where(SaleReceipt.original_receipt_id == receipt_id)
    ).all()
    return {
        "receipt": dataclasses.asdict(doc),
        "returned": {str(p): q for p, q in sorted(confirmed.items())},
        "reserved": {str(p): q for p, q in sorted(reserved.items())},
        "returns": [
            {"id": rid, "number": n, "store": st, "till": t} for _, rid, n, st, t in sorted(returns)
        ],
        "export": None
        if export is None
        else {
            "state": export.state,
            "file": export.file_name,
            "exported_at": ms_to_iso(export.exported_ms),
            "error": export.last_error,
        },
    }


def list_shifts(
    session: Session,
    store: str | None,
    from_ms: int | None,
    to_ms: int | None,
    paging: Paging,
) -> dict[str, Any]:
    """Shifts (newest first) with totals and whether all their receipts have arrived."""
    s = SaleShift
    stmt = select(s)
    if store is not None:
        stmt = stmt.where(s.store == store)
    if from_ms is not None:
        stmt = stmt.where(s.started_ms >= from_ms)
    if to_ms is not None:
        stmt = stmt.where(s.started_ms < to_ms)
    if paging.cursor is not None:
        c_ms, c_id = paging.cursor
        stmt = stmt.where(or_(s.started_ms < c_ms, and_(s.started_ms == c_ms, s.id < c_id)))
    stmt = stmt.order_by(s.started_ms.desc(), s.id.desc()).limit(paging.per_page + 1)
    if paging.cursor is None and paging.page > 1:
        stmt = stmt.offset((paging.page - 1) * paging.per_page)
    shifts = list(session.scalars(stmt))
    more = len(shifts) > paging.per_page
    shifts = shifts[: paging.per_page]
    exports = _shift_exports(session, [x.id for x in shifts])
    return {
        "shifts": [_shift_json(session, x, exports.get(x.id)) for x in shifts],
        "page": paging.page if paging.cursor is None else None,
        "per_page": paging.per_page,
        "has_more": more,
        "next_cursor": f"{shifts[-1].started_ms}:{shifts[-1].id}" if more and shifts else None,
    }


def _shift_exports(session: Session, ids: list[int]) -> dict[int, SaleExport]:
    if not ids:
        return {}
    rows = session.scalars(
        select(SaleExport).where(SaleExport.kind == "shift_close", SaleExport.ref_id.in_(ids))
    )
    return {e.ref_id: e for e in rows}


def _shift_json(session: Session, x: SaleShift, export: SaleExport | None) -> dict[str, Any]:
    expected = len(json.loads(x.receipt_numbers)) if x.receipt_numbers else None
    arrived = x.arrived_count
    missing = missing_receipts(session, x) if expected is not None and arrived < expected else []
    return {
        "shift_id": x.shift_id,
        "store": x.store,
        "till": x.till,
        "shift": x.shift_num,
        "state": "closed" if x.closed_at else "open",
        "opened_at": x.opened_at,
        "closed_at": x.closed_at,
        "cashier_code": x.close_cashier_code or x.open_cashier_code,
        "cashier_name": x.close_cashier_name or x.open_cashier_name,
        "kkm_shift_number": x.close_kkm_shift_number or x.kkm_shift_number,
        "receipts": {
            "arrived": arrived,
            "expected": expected,
            "complete": expected is not None and not missing,
            "missing": missing[:MAX_MISSING_SHOWN],
        },
        "totals": {
            "sales_count": x.sales_count,
            "sales_total": x.sales_total,
            "returns_count": x.returns_count,
            "returns_total": x.returns_total,
            "cancelled_count": x.cancelled_count,
        },
        "till_totals": json.loads(x.till_totals) if x.till_totals else None,
        "export": None
        if export is None
        else {"state": export.state, "file": export.file_name, "error": export.last_error},
    }
