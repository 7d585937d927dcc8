"""Reading the till's catalog: items by barcode or article, rules, cashiers, settings.

``TillCatalog`` is one object per till (``ctx.services.catalog``). Item
and barcode lookups go to the database every time (primary-key reads, well
under a millisecond on 200,000 items). The small directories (groups,
restrictions, settings, taxes, the store) are kept in memory and reloaded
after a catalog document commits (``changed()``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from ukm_actors.db import Database
from ukm_actors.domain.restrictions import AgeRule, RestrictionError, TimeRule, strictest_age
from ukm_actors.domain.rights import Right
from ukm_actors.i18n import _
from ukm_actors.nodes.till.catalog.tables import (
    CatAddPrice,
    CatAgeRule,
    CatBarcode,
    CatCashier,
    CatGroup,
    CatItem,
    CatMeta,
    CatPrice,
    CatSeller,
    CatSetting,
    CatStore,
    CatTax,
    CatTaxGroup,
    CatTimeRule,
)

log = logging.getLogger(__name__)

Reader = Session | Connection
"""Lookups run on a session or on a plain Core connection."""

_ITEM = CatItem.__table__
_PRICE = CatPrice.__table__
_ADD = CatAddPrice.__table__
_BARCODE = CatBarcode.__table__

_BY_BARCODE = select(_BARCODE.c.article, _BARCODE.c.quantity).where(
    _BARCODE.c.barcode == bindparam("code")
)
_ITEM_BY_ARTICLE = (
    select(_ITEM, _PRICE.c.price)
    .select_from(_ITEM.outerjoin(_PRICE, _PRICE.c.article == _ITEM.c.article))
    .where(_ITEM.c.article == bindparam("article"))
)
_ITEM_BY_BARCODE = (
    select(
        _BARCODE.c.article.label("bc_article"),
        _BARCODE.c.quantity.label("bc_quantity"),
        _ITEM,
        _PRICE.c.price,
    )
    .select_from(
        _BARCODE.outerjoin(_ITEM, _ITEM.c.article == _BARCODE.c.article).outerjoin(
            _PRICE, _PRICE.c.article == _BARCODE.c.article
        )
    )
    .where(_BARCODE.c.barcode == bindparam("code"))
)
_ADDPRICES = (
    select(_ADD.c.price_type, _ADD.c.name, _ADD.c.price)
    .where(_ADD.c.article == bindparam("article"))
    .order_by(_ADD.c.price_type)
)


@dataclass(frozen=True)
class AddPrice:
    """One of an item's additional prices."""

    price_type: str
    name: str
    price: int


@dataclass(frozen=True)
class CatalogItem:
    """An item as the sale needs it: its directory fields, price and additional prices."""

    article: str
    name: str
    measure: str
    step: int
    weighted: bool
    group_id: str | None
    taxgroup_id: str | None
    min_price: int
    age_limit: int
    price: int | None
    addprices: tuple[AddPrice, ...] = ()

    def addprice(self, price_type: str) -> AddPrice | None:
        """The additional price of type ``price_type``, or None."""
        return next((a for a in self.addprices if a.price_type == price_type), None)


@dataclass(frozen=True)
class CashierRecord:
    """A cashier from the server's directory."""

    code: str
    name: str
    password_hash: str
    rights: frozenset[Right]
    enabled: bool
    card: str | None


@dataclass(frozen=True)
class StoreInfo:
    code: str
    name: str
    timezone: str


@dataclass
class _Small:
    groups: dict[str, str | None]
    time_rules: list[tuple[str | None, str | None, TimeRule]]
    age_rules: list[tuple[str | None, str | None, AgeRule]]
    settings: dict[str, Any]
    store: StoreInfo | None
    tax_rates: dict[str, int]
    revision: int = 0
    """The catalog's revision these were read at."""


def _time(text: str) -> time:
    hh, _, mm = text.partition(":")
    return time(int(hh), int(mm))


def _rights(raw: str, code: str) -> frozenset[Right]:
    out: set[Right] = set()
    for name in json.loads(raw or "[]"):
        try:
            out.add(Right(str(name).strip().lower()))
        except ValueError:
            log.warning("cashier %s: unknown right %r ignored", code, name)
    return frozenset(out)


class TillCatalog:
    """The till's catalog, read side."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.version = 0
        self._small: _Small | None = None
        self._cashiers: dict[str, CashierRecord | None] = {}
        self.updating = 0
        """Catalog documents or exchange files being applied now (``applying()``)."""
        self.listeners: list[Callable[[], None]] = []
        """Called after each catalog commit (``changed()``); they must not block."""

    @contextmanager
    def applying(self) -> Iterator[None]:
        """Mark a catalog change in progress (the sale tells the cashier why it waits)."""
        self.updating += 1
        try:
            yield
        finally:
            self.updating -= 1

    def changed(self) -> None:
        """A catalog document was committed: forget what is cached, tell the listeners."""
        self.version += 1
        self._small = None
        self._cashiers = {}
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:
                log.exception("a catalog listener failed")

    def stale(self) -> bool:
        """Whether the cached directories are of an older revision than the database's: a
        commit that ``changed()`` was not told of (then call it)."""
        small = self._small
        if small is None:
            return False
        with self.db.read() as s:
            found = s.execute(select(CatMeta.revision).where(CatMeta.id == 1)).scalar()
        return int(found or 0) != small.revision

    @contextmanager
    def _session(self, session: Reader | None) -> Iterator[Reader]:
        if session is not None:
            yield session
            return
        with self.db.read() as s:
            yield s

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        """A read-only Core connection: cheaper than a session for a burst of lookups."""
        with self.db.engine.connect() as conn:
            try:
                yield conn
            finally:
                conn.rollback()

    # -- items -------------------------------------------------------------------

    def find_barcode(self, code: str, session: Reader | None = None) -> tuple[str, int] | None:
        """``(article, quantity)`` of a registered barcode, or None."""
        with self._session(session) as s:
            row = s.execute(_BY_BARCODE, {"code": code}).first()
        return None if row is None else (str(row[0]), int(row[1]))

    def item(self, article: str, session: Reader | None = None) -> CatalogItem | None:
        """The item with its price and additional prices, or None when unknown."""
        with self._session(session) as s:
            row = s.execute(_ITEM_BY_ARTICLE, {"article": article}).first()
            return None if row is None else self._item(s, row._mapping)

    def item_by_barcode(
        self, code: str, session: Reader | None = None
    ) -> tuple[CatalogItem | None, str, int] | None:
        """``(item, article, quantity)`` for a registered barcode (item None: the barcode
        names an article that is not in the catalog), or None for an unknown barcode."""
        with self._session(session) as s:
            row = s.execute(_ITEM_BY_BARCODE, {"code": code}).first()
            if row is None:
                return None
            m = row._mapping
            if m["name"] is None:
                return None, str(m["bc_article"]), int(m["bc_quantity"])
            return self._item(s, m), str(m["bc_article"]), int(m["bc_quantity"])

    def _item(self, s: Reader, m: Any) -> CatalogItem:
        adds = s.execute(_ADDPRICES, {"article": m["article"]}).all()
        return CatalogItem(
            article=m["article"],
            name=m["name"],
            measure=m["measure"],
            step=m["step"] or 1000,
            weighted=bool(m["weighted"]),
            group_id=m["group_id"],
            taxgroup_id=m["taxgroup_id"],
            min_price=m["min_price"] or 0,
            age_limit=m["age_limit"] or 0,
            price=m["price"],
            addprices=tuple(AddPrice(a[0], a[1], int(a[2])) for a in adds),
        )

    # -- small directories ----------------------------------------------------------

    def _load(self) -> _Small:
        small = self._small
        if small is not None:
            return small
        version = self.version
        with self.db.read() as s:
            groups = {g.id: g.parent_id for g in s.scalars(select(CatGroup))}
            time_rules: list[tuple[str | None, str | None, TimeRule]] = []
            for r in s.scalars(select(CatTimeRule).order_by(CatTimeRule.id)):
                try:
                    days = frozenset(json.loads(r.days)) if r.days else None
                    rule = TimeRule(r.id, _time(r.start), _time(r.end), r.message, days)
                except (RestrictionError, ValueError) as exc:
                    log.warning("time restriction %s ignored: %s", r.id, exc)
                    continue
                time_rules.append((r.article, r.group_id, rule))
            age_rules: list[tuple[str | None, str | None, AgeRule]] = []
            for a in s.scalars(select(CatAgeRule).order_by(CatAgeRule.id)):
                try:
                    age_rules.append((a.article, a.group_id, AgeRule(a.id, a.min_age, a.message)))
                except RestrictionError as exc:
                    log.warning("age restriction %s ignored: %s", a.id, exc)
            settings = {row.key: json.loads(row.value) for row in s.scalars(select(CatSetting))}
            store_row = s.scalars(select(CatStore)).first()
            store = (
                None
                if store_row is None
                else StoreInfo(store_row.code, store_row.name, store_row.timezone)
            )
            taxes = {t.id: t.rate_bp for t in s.scalars(select(CatTax))}
            rates = {g.id: taxes.get(g.tax_id or "", 0) for g in s.scalars(select(CatTaxGroup))}
            revision = s.execute(select(CatMeta.revision).where(CatMeta.id == 1)).scalar()
        small = _Small(groups, time_rules, age_rules, settings, store, rates, int(revision or 0))
        if version == self.version:
            self._small = small
        return small

    def _ancestry(self, group_id: str | None) -> set[str]:
        groups = self._load().groups
        out: set[str] = set()
        while group_id is not None and group_id not in out:
            out.add(group_id)
            group_id = groups.get(group_id)
        return out

    def _applies(self, article: str | None, group_id: str | None, item: CatalogItem) -> bool:
        if article is None and group_id is None:
            return True
        if article is not None and article == item.article:
            return True
        return group_id is not None and group_id in self._ancestry(item.group_id)

    def time_rules(self, item: CatalogItem) -> list[TimeRule]:
        """The time-of-day restrictions that apply to ``item``."""
        return [
            rule
            for article, group_id, rule in self._load().time_rules
            if self._applies(article, group_id, item)
        ]

    def age_rule(self, item: CatalogItem) -> AgeRule | None:
        """The strictest age restriction on ``item`` (its own age limit included), or None."""
        rules = [
            rule
            for article, group_id, rule in self._load().age_rules
            if self._applies(article, group_id, item)
        ]
        if item.age_limit > 0:
            rules.append(
                AgeRule(
                    f"item:{item.article}",
                    item.age_limit,
                    _(
                        "{name} is sold only to buyers aged {age} or over",
                        name=item.name,
                        age=item.age_limit,
                    ),
                )
            )
        return strictest_age(rules)

    def setting(self, key: str, default: Any = None) -> Any:
        """A till setting sent by the server, or ``default``."""
        return self._load().settings.get(key, default)

    def store(self) -> StoreInfo | None:
        """The store record, once a catalog has arrived."""
        return self._load().store

    def tax_rates(self) -> dict[str, int]:
        """Tax group → VAT rate in basis points."""
        return dict(self._load().tax_rates)

    # -- people ----------------------------------------------------------------------

    def cashier(self, code: str) -> CashierRecord | None:
        """The cashier with ``code``, or None (as of the last catalog document applied)."""
        cache = self._cashiers
        if code in cache:
            return cache[code]
        with self.db.read() as s:
            row = s.get(CatCashier, code)
            rec = None if row is None else self._cashier(row)
        if cache is self._cashiers:
            cache[code] = rec
        return rec

    def cashier_by_card(self, card: str) -> CashierRecord | None:
        """The cashier whose login card is ``card``, or None."""
        with self.db.read() as s:
            row = s.scalars(select(CatCashier).where(CatCashier.card == card)).first()
            return None if row is None else self._cashier(row)

    def _cashier(self, row: CatCashier) -> CashierRecord:
        return CashierRecord(
            code=row.code,
            name=row.name,
            password_hash=row.password_hash,
            rights=_rights(row.rights, row.code),
            enabled=bool(row.enabled),
            card=row.card,
        )

    def seller(self, code: str) -> str | None:
        """The seller's name, or None when there is no such seller."""
        with self.db.read() as s:
            row = s.get(CatSeller, code)
            return None if row is None else row.name
