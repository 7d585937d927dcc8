"""Where the original of a return comes from: this till's own copy, or the cash server.

A receipt reaches the cash server moments after its sale (the till's outbox
sends it at once), so a return asked for right after the sale may find the
server without it. Then:

- at the selling till, its own copy of the receipt is the original (lines,
  prices, payments). The till wakes its outbox and asks the server again
  every ``LOOKUP_RETRY`` seconds for up to ``[till] return_lookup_wait``
  seconds, to learn what other tills took back and to reserve the lines;
  if the server still has not got the sale, the return goes on against the
  own copy alone (no other till can have returned anything of a receipt the
  server has never seen, and the return follows the sale through the same
  outbox, so the server confirms it after the sale);
- at any other till, the lookup is repeated the same way for up to
  ``return_lookup_wait`` seconds (default 3) before the till answers
  ``receipt.not_found`` (404).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gevent
from sqlalchemy import select

from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError
from ukm_actors.codecs.tilldocs import PaymentDoc, ReceiptDoc, ReceiptLineDoc, from_dict
from ukm_actors.domain.money import line_amount
from ukm_actors.domain.receipt import Payment
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.errors import SaleError, ServerUnreachable
from ukm_actors.nodes.till.sale.tables import LineRow, PaymentRow, ReceiptRow

if TYPE_CHECKING:
    from ukm_actors.nodes.till.sale.env import SaleEnv
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)

LOOKUP_RETRY = 0.2
"""Seconds between lookups while the server does not have the original yet."""
NOT_FOUND = "receipt.not_found"


class ReceiptNotFound(SaleError):
    """Neither this till nor the cash server knows the original receipt."""

    code = NOT_FOUND
    http_status = 404


@dataclass(frozen=True)
class Original:
    """The receipt to return from, and what of it is already taken back."""

    doc: ReceiptDoc
    returned: dict[int, int]
    """Original position → quantity returned or reserved (thousandths)."""
    refunds: list[Payment]
    """How earlier returns paid money back (for the refund plan)."""
    on_server: bool
    """False when only this till's own copy was used (the server has not got it yet)."""


def ask_server(ctx: TillContext, name: str, message: dict[str, Any]) -> Any:
    """Ask the cash server; ``ServerUnreachable`` when it cannot answer, its own error otherwise."""
    bridge = ctx.services.bridge if ctx.services.is_set("bridge") else None
    url = getattr(bridge, "server_url", "") or ctx.config.bridge.server_url
    if bridge is None or not url:
        raise ServerUnreachable(_("this till has no connection to the cash server configured"))
    try:
        return bridge.ask(url, name, message, timeout=ctx.config.till.server_timeout)
    except (PeerUnreachable, AskTimeout) as exc:
        raise ServerUnreachable(
            _("the cash server cannot be reached now ({message})", message=exc.message),
            hint=_("try again later, or make an offline return with a supervisor"),
        ) from exc
    except RemoteError as exc:
        raise SaleError(exc.message, code=exc.code, hint=exc.hint) from exc


def find_original(ctx: TillContext, ref: Mapping[str, Any]) -> Original:
    """The original receipt ``ref`` names (see the module docstring for the waiting)."""
    local = local_original(ctx, ref)
    deadline = time.monotonic() + ctx.config.till.return_lookup_wait
    while True:
        try:
            found = ask_server(ctx, "receipts.lookup", dict(ref))
            break
        except SaleError as exc:
            if exc.code != NOT_FOUND:
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                if local is not None:
                    log.info("return of %s: the server has not got it yet; own copy used", ref)
                    return Original(local[0], local[1], [], on_server=False)
                raise ReceiptNotFound(exc.message, hint=exc.hint) from exc
        if local is not None:
            ctx.services.sale_env.notify_server()
        gevent.sleep(min(LOOKUP_RETRY, left))
    doc = local[0] if local is not None else from_dict(ReceiptDoc, found["receipt"], "lookup")
    return Original(
        doc,
        {int(k): int(v) for k, v in (found.get("returned") or {}).items()},
        [
            Payment(p["type"], p["amount"], p.get("rrn"), p.get("card_mask"), p.get("reference"))
            for p in found.get("refunds") or []
        ],
        on_server=True,
    )


def local_original(
    ctx: TillContext, ref: Mapping[str, Any]
) -> tuple[ReceiptDoc, dict[int, int]] | None:
    """This till's own copy of a sale it closed, and what its own returns took back of it."""
    env = ctx.services.sale_env
    with ctx.require_db().read() as s:
        q = select(ReceiptRow).where(ReceiptRow.kind == "sale", ReceiptRow.state == "completed")
        if "receipt_id" in ref:
            q = q.where(ReceiptRow.id == ref["receipt_id"])
        elif ref["store"] == env.store and ref["till"] == env.till:
            q = q.where(
                ReceiptRow.shift_num == ref["shift_num"], ReceiptRow.number == ref["number"]
            )
        else:
            return None
        row = s.execute(q).scalar_one_or_none()
        if row is None:
            return None
        lines = s.scalars(
            select(LineRow).where(LineRow.receipt_id == row.id).order_by(LineRow.position)
        ).all()
        pays = s.scalars(
            select(PaymentRow)
            .where(PaymentRow.receipt_id == row.id, PaymentRow.state == "approved")
            .order_by(PaymentRow.id)
        ).all()
        returned: dict[int, int] = {}
        for ret_id in s.scalars(
            select(ReceiptRow.id).where(
                ReceiptRow.original_id == row.id, ReceiptRow.state == "completed"
            )
        ).all():
            for rl in s.scalars(select(LineRow).where(LineRow.receipt_id == ret_id)):
                returned[rl.position] = returned.get(rl.position, 0) + rl.quantity
        return _doc(env, row, lines, pays), returned


def _doc(
    env: SaleEnv, row: ReceiptRow, lines: Sequence[LineRow], pays: Sequence[PaymentRow]
) -> ReceiptDoc:
    doc_lines = []
    for x in lines:
        amount = line_amount(x.price, x.quantity)
        discount = sum(int(d[2]) for d in json.loads(x.discounts or "[]"))
        doc_lines.append(
            ReceiptLineDoc(
                position=x.position,
                article=x.article,
                name=x.name,
                measure=x.measure,
                quantity=x.quantity,
                price=x.price,
                amount=amount,
                discount=discount,
                total=amount - discount,
                barcode=x.barcode,
                taxgroup_id=x.taxgroup_id,
                price_type=x.price_type,
                seller_code=x.seller_code,
                voided=x.voided,
            )
        )
    return ReceiptDoc(
        receipt_id=row.id,
        store=env.store,
        till=env.till,
        shift_num=row.shift_num,
        number=row.number,
        kind="sale",
        state="completed",
        opened_at=row.opened_at,
        closed_at=row.closed_at or "",
        closed_at_utc=row.closed_at_utc or "",
        cashier_code=row.cashier_code,
        cashier_name=row.cashier_name,
        total=row.total,
        lines=tuple(doc_lines),
        payments=tuple(PaymentDoc(p.type, p.amount, p.rrn, p.card_mask, p.reference) for p in pays),
    )
