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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ukm_actors.domain.barcodes import WeightBarcode, decode_weight_barcode
from ukm_actors.domain.money import format_quantity, round_div
from ukm_actors.domain.restrictions import check_age, ensure_time_allowed
from ukm_actors.i18n import _
from ukm_actors.nodes.till.catalog.public import AddPrice, CatalogItem, Reader, TillCatalog
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.errors import BadRequest, ItemNotFound, NeedsAnswer, SaleError

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

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
    card: bool = False
    """A loyalty card is on the receipt (set by the sale, not by the request)."""
    certificate: str | None = None
    """A gift certificate's number, sold as a line of its series' ``article``; the line's
    barcode is the number (the sale's accrual activates it on the marketing server)."""


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
    price_name: str | None = None


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
            item = _label_item(catalog, weight.item_code, session)
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


def check_certificate(req: AddRequest, ctx: TillContext, on_receipt: Iterable[str | None]) -> None:
    """Refuse a certificate line that cannot be one: not a series' article (as this till's copy
    of the campaigns knows them), more than one piece, or a number already on the receipt."""
    if req.certificate is None:
        return
    promotions = ctx.services.promotions
    articles = promotions.certificate_articles() if promotions is not None else frozenset()
    if req.article not in articles:
        raise SaleError(
            _(
                "item {article} does not sell gift certificates (no certificate series of the "
                "marketing server has it)",
                article=req.article,
            ),
            code="sale.not_a_certificate",
            hint=_("a till learns a new series with its next copy of the campaigns"),
        )
    if req.quantity not in (None, 1000):
        raise BadRequest(_("a gift certificate is sold one at a time (quantity 1000)"))
    if req.certificate in on_receipt:
        raise SaleError(
            _("certificate {number} is already on this receipt", number=req.certificate),
            code="sale.certificate_twice",
        )


def _label_item(catalog: TillCatalog, code: str, session: Reader | None) -> CatalogItem | None:
    """The item a scale label's item code names: the article written as on the label, else
    the article of that number with any count of leading zeros ("00304" finds "304" and
    "000304")."""
    number = code.lstrip("0") or "0"
    for article in dict.fromkeys([code, number] + [number.zfill(n) for n in range(2, 21)]):
        item = catalog.item(article, session)
        if item is not None:
            return item
    return None


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


def _base_price(item: CatalogItem, card_only: bool) -> tuple[int, str | None]:
    if item.price is None:
        if card_only:
            raise SaleError(
                _(
                    "{name} (code {article}) is sold only at its loyalty-card price",
                    name=item.name,
                    article=item.article,
                ),
                code="sale.card_required",
                hint=_("scan the customer's loyalty card first"),
            )
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


def _chosen(item: CatalogItem, req: AddRequest, card: list[AddPrice]) -> AddPrice:
    """The additional price the cashier named in ``req.price_type``."""
    add = item.addprice(str(req.price_type))
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
    if add in card and not req.card:
        raise SaleError(
            _(
                "{name}: «{price}» is for loyalty card holders; there is no card on this receipt",
                name=item.name,
                price=add.name,
            ),
            code="sale.card_required",
            hint=_("scan the customer's loyalty card first, or sell at the store price"),
        )
    return add


def _price(item: CatalogItem, req: AddRequest, env: SaleEnv) -> tuple[int, str | None]:
    """The line's price: the store price, or an additional one. A loyalty-card price
    needs a card on the receipt: without one it is never offered, with one it applies
    by itself when it is the item's only additional price."""
    if not item.addprices:
        return _base_price(item, False)
    card = [a for a in item.addprices if env.is_card_price(a)]
    others = [a for a in item.addprices if not env.is_card_price(a)]
    if req.price_type is not None and req.price_type != BASE_PRICE:
        chosen = _chosen(item, req, card)
        return chosen.price, chosen.price_type
    offered = [*others, *(card if req.card else ())]
    if req.price_type == BASE_PRICE or not offered:
        return _base_price(item, bool(card))
    if not others and len(card) == 1:
        return card[0].price, card[0].price_type
    options: list[dict[str, Any]] = []
    if item.price is not None:
        options.append({"price_type": BASE_PRICE, "name": _("Store price"), "price": item.price})
    options.extend({"price_type": a.price_type, "name": a.name, "price": a.price} for a in offered)
    raise NeedsAnswer(
        _("{name} has {count} prices; choose one", name=item.name, count=len(options)),
        code="sale.choose_price",
        question={"kind": "price", "article": item.article, "options": options},
        hint=_('send the request again with "price_type"'),
    )


def card_price(item: CatalogItem, env: SaleEnv) -> AddPrice | None:
    """The item's loyalty-card price when it is its only additional price (what a line
    gets by itself once a card is on the receipt), else None."""
    if len(item.addprices) == 1 and env.is_card_price(item.addprices[0]):
        return item.addprices[0]
    return None


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
    price, price_type = _price(item, req, env)
    add = item.addprice(price_type) if price_type is not None else None
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
        barcode=req.certificate or (req.barcode.strip() if req.barcode else None),
        taxgroup_id=item.taxgroup_id,
        price_type=price_type,
        seller_code=seller,
        age_confirmed=confirmed,
        price_name=(add.name or None) if add is not None else None,
    )
