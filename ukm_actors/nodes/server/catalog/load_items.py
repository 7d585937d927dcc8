"""Loading ``updateItems``: items and their barcodes, in batches, unchanged items untouched.

Each batch reads the stored digests of its articles and writes only the
items that are new or differ, so a full file of a million items of which
ten changed writes ten rows (and the tills get ten). A barcode an item
claims from another item moves (that other item is marked changed). A
full file then deletes the items it did not contain; with them go their
barcodes, prices and additional prices (``ON DELETE CASCADE``), and the
tills get one ``del item`` each.

Duplicate keys within the file (an article or a barcode twice) are caught
by primary keys, of the tables themselves when they were empty, else of
temporary key tables: the loader then finds the exact lines (see
``loader``). No per-key index is kept in memory.

Whether an item is weighed, and its quantity step, come from its unit and
the configured rule (``domain.units.WeighRule``); ``measprec`` is stored as
received. What was assumed is reported once per file: the rule and the
measprec values seen, values the rule could not read, and items whose group
or tax group is not in the directories (they are loaded all the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from ukm_actors.codecs.ukm_import import ImportRecord, ItemRecord
from ukm_actors.codecs.ukm_schema import FULL, RECORD_TAGS
from ukm_actors.domain.units import SaleUnit, WeighRule
from ukm_actors.i18n import _
from ukm_actors.nodes.server.catalog.bulk import SeenKeys
from ukm_actors.nodes.server.catalog.change import Change, text_digest
from ukm_actors.nodes.server.catalog.tables_local import CHAIN

BATCH = 2000

ITEM_COLS = (
    "article",
    "name",
    "name_lc",
    "measure",
    "measprec",
    "step",
    "weighted",
    "group_id",
    "taxgroup_id",
    "egais_type",
    "alc_codes",
    "sub_excise",
    "min_price",
    "age_limit",
    "digest",
    "version",
)
BARCODE_COLS = ("barcode", "article", "quantity")
_DIGEST = ITEM_COLS.index("digest")

_TAGS = RECORD_TAGS["item"]


def item_row(r: ItemRecord, unit: SaleUnit, version: int) -> tuple[object, ...]:
    """The ``catalog_item`` row of record ``r`` sold as ``unit`` (with its digest)."""
    alc = ",".join(r.alc_codes)
    codes = ";".join([f"{b.barcode}*{b.quantity}" for b in r.barcodes])
    text = (
        f"{r.name}\x1f{r.measure}\x1f{r.measprec}\x1f{unit.step}\x1f{unit.weighed:d}\x1f"
        f"{r.group_id}\x1f{r.taxgroup_id}\x1f{r.egais_type}\x1f{alc}\x1f{r.sub_excise:d}\x1f"
        f"{r.min_price}\x1f{r.age_limit}\x1f{codes}"
    )
    return (
        r.article,
        r.name,
        r.name.lower(),
        r.measure,
        r.measprec,
        unit.step,
        unit.weighed,
        r.group_id,
        r.taxgroup_id,
        r.egais_type,
        alc,
        r.sub_excise,
        r.min_price,
        r.age_limit,
        text_digest(text),
        version,
    )


_NO_GROUP = _("group not in the item hierarchy; the item is loaded and keeps the code")
_NO_TAXGROUP = _(
    "tax group not in the tax directory; the item is loaded, no VAT is exported for it"
)


class ItemLoader:
    """Loads the records of one ``updateItems`` file into the change's transaction."""

    def __init__(
        self, change: Change, file: str, fullness: str, rule: WeighRule | None = None
    ) -> None:
        self.change = change
        self.rule = rule or WeighRule.of(())
        self.measprecs: Counter[str] = Counter()
        self.weighed = 0
        self.live = 0
        self.bulk = change.bulk
        self.file = file
        self.full = fullness == FULL
        self.groups = {r[0] for r in self.bulk.execute("SELECT id FROM catalog_group")}
        self.taxgroups = {r[0] for r in self.bulk.execute("SELECT id FROM catalog_tax_group")}
        self.fresh = not self.bulk.any_row("catalog_item")
        self.seen: SeenKeys | None = None
        self.seen_codes: SeenKeys | None = None
        if not self.fresh:
            # a fresh table's primary keys catch duplicates; otherwise these do
            self.seen = SeenKeys(self.bulk, "tmp_seen_items")
            self.seen_codes = SeenKeys(self.bulk, "tmp_seen_barcodes")
        self.unknown_deletes = 0
        self.unread_note = _(
            "not readable as the rule {rule} wants; the unit decides",
            rule=repr(self.rule.measprec),
        )

    def _check(self, line: int, r: ItemRecord) -> None:
        """Note what is assumed about item ``r`` (at ``line``)."""
        note = self.change.note
        if r.group_id and r.group_id not in self.groups:
            note(
                f"item/{_TAGS['group_id']}",
                _NO_GROUP,
                line,
                r.group_id,
            )
        if r.taxgroup_id and r.taxgroup_id not in self.taxgroups:
            note(
                f"item/{_TAGS['taxgroup_id']}",
                _NO_TAXGROUP,
                line,
                r.taxgroup_id,
            )
        unit = self.rule.decide(r.measure, r.measprec)
        if unit.unread:
            note(
                f"item/{_TAGS['measprec']}",
                self.unread_note,
                line,
                r.measprec,
            )
        self.measprecs["(absent)" if r.measprec is None else r.measprec] += 1
        self.live += 1
        self.weighed += unit.weighed

    def _report(self) -> None:
        if not self.live:
            return
        seen = ", ".join(f"{v!r} ({n})" for v, n in self.measprecs.most_common(8))
        more = len(self.measprecs) - 8
        if more > 0:
            seen = _("{values} and {more} more", values=seen, more=more)
        self.change.warn(
            _(
                "measprec values: {values}; {rule} ([server] weighed_units, import_measprec): "
                "{weighed} of {live} item(s) weighed",
                values=seen,
                rule=self.rule.describe(),
                weighed=self.weighed,
                live=self.live,
            )
        )

    def load(self, records: Iterator[tuple[int, ImportRecord]], step: Callable[[], None]) -> int:
        """Load every record; returns how many were read."""
        batch: list[ItemRecord] = []
        n = 0
        for line, r in records:
            step()
            if not isinstance(r, ItemRecord):
                continue
            if not r.deleted:
                self._check(line, r)
            batch.append(r)
            n += 1
            if len(batch) >= BATCH:
                self._flush(batch)
                batch = []
        self._flush(batch)
        if self.seen is not None and self.full:
            self._delete_absent(self.seen)
        for seen in (self.seen, self.seen_codes):
            if seen is not None:
                seen.drop()
        self._report()
        if self.unknown_deletes:
            self.change.warn(
                _(
                    "{n} deleted item(s) were not in the catalog (nothing to delete)",
                    n=self.unknown_deletes,
                )
            )
        return n

    def _flush(self, batch: list[ItemRecord]) -> None:
        if not batch:
            return
        version = self.change.version
        live = [r for r in batch if not r.deleted]
        gone = [r.article for r in batch if r.deleted]
        if self.seen is not None and self.seen_codes is not None:
            self.seen.add([(r.article,) for r in batch])
            self.seen_codes.add([(b.barcode,) for r in live for b in r.barcodes])
        decide = self.rule.decide
        rows = [item_row(r, decide(r.measure, r.measprec), version) for r in live]
        if self.fresh:
            changed = live
            self.bulk.insert("catalog_item", ITEM_COLS, rows)
            self.bulk.insert(
                "catalog_barcode",
                BARCODE_COLS,
                [(b.barcode, r.article, b.quantity) for r in changed for b in r.barcodes],
            )
        else:
            changed = self._write_changed(live, rows)
        if changed:
            self.change.touch("item", CHAIN, len(changed))
        if gone:
            self._delete(gone)

    def _write_changed(
        self, live: list[ItemRecord], rows: list[tuple[object, ...]]
    ) -> list[ItemRecord]:
        bulk = self.bulk
        stored = dict(
            bulk.select_in(
                "SELECT article, digest FROM catalog_item WHERE",
                "article",
                [r.article for r in live],
            )
        )
        changed: list[ItemRecord] = []
        changed_rows: list[tuple[object, ...]] = []
        for r, row in zip(live, rows, strict=True):
            if stored.get(r.article) != row[_DIGEST]:
                changed.append(r)
                changed_rows.append(row)
        if not changed:
            return changed
        articles = {r.article for r in changed}
        existing = [a for a in articles if a in stored]
        old_codes = {
            code
            for code, _a in bulk.select_in(
                "SELECT barcode, article FROM catalog_barcode WHERE", "article", existing
            )
        }
        new_codes = [(b.barcode, r.article, b.quantity) for r in changed for b in r.barcodes]
        losers = {
            owner
            for _code, owner in bulk.select_in(
                "SELECT barcode, article FROM catalog_barcode WHERE",
                "barcode",
                [c for c, _a, _q in new_codes],
            )
            if owner not in articles
        }
        bulk.upsert("catalog_item", ITEM_COLS, ("article",), changed_rows)
        bulk.delete_in("catalog_barcode", "article", existing)
        bulk.upsert("catalog_barcode", BARCODE_COLS, ("barcode",), new_codes)
        if losers:
            # they lost a barcode to an item of this file: send them again, compare anew next time
            for _ in bulk.select_in(
                "UPDATE catalog_item SET digest = 0, version = :p WHERE",
                "article",
                sorted(losers),
                (self.change.version,),
            ):
                pass
            self.change.touch("item", CHAIN, len(losers))
        removed = old_codes - {c for c, _a, _q in new_codes}
        self.change.tombstones("barcode", CHAIN, [(c,) for c in sorted(removed)])
        return changed

    def _delete(self, articles: list[str]) -> None:
        present = [
            a
            for (a,) in self.bulk.select_in(
                "SELECT article FROM catalog_item WHERE", "article", articles
            )
        ]
        self.unknown_deletes += len(articles) - len(present)
        if present:
            self.change.tombstones("item", CHAIN, [(a,) for a in present])
            self.bulk.delete_in("catalog_item", "article", present)

    def _delete_absent(self, seen: SeenKeys) -> None:
        absent = (
            f"FROM catalog_item WHERE NOT EXISTS "
            f"(SELECT 1 FROM {seen.name} s WHERE s.k0 = catalog_item.article)"
        )
        count = self.bulk.execute_count(
            "INSERT INTO catalog_tombstone (version, kind, store, key) "
            f"SELECT :p, :p, :p, article {absent}",
            (self.change.version, "item", CHAIN),
        )
        if count:
            self.bulk.execute_count(f"DELETE {absent}")
            self.change.touch("item", CHAIN, count)
