"""A return receipt as values: what comes back, at what price, and how it is refunded."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ukm_actors.codecs.tilldocs import OriginalRef
from ukm_actors.domain.money import Money, line_amount
from ukm_actors.domain.receipt import Line, LineDiscount, Payment, Receipt
from ukm_actors.nodes.till.catalog.public import TillCatalog
from ukm_actors.nodes.till.sale.model import OpenReceipt

RETURN_DISCOUNT = "return"


@dataclass(frozen=True)
class ReturnItem:
    """One line coming back: its original position, quantity, price and the money refunded."""

    position: int
    article: str
    name: str
    measure: str
    quantity: int
    price: Money
    refund: Money
    taxgroup_id: str | None = None
    barcode: str | None = None
    price_type: str | None = None
    seller_code: str | None = None
    price_name: str | None = None


@dataclass(frozen=True)
class ReturnSpec:
    """Everything needed to open a return receipt."""

    return_id: str
    original: OriginalRef | None
    items: tuple[ReturnItem, ...]
    offline: bool = False
    supervisor_code: str | None = None
    plan: tuple[Payment, ...] = ()


def _line(item: ReturnItem) -> Line:
    price = item.price
    amount = line_amount(price, item.quantity)
    if item.refund > amount:
        # Rounding of a pro-rata share can exceed price x quantity by a kopeck:
        # raise the unit price just enough to carry the refund.
        price = -(-item.refund * 1000 // item.quantity)
        amount = line_amount(price, item.quantity)
    discounts: tuple[LineDiscount, ...] = ()
    if amount > item.refund:
        discounts = (
            LineDiscount(RETURN_DISCOUNT, "discounts of the original sale", amount - item.refund),
        )
    return Line(
        position=item.position,
        article=item.article,
        name=item.name,
        barcode=item.barcode,
        quantity=item.quantity,
        price=price,
        measure=item.measure,
        taxgroup_id=item.taxgroup_id,
        price_type=item.price_type,
        price_name=item.price_name if item.price_type is not None else None,
        seller_code=item.seller_code,
        discounts=discounts,
    )


def with_price_names(spec: ReturnSpec, catalog: TillCatalog) -> ReturnSpec:
    """``spec`` with the names of the additional prices its items were sold at, from this
    till's catalog (the original's document carries only the price type's code)."""
    items = []
    for i in spec.items:
        if i.price_type is not None and i.price_name is None:
            item = catalog.item(i.article)
            add = item.addprice(i.price_type) if item is not None else None
            if add is not None and add.name:
                i = replace(i, price_name=add.name)
        items.append(i)
    return replace(spec, items=tuple(items))


def return_receipt(base: OpenReceipt, spec: ReturnSpec) -> OpenReceipt:
    """The open return receipt for ``spec``, numbered like ``base`` (a fresh return receipt)."""
    lines = tuple(_line(item) for item in sorted(spec.items, key=lambda i: i.position))
    return replace(
        base,
        id=spec.return_id,
        kind="return",
        receipt=Receipt(kind="return", lines=lines),
        original=spec.original,
        offline_return=spec.offline,
        supervisor_code=spec.supervisor_code or base.supervisor_code,
    )
