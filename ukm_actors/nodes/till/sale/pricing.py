"""The promotions hook and the customer display, seen from the sale.

``Repricer.reprice`` asks the promotion engine (``ctx.services.promotions``,
written by the marketing part) for the discounts of a sale receipt whose
lines changed, before payment: ``svc.price(receipt, context)`` returns
``{position: (LineDiscount, ...)}``, where ``context`` is ``{"store", "till",
"at" (local ISO time), "card", "coupons", "coupon_checks"}``; ``svc.outcome``
(the same, with what else pricing gave) fills the receipt's ``pricing`` view
when the service has it. Lines the engine does not mention lose their
discounts. If the engine raises, the sale goes on
without promotions (and the failure is logged).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ukm_actors.domain.money import format_quantity
from ukm_actors.domain.receipt import Line, LineDiscount, Receipt, apply_discounts
from ukm_actors.hw.display import layout_change, layout_item, layout_total
from ukm_actors.nodes.till.sale.model import OpenReceipt

if TYPE_CHECKING:
    from ukm_actors.nodes.till.sale.env import SaleEnv
    from ukm_actors.nodes.till.services import TillContext

log = logging.getLogger(__name__)


class Repricer:
    """Applies the promotion engine's discounts to the open receipt."""

    def __init__(self, ctx: TillContext, env: SaleEnv) -> None:
        self.ctx = ctx
        self.env = env

    def context(self, r: OpenReceipt) -> dict[str, Any]:
        """What the engine is told besides the receipt."""
        return {
            "store": self.env.store,
            "till": self.env.till,
            "at": self.env.local_now().isoformat(timespec="seconds"),
            "card": r.card,
            "coupons": list(r.coupons),
            "coupon_checks": dict(r.coupon_checks),
        }

    def reprice(self, r: OpenReceipt) -> OpenReceipt:
        """``r`` with the engine's discounts and its pricing outcome (unchanged for returns
        and paid-on receipts; an empty receipt is priced only for its card or coupons)."""
        svc = self.ctx.services.promotions
        if svc is None or r.kind != "sale" or r.receipt.payments:
            return r
        if r.receipt.is_empty and not (r.card or r.coupons):
            return replace(r, pricing=None)
        clear: dict[int, tuple[LineDiscount, ...]] = {
            line.position: () for line in r.receipt.lines if line.discounts
        }
        pricing: dict[str, Any] | None = None
        try:
            if hasattr(svc, "outcome"):
                outcome = svc.outcome(r.receipt, self.context(r))
                pricing, result = outcome.to_json(), outcome.discounts
            else:  # a hook that only prices
                result = svc.price(r.receipt, self.context(r))
            wanted = dict(clear)
            for position, discounts in result.items():
                wanted[int(position)] = tuple(discounts)
            receipt = apply_discounts(r.receipt, _changed(r.receipt, wanted))
        except Exception:
            log.exception("the promotion engine failed; selling without promotions")
            receipt = apply_discounts(r.receipt, clear)
        return replace(r, receipt=receipt, pricing=pricing)


def _outcome_only(repricer: Repricer, r: OpenReceipt) -> OpenReceipt:
    svc = repricer.ctx.services.promotions
    if svc is None or not hasattr(svc, "outcome"):
        return r
    try:
        outcome = svc.outcome(r.receipt, repricer.context(r))
    except Exception:  # the engine is not up yet: the next view tries again
        log.debug("no pricing outcome for receipt %s yet", r.id, exc_info=True)
        return r
    return replace(r, pricing=outcome.to_json())


def with_outcome(repricer: Repricer, r: OpenReceipt | None) -> OpenReceipt | None:
    """``r`` with its pricing outcome when it has none yet (after a restart), its
    discounts untouched (they may be frozen by a payment)."""
    if r is None or r.pricing is not None or r.kind != "sale":
        return r
    if r.receipt.is_empty and not (r.card or r.coupons):
        return r
    return _outcome_only(repricer, r)


def _changed(
    receipt: Receipt, wanted: dict[int, tuple[LineDiscount, ...]]
) -> dict[int, tuple[LineDiscount, ...]]:
    """Only the lines whose discounts differ: each replaced line costs a pass over the receipt."""
    current = {line.position: line.discounts for line in receipt.lines}
    return {pos: d for pos, d in wanted.items() if current.get(pos, ()) != d}


def show_on_display(
    ctx: TillContext, *, line: Line | None, receipt: Receipt, closed: bool = False
) -> None:
    """Show the item just added, the total, or the change, on the customer display."""
    display = ctx.services.devices.display
    if not display.configured:
        return
    if closed:
        lines = layout_change(receipt.paid, receipt.change)
    elif line is not None:
        qty = "" if line.quantity == 1000 else f"{format_quantity(line.quantity)} {line.measure}"
        lines = layout_item(line.name, line.total, qty)
    else:
        lines = layout_total(receipt.total)
    display.tell(lambda d: d.show(*lines))
