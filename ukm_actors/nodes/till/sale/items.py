"""From what the cashier scanned or typed to a receipt line: lookup and sale rules.

``resolve_line`` finds the item (by barcode, by a weight barcode, or by
article), its quantity (the barcode's, the weight's, the request's) and its
price (the store price, or the additional price the cashier chose), and
applies the sale rules: time-of-day restrictions refuse the line with the
rule's message; an age restriction needs the cashier's confirmation; an
item with additional prices needs the cashier's choice; a weighed item
needs a weight. The last three raise ``NeedsAnswer`` / ``NeedsWeight`` so
the cashier UI (or the scales) can supply it and send the request again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ukm_actors.domain.barcodes import WeightBarcode, decode_weight_barcode
from ukm_actors.domain.money import format_quantity, round_div
from ukm_actors.domain.restrictions import check_age, ensure_time_allowed
from ukm_actors.i18n import _
from ukm_actors.nodes.till.catalog.lookup import CatalogItem, Reader, TillCatalog
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.errors import BadRequest, ItemNotFound, NeedsAnswer, SaleError

BASE_PRICE = "base"


class NeedsWeight(SaleError):
    """A weighed item without a weight: read the scales, or ask the cashier for it."""

    code = "sale.needs_weight"


@dataclass(frozen=True)
class AddRequest:
    """What the cashier asked to add. Exactly one of ``barcode`` / ``article``."""

    barcode: str | None = None
    article: str | None = None
    quantity: int | None = None
    price_type: str | None = None
    age_confirmed: bool = False
    birth_date: date | None = None
    seller: str | None = None
    weighed: bool = False
    """The quantity came from the scales."""


@dataclass(frozen=True)
class LineSpec:
    """A line ready to add: everything ``domain.receipt.add_line`` needs."""

    article: str
    name: str
    quantity: int
    price: int
    measure: str
    barcode: str | None
    taxgroup_id: str | None
    price_type: str | None
    seller_code: str | None
    age_confirmed: bool


def _find(
    catalog: TillCatalog, env: SaleEnv, req: AddRequest, session: Reader | None
) -> tuple[CatalogItem, int | None, WeightBarcode | None]:
    if req.barcode:
        code = req.barcode.strip()
        hit = catalog.item_by_barcode(code, session)
        if hit is not None:
            item, article, quantity = hit
            if item is None:
                raise ItemNotFound(
                    _(
                        "barcode {code} belongs to item {article}, which is not in the catalog",
                        code=code,
                        article=article,
                    ),
                    hint=_("the catalog is incomplete; tell the store administrator"),
                )
            return item, quantity, None
        weight = decode_weight_barcode(code, env.weight_layout())
        if weight is not None:
            item = catalog.item(weight.item_code, session) or catalog.item(
                weight.item_code.lstrip("0") or "0", session
            )
            if item is None:
                raise ItemNotFound(
                    _(
                        "weight barcode {code}: item code {item_code} is not in the catalog",
                        code=code,
                        item_code=weight.item_code,
                    ),
                    hint=_("enter the item by its code"),
                )
            return item, None, weight
        raise ItemNotFound(
            _("barcode {code} is not in the catalog", code=code),
            hint=_("enter the item by its code"),
        )
    if req.article:
        item = catalog.item(req.article.strip(), session)
        if item is None:
            raise ItemNotFound(_("there is no item with code {article}", article=req.article))
        return item, None, None
    raise BadRequest(_('give "barcode" or "article"'))


def _quantity(
    item: CatalogItem, req: AddRequest, scanned: int | None, w: WeightBarcode | None, price: int
) -> int:
    if w is not None and w.quantity is not None:
        return w.quantity
    if w is not None and w.price is not None:
        if price <= 0:
            raise SaleError(
                _(
                    "{name}: the label carries a price but the item has none in this store",
                    name=item.name,
                ),
                code="sale.no_price",
            )
        return max(1, round_div(w.price * 1000, price))
    if req.quantity is not None:
        if req.quantity <= 0:
            raise BadRequest(_("{name}: the quantity must be more than zero", name=item.name))
        qty = req.quantity
        if scanned is not None:
            qty = qty * scanned // 1000
    elif scanned is not None and not item.weighted:
        qty = scanned
    elif item.weighted:
        raise NeedsWeight(
            _("{name} is sold by weight; put it on the scales or enter the weight", name=item.name),
            hint=_("send the request again with the quantity in grams"),
        )
    else:
        qty = 1000
    if not item.weighted and qty % item.step:
        raise SaleError(
            _(
                "{name} is sold in steps of {step} {measure}; {qty} is not allowed",
                name=item.name,
                step=format_quantity(item.step),
                measure=item.measure,
                qty=format_quantity(qty),
            ),
            code="sale.quantity_step",
        )
    return qty


def _price(item: CatalogItem, req: AddRequest) -> tuple[int, str | None]:
    if item.addprices:
        if req.price_type is None:
            options: list[dict[str, Any]] = []
            if item.price is not None:
                options.append(
                    {"price_type": BASE_PRICE, "name": _("Store price"), "price": item.price}
                )
            options.extend(
                {"price_type": a.price_type, "name": a.name, "price": a.price}
                for a in item.addprices
            )
            raise NeedsAnswer(
                _("{name} has {count} prices; choose one", name=item.name, count=len(options)),
                code="sale.choose_price",
                question={"kind": "price", "article": item.article, "options": options},
                hint=_('send the request again with "price_type"'),
            )
        if req.price_type != BASE_PRICE:
            add = item.addprice(req.price_type)
            if add is None:
                known = ", ".join([BASE_PRICE, *(a.price_type for a in item.addprices)])
                raise BadRequest(
                    _(
                        "{name} has no price {price_type!r}; its prices are: {known}",
                        name=item.name,
                        price_type=req.price_type,
                        known=known,
                    )
                )
            return add.price, add.price_type
    if item.price is None:
        raise SaleError(
            _(
                "{name} (code {article}) has no price in this store",
                name=item.name,
                article=item.article,
            ),
            code="sale.no_price",
            hint=_("the item cannot be sold until the server sends its price"),
        )
    return item.price, None


def resolve_line(
    catalog: TillCatalog, env: SaleEnv, req: AddRequest, session: Reader | None = None
) -> LineSpec:
    """The line ``req`` asks for, after every sale rule; raises the rule's error otherwise."""
    if session is None:
        with catalog.reading() as own:
            return resolve_line(catalog, env, req, own)
    item, scanned, weight = _find(catalog, env, req, session)
    now = env.local_now()
    ensure_time_allowed(catalog.time_rules(item), now)
    price, price_type = _price(item, req)
    quantity = _quantity(item, req, scanned, weight, price)
    confirmed = False
    rule = catalog.age_rule(item)
    if rule is not None:
        if req.birth_date is not None:
            check_age(rule, req.birth_date, now.date())
            confirmed = True
        elif req.age_confirmed:
            confirmed = True
        else:
            raise NeedsAnswer(
                rule.message,
                code="sale.age_confirm",
                question={"kind": "age", "article": item.article, "min_age": rule.min_age},
                hint=_(
                    'check the buyer is {min_age} or older, then send "age_confirmed": true',
                    min_age=rule.min_age,
                ),
            )
    seller = None
    if req.seller:
        if catalog.seller(req.seller) is None:
            raise BadRequest(_("there is no seller with code {seller}", seller=req.seller))
        seller = req.seller
    return LineSpec(
        article=item.article,
        name=item.name,
        quantity=quantity,
        price=price,
        measure=item.measure,
        barcode=req.barcode.strip() if req.barcode else None,
        taxgroup_id=item.taxgroup_id,
        price_type=price_type,
        seller_code=seller,
        age_confirmed=confirmed,
    )
