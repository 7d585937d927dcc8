"""Returns against a receipt sold at any till: lookup, reservation, confirmation.

A till returning goods asks the server (``receipts.reserve_return``) before
refunding. The reservation is checked and recorded in one transaction
holding a lock on the original receipt's row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite writers are serialised), so two tills can never both
return the same line. A reservation counts until it expires
(``[server] return_reservation_ttl``) unless the return receipt itself
arrives first and confirms it. A return made while the server was
unreachable (``offline_return``) is recorded as it comes: the money has
already gone back, so it is never refused, only logged when it takes back
more than was bought.

Lines of a return carry the position of the original line they return; a
line whose position does not match the original's article is matched by
article instead.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from ukm_actors.codecs.tilldocs import ReceiptDoc
from ukm_actors.domain.money import format_quantity
from ukm_actors.domain.returns import OriginalLine, ReturnError, check_return
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.sales.records import load_receipts, now_ms
from ukm_actors.nodes.server.sales.tables import SalePayment, SaleReceipt, SaleReturnLine

log = logging.getLogger(__name__)

RESERVED = "reserved"
CONFIRMED = "confirmed"


class ReceiptNotFound(UkmError):
    code = "receipt.not_found"
    http_status = 404


class ReturnRequestError(UkmError):
    """A return ask whose message is malformed."""

    code = "return.request"


def _text(message: dict[str, Any], key: str) -> str:
    value = message.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReturnRequestError(f"{key!r} must be a non-empty text", hint=f"got {value!r}")
    return value.strip()


def _int(message: dict[str, Any], key: str) -> int:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise ReturnRequestError(f"{key!r} must be a whole number", hint=f"got {value!r}")
    return value


def find_receipt_pk(session: Session, message: dict[str, Any], *, lock: bool = False) -> int:
    """The row id of the receipt a lookup message names, or ``ReceiptNotFound``."""
    q = select(SaleReceipt.id)
    if "receipt_id" in message:
        rid = _text(message, "receipt_id")
        q = q.where(SaleReceipt.receipt_id == rid)
        what = f"receipt {rid}"
    elif "number" in message:
        store, till = _text(message, "store"), _int(message, "till")
        shift, number = _int(message, "shift_num"), _int(message, "number")
        q = q.where(
            SaleReceipt.store == store,
            SaleReceipt.till == till,
            SaleReceipt.shift_num == shift,
            SaleReceipt.number == number,
        )
        what = f"receipt {number} of shift {shift} at till {till} of store {store}"
    else:
        raise ReturnRequestError(
            "say which receipt: give 'receipt_id', or 'store', 'till', 'shift_num' and 'number'"
        )
    if lock:
        q = q.with_for_update()
    pk = session.execute(q).scalar_one_or_none()
    if pk is None:
        raise ReceiptNotFound(
            f"{what} is not on the server",
            hint="check the number; a receipt from a till that is offline arrives when it "
            "reconnects",
        )
    return int(pk)


def stores_named(session: Session, message: dict[str, Any]) -> frozenset[str]:
    """The stores of the receipts a return ask is about: the receipt it names (by
    ``receipt_id`` or by store, till, shift and number) and the originals of the
    reservation ``return_id`` already holds. Empty when none of them is known."""
    stores: set[str] = set()
    rid = message.get("receipt_id")
    if isinstance(rid, str):
        stores.update(
            session.execute(select(SaleReceipt.store).where(SaleReceipt.receipt_id == rid))
            .scalars()
            .all()
        )
    elif message.get("store") is not None:
        stores.add(str(message["store"]))
    ret = message.get("return_id")
    if isinstance(ret, str):
        stores.update(
            session.execute(
                select(SaleReceipt.store)
                .join(SaleReturnLine, SaleReturnLine.original_receipt_id == SaleReceipt.receipt_id)
                .where(SaleReturnLine.return_id == ret)
                .distinct()
            )
            .scalars()
            .all()
        )
    return frozenset(stores)


def taken_back(
    session: Session, original_receipt_id: str, now: int, exclude_return: str | None = None
) -> tuple[dict[int, int], dict[int, int]]:
    """Per original position: quantities confirmed returned, and reserved (unexpired)."""
    q = (
        select(SaleReturnLine.position, SaleReturnLine.state, func.sum(SaleReturnLine.quantity))
        .where(SaleReturnLine.original_receipt_id == original_receipt_id)
        .where(or_(SaleReturnLine.state == CONFIRMED, SaleReturnLine.expires_ms > now))
        .group_by(SaleReturnLine.position, SaleReturnLine.state)
    )
    if exclude_return is not None:
        q = q.where(SaleReturnLine.return_id != exclude_return)
    confirmed: dict[int, int] = {}
    reserved: dict[int, int] = {}
    for pos, state, qty in session.execute(q):
        target = confirmed if state == CONFIRMED else reserved
        target[int(pos)] = target.get(int(pos), 0) + int(qty)
    return confirmed, reserved


def _add(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _original_lines(doc: ReceiptDoc) -> list[OriginalLine]:
    return [
        OriginalLine(
            position=ln.position,
            article=ln.article,
            name=ln.name,
            quantity=ln.quantity,
            price=ln.price,
            total=ln.total,
        )
        for ln in doc.lines
        if not ln.voided and ln.quantity > 0
    ]


def lookup(session: Session, message: dict[str, Any]) -> dict[str, Any]:
    """The ``receipts.lookup`` answer: the receipt and what of it is already taken back.

    ``returned`` counts confirmed returns and live reservations (what can no
    longer be returned); ``reserved`` is the reserved part of it; ``refunds``
    lists the payments of the returns already made (how money went back).
    """
    pk = find_receipt_pk(session, message)
    doc = load_receipts(session, [pk])[pk]
    confirmed, reserved = taken_back(session, doc.receipt_id, now_ms())
    both = _add(confirmed, reserved)
    positions = sorted({ln.position for ln in doc.lines} | set(both))
    return {
        "receipt": dataclasses.asdict(doc),
        "returned": {str(p): both.get(p, 0) for p in positions},
        "reserved": {str(p): reserved.get(p, 0) for p in positions if reserved.get(p)},
        "refunds": refunds(session, doc.receipt_id),
    }


def refunds(session: Session, original_receipt_id: str) -> list[dict[str, Any]]:
    """Payments of the completed returns of a receipt, oldest first (for the refund plan)."""
    rows = session.execute(
        select(SalePayment)
        .join(SaleReceipt, SaleReceipt.id == SalePayment.receipt_pk)
        .where(
            SaleReceipt.original_receipt_id == original_receipt_id,
            SaleReceipt.kind == "return",
            SaleReceipt.state == "completed",
        )
        .order_by(SaleReceipt.closed_ms, SaleReceipt.id, SalePayment.idx)
    ).scalars()
    return [
        {
            "type": p.type,
            "amount": p.amount,
            "rrn": p.rrn,
            "card_mask": p.card_mask,
            "reference": p.reference,
        }
        for p in rows
    ]


def _requested(message: dict[str, Any]) -> dict[int, int]:
    lines = message.get("lines")
    if not isinstance(lines, dict) or not lines:
        raise ReturnRequestError("'lines' must map positions to quantities, e.g. {\"1\": 1000}")
    out: dict[int, int] = {}
    for key, qty in lines.items():
        if not str(key).isdigit():
            raise ReturnRequestError(f"line position {key!r} is not a number")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise ReturnRequestError(
                f"line {key}: quantity {qty!r} must be a whole number of thousandths above 0"
            )
        out[int(key)] = qty
    return out


def reserve(session: Session, message: dict[str, Any], ttl_s: float) -> dict[str, Any]:
    """Check and record a reservation (``receipts.reserve_return``) in ``session``.

    Repeating the same ``return_id`` replaces that reservation (a till that
    retries after a timeout gets the same verdict, not a double count).
    Raises ``ReturnError`` (``return.exceeds`` …) when the lines cannot be
    returned.
    """
    return_id = _text(message, "return_id")
    requested = _requested(message)
    pk = find_receipt_pk(session, message, lock=True)
    doc = load_receipts(session, [pk])[pk]
    if doc.kind != "sale":
        raise ReturnError(
            f"receipt {doc.number} is a return; only sales can be returned",
            code="return.not_a_sale",
        )
    if doc.state != "completed":
        raise ReturnError(
            f"receipt {doc.number} was cancelled; nothing on it was paid",
            code="return.cancelled",
        )
    done = session.execute(
        select(func.count())
        .select_from(SaleReturnLine)
        .where(SaleReturnLine.return_id == return_id, SaleReturnLine.state == CONFIRMED)
    ).scalar_one()
    if done:
        return {"ok": True, "confirmed": True}
    now = now_ms()
    confirmed, reserved = taken_back(session, doc.receipt_id, now, exclude_return=return_id)
    check_return(_original_lines(doc), _add(confirmed, reserved), requested)
    session.execute(delete(SaleReturnLine).where(SaleReturnLine.return_id == return_id))
    expires = now + int(ttl_s * 1000)
    session.execute(
        insert(SaleReturnLine),
        [
            {
                "return_id": return_id,
                "position": pos,
                "original_receipt_id": doc.receipt_id,
                "quantity": qty,
                "state": RESERVED,
                "expires_ms": expires,
                "created_ms": now,
            }
            for pos, qty in sorted(requested.items())
        ],
    )
    return {"ok": True, "expires_in": ttl_s}


def release(session: Session, message: dict[str, Any]) -> dict[str, Any]:
    """Cancel a reservation (``receipts.release_return``); a confirmed return stays."""
    return_id = _text(message, "return_id")
    result = session.execute(
        delete(SaleReturnLine)
        .where(SaleReturnLine.return_id == return_id, SaleReturnLine.state == RESERVED)
        .execution_options(synchronize_session=False)
    )
    return {"ok": True, "released": bool(result.rowcount)}  # type: ignore[attr-defined]


def purge_expired(session: Session, now: int) -> int:
    """Delete reservations that expired; returns how many lines went."""
    result = session.execute(
        delete(SaleReturnLine)
        .where(SaleReturnLine.state == RESERVED, SaleReturnLine.expires_ms <= now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _map_positions(ret: ReceiptDoc, original: ReceiptDoc | None) -> dict[int, int]:
    """Original position → quantity a return receipt takes back."""
    out: dict[int, int] = {}
    lines = [ln for ln in ret.lines if not ln.voided]
    if original is None:
        for ln in lines:
            out[ln.position] = out.get(ln.position, 0) + ln.quantity
        return out
    by_pos = {ln.position: ln for ln in original.lines if not ln.voided}
    for ln in lines:
        orig = by_pos.get(ln.position)
        if orig is None or orig.article != ln.article:
            same = [o for o in by_pos.values() if o.article == ln.article]
            free = [o for o in same if o.quantity - out.get(o.position, 0) >= ln.quantity]
            candidates = free or same
            if not candidates:
                log.warning(
                    "return %s: line %s (article %s) is not on original receipt %s; not counted",
                    ret.receipt_id,
                    ln.position,
                    ln.article,
                    original.receipt_id,
                )
                continue
            orig = candidates[0]
        out[orig.position] = out.get(orig.position, 0) + ln.quantity
    return out


def confirm(session: Session, ret: ReceiptDoc) -> None:
    """Record a return receipt's lines as taken back from its original (in the applier's tx)."""
    assert ret.original is not None
    original_id = ret.original.receipt_id
    original_pk = session.execute(
        select(SaleReceipt.id).where(SaleReceipt.receipt_id == original_id).with_for_update()
    ).scalar_one_or_none()
    original = load_receipts(session, [original_pk])[original_pk] if original_pk else None
    if ret.state != "completed":
        session.execute(delete(SaleReturnLine).where(SaleReturnLine.return_id == ret.receipt_id))
        return
    taken = _map_positions(ret, original)
    session.execute(delete(SaleReturnLine).where(SaleReturnLine.return_id == ret.receipt_id))
    now = now_ms()
    if taken:
        session.execute(
            insert(SaleReturnLine),
            [
                {
                    "return_id": ret.receipt_id,
                    "position": pos,
                    "original_receipt_id": original_id,
                    "quantity": qty,
                    "state": CONFIRMED,
                    "expires_ms": None,
                    "created_ms": now,
                }
                for pos, qty in sorted(taken.items())
            ],
        )
    if original is None:
        return
    confirmed, _ = taken_back(session, original_id, now)
    for ln in original.lines:
        if not ln.voided and confirmed.get(ln.position, 0) > ln.quantity:
            log.warning(
                "receipt %s line %s: %s returned in all, only %s was bought%s",
                original_id,
                ln.position,
                format_quantity(confirmed[ln.position]),
                format_quantity(ln.quantity),
                " (an offline return)" if ret.offline_return else "",
            )
