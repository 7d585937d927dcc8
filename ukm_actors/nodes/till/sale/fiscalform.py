"""The register's form of a receipt (``FiscalReceipt``): VAT, units, payment kinds.

Payments (docs/devices.md): cash → ``cash``; card → ``electronically``; a
gift certificate → ``prepaid`` (it was paid for when it was sold, an
advance); bonus points → a reduction of the items' amounts, spread over
the lines in proportion to their totals (they are a discount, not a
payment, for the tax authority).
"""

from __future__ import annotations

from ukm_actors.hw.fiscal import FiscalItem, FiscalPayment, FiscalReceipt
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import OpenReceipt

VAT_BY_RATE = {0: "vat0", 500: "vat5", 700: "vat7", 1000: "vat10", 2000: "vat20", 2200: "vat22"}
UNITS = {
    "кг": "kilogram",
    "kg": "kilogram",
    "г": "gram",
    "g": "gram",
    "л": "liter",
    "l": "liter",
    "мл": "milliliter",
    "ml": "milliliter",
    "м": "meter",
    "m": "meter",
}
PAYMENT_KINDS = {"cash": "cash", "card": "electronically", "certificate": "prepaid"}


def spread(amount: int, weights: list[int]) -> list[int]:
    """``amount`` split over ``weights`` in proportion (largest remainder); sums to ``amount``."""
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    amount = min(amount, total)
    shares = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(amount * weights[i] % total))
    for i in order[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def fiscal_receipt(r: OpenReceipt, tax_rates: dict[str, int]) -> FiscalReceipt:
    """The register's form of the receipt ``r`` (bonus as a reduction, see the module doc)."""
    lines = [line for line in r.receipt.lines if not line.voided]
    bonus = sum(p.amount for p in r.receipt.payments if p.type == "bonus")
    cuts = spread(bonus, [line.total for line in lines])
    items = []
    for line, cut in zip(lines, cuts, strict=True):
        rate = tax_rates.get(line.taxgroup_id or "") if line.taxgroup_id else None
        tax = "none" if rate is None else VAT_BY_RATE.get(rate)
        if tax is None:
            raise SaleError(
                _(
                    "{name}: tax group {group} has the VAT rate {rate:g}%, which the "
                    "fiscal register does not know",
                    name=line.name,
                    rate=(rate or 0) / 100,
                    group=line.taxgroup_id,
                ),
                code="fiscal.tax",
                hint=_("fix the tax group in the trade system; the receipt stays open"),
            )
        items.append(
            FiscalItem(
                name=line.name[:128],
                price=line.price,
                quantity=line.quantity,
                amount=line.total - cut,
                tax=tax,
                measure=UNITS.get(line.measure.strip().lower().rstrip("."), "piece"),
            )
        )
    payments = tuple(
        FiscalPayment(PAYMENT_KINDS.get(p.type, "other"), p.amount)
        for p in r.receipt.payments
        if p.type != "bonus"
    )
    return FiscalReceipt(
        kind="sellReturn" if r.kind == "return" else "sell",
        operator=r.cashier_name,
        items=tuple(items),
        payments=payments,
    )
