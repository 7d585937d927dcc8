"""Returns: find the original receipt on the server, reserve the lines, refund.

A return may be of a receipt from this till, another till of the store or
another store: the till asks the cash server (``receipts.lookup``) for the
original and for what earlier returns took back (``returnlookup``: the
selling till uses its own copy, and a receipt still on its way to the
server is waited for a few seconds), checks the request
(``domain.returns``), then reserves the lines on the server
(``receipts.reserve_return``), which refuses atomically what would exceed
the quantity bought, so two tills can never both return the same line. The
refund goes by the original means where it can (card refunds by rrn), the
rest in cash.

When the server cannot be reached, a return is accepted only with the
``return_without_receipt`` right (the cashier's, or a supervisor's
confirmation) and is marked ``offline_return``: against this till's own
copy of the original when it has one, otherwise for the items listed in the
request.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ukm_actors.codecs.tilldocs import OriginalRef, ReceiptDoc
from ukm_actors.domain.money import line_amount
from ukm_actors.domain.receipt import Payment
from ukm_actors.domain.returns import OriginalLine, ReturnError, check_return, refund_plan
from ukm_actors.domain.rights import Right, RightsError
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant, TillAuth
from ukm_actors.nodes.till.sale.errors import (
    BadRequest,
    RightMissing,
    SaleError,
    ServerUnreachable,
)
from ukm_actors.nodes.till.sale.returnlookup import ask_server, find_original, local_original
from ukm_actors.nodes.till.sale.returnspec import ReturnItem, ReturnSpec

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

REFERENCE_KEYS = ("store", "till", "shift_num", "number")


def reference_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The original receipt's reference from a return request."""
    if body.get("receipt_id"):
        return {"receipt_id": str(body["receipt_id"])}
    if all(k in body for k in REFERENCE_KEYS):
        try:
            return {
                "store": str(body["store"]),
                "till": int(body["till"]),
                "shift_num": int(body["shift_num"]),
                "number": int(body["number"]),
            }
        except (TypeError, ValueError):
            pass
    raise BadRequest(
        _(
            'name the original receipt: {"receipt_id"} (its barcode) or {"store", "till", '
            '"shift_num", "number"}'
        )
    )


def requested_lines(body: Mapping[str, Any]) -> dict[int, int]:
    """``{"lines": {position: quantity}}`` as ints."""
    raw = body.get("lines")
    if not isinstance(raw, Mapping) or not raw:
        raise BadRequest(_('give the lines to return: {"lines": {"position": quantity, ...}}'))
    out: dict[int, int] = {}
    for pos, qty in raw.items():
        try:
            p = int(pos)
        except (TypeError, ValueError):
            raise BadRequest(_("line position {pos!r} is not a number", pos=pos)) from None
        if isinstance(qty, bool) or not isinstance(qty, int):
            raise BadRequest(
                _(
                    "line {pos}: quantity {qty!r} must be a whole number (thousandths)",
                    pos=pos,
                    qty=qty,
                )
            )
        out[p] = qty
    return out


def _items(doc: ReceiptDoc, accepted: list[Any]) -> tuple[ReturnItem, ...]:
    by_pos = {line.position: line for line in doc.lines}
    items = []
    for a in accepted:
        line = by_pos[a.position]
        items.append(
            ReturnItem(
                position=a.position,
                article=line.article,
                name=line.name,
                measure=line.measure,
                quantity=a.quantity,
                price=line.price,
                refund=a.amount,
                taxgroup_id=line.taxgroup_id,
                barcode=line.barcode,
                price_type=line.price_type,
                seller_code=line.seller_code,
            )
        )
    return tuple(items)


def _plan(doc: ReceiptDoc, total: int, earlier: list[Payment]) -> tuple[Payment, ...]:
    originals = [Payment(p.type, p.amount, p.rrn, p.card_mask, p.reference) for p in doc.payments]
    try:
        return tuple(refund_plan(originals, total, earlier))
    except ReturnError:
        return (Payment("cash", total),)


def _ref(doc: ReceiptDoc) -> OriginalRef:
    return OriginalRef(doc.store, doc.till, doc.shift_num, doc.number, doc.receipt_id)


def _check(doc: ReceiptDoc, returned: Mapping[int, int], wanted: Mapping[int, int]) -> list[Any]:
    if doc.kind != "sale" or doc.state != "completed":
        raise SaleError(
            _(
                "receipt {number} of shift {shift_num} is not a completed sale; it cannot be "
                "returned",
                number=doc.number,
                shift_num=doc.shift_num,
            ),
            code="return.not_a_sale",
        )
    originals = [
        OriginalLine(line.position, line.article, line.name, line.quantity, line.price, line.total)
        for line in doc.lines
        if not line.voided
    ]
    try:
        return check_return(originals, returned, wanted)
    except ReturnError as exc:
        raise SaleError(exc.message, code=exc.code, hint=exc.hint) from exc


def online_spec(ctx: TillContext, grant: Grant, body: Mapping[str, Any]) -> ReturnSpec:
    """Look the original up (this till's own copy, or the server) and reserve the lines."""
    wanted = requested_lines(body)
    original = find_original(ctx, reference_of(body))
    doc = original.doc
    accepted = _check(doc, original.returned, wanted)
    return_id = str(uuid.uuid4())
    if original.on_server:
        lines = {str(a.position): a.quantity for a in accepted}
        ask_server(
            ctx,
            "receipts.reserve_return",
            {"receipt_id": doc.receipt_id, "return_id": return_id, "lines": lines},
        )
    return ReturnSpec(
        return_id=return_id,
        original=_ref(doc),
        items=_items(doc, accepted),
        supervisor_code=grant.supervisor_code,
        plan=_plan(doc, sum(a.amount for a in accepted), original.refunds),
    )


def offline_spec(ctx: TillContext, grant: Grant, body: Mapping[str, Any]) -> ReturnSpec:
    """A return while the server is unreachable (the caller checked the right)."""
    catalog = ctx.services.catalog
    local = None
    if body.get("receipt_id") or all(k in body for k in REFERENCE_KEYS):
        local = local_original(ctx, reference_of(body))
    if local is not None:
        doc, returned = local
        accepted = _check(doc, returned, requested_lines(body))
        return ReturnSpec(
            return_id=str(uuid.uuid4()),
            original=_ref(doc),
            items=_items(doc, accepted),
            offline=True,
            supervisor_code=grant.supervisor_code,
            plan=_plan(doc, sum(a.amount for a in accepted), []),
        )
    raw = body.get("items")
    if not isinstance(raw, list) or not raw:
        raise ServerUnreachable(
            _(
                "the cash server cannot be reached and this till has no copy of the original "
                'receipt; list the returned items: "items": [{"article", "quantity", "price"}]'
            ),
            code="return.items_needed",
        )
    items: list[ReturnItem] = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping) or not entry.get("article"):
            raise BadRequest(_("returned item {i} needs an article", i=i))
        item = catalog.item(str(entry["article"]))
        qty = entry.get("quantity", 1000)
        price = entry.get("price", item.price if item else None)
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise BadRequest(_("returned item {i}: quantity must be a whole number above 0", i=i))
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise BadRequest(_("returned item {i}: give the price paid, in kopecks", i=i))
        items.append(
            ReturnItem(
                position=i,
                article=str(entry["article"]),
                name=str(entry.get("name") or (item.name if item else entry["article"])),
                measure=item.measure if item else "шт",
                quantity=qty,
                price=price,
                refund=line_amount(price, qty),
                taxgroup_id=item.taxgroup_id if item else None,
            )
        )
    total = sum(x.refund for x in items)
    return ReturnSpec(
        return_id=str(uuid.uuid4()),
        original=None,
        items=tuple(items),
        offline=True,
        supervisor_code=grant.supervisor_code,
        plan=(Payment("cash", total),) if total else (),
    )


def build_return(
    ctx: TillContext, auth: TillAuth, grant: Grant, body: Mapping[str, Any]
) -> ReturnSpec:
    """The return to open: online when the server answers, offline with the right otherwise."""
    try:
        return online_spec(ctx, grant, body)
    except ServerUnreachable as exc:
        if exc.code == "return.items_needed":
            raise
        log.warning("return without the server: %s", exc.message)
        try:
            offline_grant = auth.authorize(Right.RETURN_WITHOUT_RECEIPT, body.get("supervisor"))
        except RightsError:
            raise RightMissing(
                _(
                    "the cash server cannot be reached, so the original receipt cannot be "
                    "checked; a return without it needs the right to {action}: ask a supervisor "
                    "to confirm",
                    action=Right.RETURN_WITHOUT_RECEIPT.action,
                ),
                code="rights.missing",
                right=Right.RETURN_WITHOUT_RECEIPT,
            ) from exc
        return offline_spec(ctx, offline_grant, body)


def release(ctx: TillContext, return_id: str) -> None:
    """Give the server's reservation back (a return that was cancelled); best effort."""
    try:
        ask_server(ctx, "receipts.release_return", {"return_id": return_id})
    except SaleError as exc:
        log.warning("could not release return %s on the server: %s", return_id, exc.message)
