"""Loading the store-scoped types: storeCashiers, storeSellers, storeRestrictions, storePrices.

Each file belongs to one store (its root ``storeId``) and a full file
replaces only what the trade system sent for that store before: rows an
employee made in the admin API (``source = "admin"``) stay. Prices can be
a million rows per store and go in batches like items; the rest is small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ukm_actors.codecs.ukm_import import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    CashierRecord,
    ImportRecord,
    PriceRecord,
    SellerRecord,
    TimeRestrictionRecord,
)
from ukm_actors.codecs.ukm_schema import FULL, RECORD_TAGS
from ukm_actors.domain.passwords import hash_cashier_password, verify_password
from ukm_actors.exchange.catalog import rule_code, rule_id
from ukm_actors.i18n import _
from ukm_actors.nodes.server.catalog.bulk import SeenKeys
from ukm_actors.nodes.server.catalog.change import Change
from ukm_actors.nodes.server.catalog.sync import Key, Row, sync_table
from ukm_actors.nodes.server.catalog.tables_local import IMPORT

Records = Iterator[tuple[int, ImportRecord]]
Step = Callable[[], None]
BATCH = 2000

_NO_ARTICLE = _("article not in the catalog; this price is not loaded")


def load_cashiers(
    change: Change, file: str, store: str, full: bool, records: Records, step: Step
) -> int:
    """``storeCashiers``: passwords are stored as hashes (an unchanged password keeps its hash)."""
    bulk = change.bulk
    roles = {int(r[0]) for r in bulk.execute("SELECT id FROM catalog_cashier_role")}
    hashes = {
        int(i): str(h)
        for i, h in bulk.execute(
            "SELECT id, password_hash FROM catalog_cashier WHERE store = :p", (store,)
        )
    }
    incoming: dict[Key, Row] = {}
    deletes: list[Key] = []
    n = 0
    for line, r in records:
        step()
        n += 1
        assert isinstance(r, CashierRecord)
        if r.deleted:
            deletes.append((store, r.id))
            continue
        if r.role_id not in roles:
            change.note(
                f"cashier/{RECORD_TAGS['cashier']['role_id']}",
                _(
                    "role not defined on this cash server (defined: {roles}); the cashier is "
                    "loaded with no rights until the role is defined ({call})",
                    roles=", ".join(str(x) for x in sorted(roles)),
                    call="PUT /api/v1/cashier-roles/{id}",
                ),
                line,
                str(r.role_id),
            )
        old = hashes.get(r.id)
        pw = old if old is not None and verify_password(r.password, old) else None
        incoming[(store, r.id)] = (
            store,
            r.id,
            r.name,
            r.role_id,
            r.inn,
            pw or hash_cashier_password(r.password),
            IMPORT,
        )
    sync_table(
        change,
        "catalog_cashier",
        ("store", "id"),
        ("store", "id", "name", "role_id", "inn", "password_hash", "source"),
        incoming,
        full=full,
        deletes=deletes,
        where="store = :p AND source = :p",
        params=(store, IMPORT),
        doc_kind="cashier",
        store=store,
        tomb=lambda k: (str(k[1]),),
        extra={"enabled": True, "rights": None},
    )
    return n


def load_sellers(change: Change, store: str, full: bool, records: Records, step: Step) -> int:
    """``storeSellers``: the sales consultants of the store."""
    incoming: dict[Key, Row] = {}
    deletes: list[Key] = []
    n = 0
    for _line, r in records:
        step()
        n += 1
        assert isinstance(r, SellerRecord)
        if r.deleted:
            deletes.append((store, r.id))
        else:
            incoming[(store, r.id)] = (store, r.id, r.name, r.inn)
    sync_table(
        change,
        "catalog_seller",
        ("store", "id"),
        ("store", "id", "name", "inn"),
        incoming,
        full=full,
        deletes=deletes,
        where="store = :p",
        params=(store,),
        doc_kind="seller",
        store=store,
        tomb=lambda k: (str(k[1]),),
    )
    return n


RULE_COLS = (
    "store",
    "kind",
    "code",
    "article",
    "group_id",
    "time_from",
    "time_to",
    "days",
    "min_age",
    "message",
    "source",
)


def load_restrictions(change: Change, file: str, store: str, records: Records, step: Step) -> int:
    """``storeRestrictions`` (always full): the store's imported time and age rules."""
    bulk = change.bulk
    rules: list[tuple[int, TimeRestrictionRecord | AgeRestrictionRecord]] = []
    for line, r in records:
        step()
        assert isinstance(r, TimeRestrictionRecord | AgeRestrictionRecord)
        rules.append((line, r))
    articles = sorted({r.article for _l, r in rules if r.article})
    groups = sorted({r.group_id for _l, r in rules if r.group_id})
    known_items = {
        a for (a,) in bulk.select_in("SELECT article FROM catalog_item WHERE", "article", articles)
    }
    known_groups = {
        g for (g,) in bulk.select_in("SELECT id FROM catalog_group WHERE", "id", groups)
    }
    by_kind: dict[str, dict[Key, Row]] = {"time": {}, "age": {}}
    for line, r in rules:
        tags = RECORD_TAGS[
            "timeRestriction" if isinstance(r, TimeRestrictionRecord) else "ageRestriction"
        ]
        element = tags["element"]
        if r.article is not None and r.article not in known_items:
            change.note(
                f"{element}/{tags['article']}",
                _("article not in the catalog; the rule is loaded and applies once it is"),
                line,
                r.article,
            )
        if r.group_id is not None and r.group_id not in known_groups:
            change.note(
                f"{element}/{tags['group_id']}",
                _("group not in the item hierarchy; the rule is loaded and applies once it is"),
                line,
                r.group_id,
            )
        if isinstance(r, TimeRestrictionRecord):
            kind = "time"
            code = rule_code(r)
            row: Row = (
                store,
                kind,
                code,
                r.article,
                r.group_id,
                r.start,
                r.end,
                r.days,
                None,
                r.message,
                IMPORT,
            )
        else:
            kind = "age"
            code = rule_code(r)
            row = (
                store,
                kind,
                code,
                r.article,
                r.group_id,
                None,
                None,
                None,
                r.min_age,
                r.message,
                IMPORT,
            )
        by_kind[kind][(store, kind, code)] = row
    for kind, doc_kind in (("time", "timerule"), ("age", "agerule")):
        sync_table(
            change,
            "catalog_restriction",
            ("store", "kind", "code"),
            RULE_COLS,
            by_kind[kind],
            full=True,
            where="store = :p AND kind = :p AND source = :p",
            params=(store, kind, IMPORT),
            doc_kind=doc_kind,
            store=store,
            tomb=lambda k: (rule_id(str(k[0]), str(k[2])),),
        )
    return len(rules)


class PriceLoader:
    """``storePrices``: prices and additional prices of one store, in batches."""

    def __init__(self, change: Change, file: str, store: str, fullness: str) -> None:
        self.change = change
        self.bulk = change.bulk
        self.file = file
        self.store = store
        full = fullness == FULL
        where = ("store = :p", (store,))
        self.fresh_p = not self.bulk.any_row("catalog_price", *where)
        self.fresh_a = not self.bulk.any_row("catalog_addprice", *where)
        self.full = full
        self.seen_p = None if self.fresh_p else SeenKeys(self.bulk, "tmp_seen_prices")
        self.seen_a = None if self.fresh_a else SeenKeys(self.bulk, "tmp_seen_addprices", 2)

    def load(self, records: Records, step: Step) -> int:
        batch: list[tuple[int, PriceRecord | AdditionalPriceRecord]] = []
        n = 0
        for line, r in records:
            step()
            assert isinstance(r, PriceRecord | AdditionalPriceRecord)
            batch.append((line, r))
            n += 1
            if len(batch) >= BATCH:
                self._flush(batch)
                batch = []
        self._flush(batch)
        for seen, table, kind, keys in (
            (self.seen_p, "catalog_price", "price", "p.article = s.k0"),
            (
                self.seen_a,
                "catalog_addprice",
                "addprice",
                "p.article = s.k0 AND p.price_type = s.k1",
            ),
        ):
            if seen is not None:
                if self.full:
                    self._delete_absent(seen, table, kind, keys)
                seen.drop()
        return n

    def _known_only(
        self, batch: list[tuple[int, PriceRecord | AdditionalPriceRecord]]
    ) -> list[tuple[int, PriceRecord | AdditionalPriceRecord]]:
        """The records whose article is in the catalog; the others are noted and left out."""
        wanted = sorted({r.article for _l, r in batch if not r.deleted})
        known = {
            a
            for (a,) in self.bulk.select_in(
                "SELECT article FROM catalog_item WHERE", "article", wanted
            )
        }
        kept = []
        for line, r in batch:
            if not r.deleted and r.article not in known:
                kind = "price" if isinstance(r, PriceRecord) else "additionalPrice"
                self.change.note(
                    f"{RECORD_TAGS[kind]['element']}/{RECORD_TAGS[kind]['article']}",
                    _NO_ARTICLE,
                    line,
                    r.article,
                )
                continue
            kept.append((line, r))
        return kept

    def _flush(self, batch: list[tuple[int, PriceRecord | AdditionalPriceRecord]]) -> None:
        if not batch:
            return
        seen = self._known_only(batch)
        prices = [r for _l, r in seen if isinstance(r, PriceRecord)]
        extras = [r for _l, r in seen if isinstance(r, AdditionalPriceRecord)]
        self._prices(prices)
        self._extras(extras)

    def _prices(self, records: list[PriceRecord]) -> None:
        bulk, store, version = self.bulk, self.store, self.change.version
        live = [r for r in records if not r.deleted]
        gone = [r.article for r in records if r.deleted]
        if self.seen_p is not None:
            self.seen_p.add([(r.article,) for r in records])
        stored: dict[str, int] = {}
        if not self.fresh_p:
            stored = dict(
                bulk.select_in(
                    "SELECT article, price FROM catalog_price WHERE store = :p AND",
                    "article",
                    [r.article for r in records],
                    (store,),
                )
            )
        rows = [
            (store, r.article, r.price, version) for r in live if stored.get(r.article) != r.price
        ]
        cols = ("store", "article", "price", "version")
        if self.fresh_p:
            bulk.insert("catalog_price", cols, rows)
        else:
            bulk.upsert("catalog_price", cols, ("store", "article"), rows)
        if rows:
            self.change.touch("price", store, len(rows))
        present = [a for a in gone if a in stored]
        if present:
            self.change.tombstones("price", store, [(a,) for a in present])
            bulk.delete_in("catalog_price", "article", present, "store = :p", (store,))

    def _extras(self, records: list[AdditionalPriceRecord]) -> None:
        bulk, store, version = self.bulk, self.store, self.change.version
        if not records:
            return
        live = [r for r in records if not r.deleted]
        if self.seen_a is not None:
            self.seen_a.add([(r.article, r.price_type) for r in records])
        stored: dict[tuple[str, str], tuple[str, int]] = {}
        if not self.fresh_a:
            for a, t, name, price in bulk.select_in(
                "SELECT article, price_type, name, price FROM catalog_addprice "
                "WHERE store = :p AND",
                "article",
                sorted({r.article for r in records}),
                (store,),
            ):
                stored[(a, t)] = (name, price)
        rows = [
            (store, r.article, r.price_type, r.name, r.price, version)
            for r in live
            if stored.get((r.article, r.price_type)) != (r.name, r.price)
        ]
        cols = ("store", "article", "price_type", "name", "price", "version")
        if self.fresh_a:
            bulk.insert("catalog_addprice", cols, rows)
        else:
            bulk.upsert("catalog_addprice", cols, ("store", "article", "price_type"), rows)
        if rows:
            self.change.touch("addprice", store, len(rows))
        present = [
            (r.article, r.price_type)
            for r in records
            if r.deleted and (r.article, r.price_type) in stored
        ]
        if present:
            self.change.tombstones("addprice", store, present)
            bulk.executemany(
                "DELETE FROM catalog_addprice "
                "WHERE store = :p AND article = :p AND price_type = :p",
                [(store, a, t) for a, t in present],
            )

    def _delete_absent(self, seen: SeenKeys, table: str, kind: str, match: str) -> None:
        key2 = "p.price_type" if kind == "addprice" else "NULL"
        absent = (
            f"FROM {table} p WHERE p.store = :p AND NOT EXISTS "
            f"(SELECT 1 FROM {seen.name} s WHERE {match})"
        )
        count = self.bulk.execute_count(
            "INSERT INTO catalog_tombstone (version, kind, store, key, key2) "
            f"SELECT :p, :p, p.store, p.article, {key2} {absent}",
            (self.change.version, kind, self.store),
        )
        if count:
            self.bulk.execute_count(
                f"DELETE FROM {table} WHERE store = :p AND NOT EXISTS "
                f"(SELECT 1 FROM {seen.name} s WHERE {match.replace('p.', table + '.')})",
                (self.store,),
            )
            self.change.touch(kind, self.store, count)
