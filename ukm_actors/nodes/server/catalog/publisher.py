"""Catalog documents for the tills, written in the transaction of the change that caused them.

After a change (an import file, an admin action) every till it concerns
gets documents on its channel ``server>till-<store>-<number>``:

- chain-wide changes (items, barcodes, groups, taxes, chain-wide rules) go
  to every till; store-scoped ones (prices, additional prices, cashiers,
  sellers, the store's rules, the store record) only to that store's
  tills; settings only to their till;
- a delta holds exactly the rows the change wrote and ``del`` records for
  the rows it deleted (first, dependants before what they depend on);
- a till that is new or asked for a resync gets the whole catalog instead
  (its older catalog documents not yet acknowledged are marked superseded).

A document holds at most ``max_records`` records. Bigger deltas and
catalogs are cut into several documents: the first of a whole catalog is
``catalog.full`` (the till clears what it had), the others
``catalog.delta`` (they only add). Parts are cut along sections (items,
the store's prices) so that identical parts are identical bytes: the
outbox keeps one body per content hash, so the item parts of a catalog
are stored once for the whole chain and the price parts once per store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.models import OutboxEntry
from ukm_actors.codecs.catalogdoc import DELTA, FULL, CatalogRecord, encode
from ukm_actors.nodes.server.catalog import records
from ukm_actors.nodes.server.catalog.bulk import Bulk
from ukm_actors.nodes.server.catalog.change import Change
from ukm_actors.nodes.server.catalog.tables_local import CHAIN

SERVER_ID = "server"
MAX_RECORDS = 20_000
"""Default largest number of records in one catalog document."""


@dataclass(frozen=True)
class TillRef:
    node_id: str
    store: str

    @property
    def channel(self) -> str:
        return channel_name(SERVER_ID, self.node_id)


def tills(bulk: Bulk, only: Iterable[str] | None = None) -> list[TillRef]:
    """Enabled tills (all, or those in ``only``), by node id."""
    rows = bulk.execute(
        "SELECT node_id, store FROM catalog_till WHERE enabled = :p ORDER BY node_id", (True,)
    )
    wanted = set(only) if only is not None else None
    return [TillRef(n, s) for n, s in rows if wanted is None or n in wanted]


def _chunks(pages: Iterable[list[CatalogRecord]], size: int) -> Iterator[list[CatalogRecord]]:
    buf: list[CatalogRecord] = []
    for page in pages:
        buf.extend(page)
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


def _meta(records_: list[CatalogRecord], **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "records": len(records_),
        "items": sum(1 for r in records_ if r.kind == "item" and r.op == "put"),
    }


class Publisher:
    """Puts catalog documents for one change on the tills' channels (same transaction)."""

    def __init__(self, change: Change, max_records: int = MAX_RECORDS) -> None:
        self.change = change
        self.session = change.session
        self.bulk = change.bulk
        self.max = max(1, max_records)
        self.page = min(self.max, 2000)
        self.channels: set[str] = set()
        self.documents = 0

    def _put(self, targets: Iterable[TillRef], doc_type: str, body: bytes) -> None:
        """Queue ``body`` for every till of ``targets``, stored (and hashed) once."""
        put_stored = getattr(outbox, "put_stored", None)
        digest = outbox.store_blob(self.session, body) if put_stored is not None else None
        for till in targets:
            if put_stored is not None:
                put_stored(self.session, till.channel, doc_type, digest)
            else:
                outbox.put(self.session, till.channel, doc_type, body)
            self.channels.add(till.channel)
            self.documents += 1
            self.change.tick()

    # -- deltas ------------------------------------------------------------------

    def _scope(self, store: str) -> Iterator[list[CatalogRecord]]:
        v = self.change.version
        kinds = self.change.touched.get(store, set())
        if not kinds:
            return
        yield from records.deletions(self.bulk, v, store, self.page)
        yield from records.puts(self.bulk, v, store, kinds, self.page)

    def publish(self) -> set[str]:
        """Write the documents of the change; returns the channels to notify after commit."""
        everyone = tills(self.bulk)
        full = [t for t in everyone if t.node_id in self.change.full_for]
        rest = [t for t in everyone if t.node_id not in self.change.full_for]
        if rest:
            self._deltas(rest)
        if full:
            self.full(full)
        return self.channels

    def _deltas(self, targets: list[TillRef]) -> None:
        touched = self.change.touched
        stores = sorted({t.store for t in targets if t.store in touched})
        chain = CHAIN in touched
        settings_of = {t.node_id for t in targets if t.node_id in self.change.tills}
        if not chain and not stores and not settings_of:
            return
        meta = {"full": False, "change": self.change.version}
        if self.change.changes <= self.max:
            self._small_deltas(targets, meta)
            return
        if chain:
            for part in _chunks(self._scope(CHAIN), self.max):
                self._put(targets, DELTA, encode(_meta(part, **meta), part))
        for store in stores:
            mine = [t for t in targets if t.store == store]
            for part in _chunks(self._scope(store), self.max):
                self._put(mine, DELTA, encode(_meta(part, store=store, **meta), part))
        for till in targets:
            if till.node_id in settings_of:
                part = records.settings(self.bulk, till.node_id, self._dropped(till.node_id))
                self._put([till], DELTA, encode(_meta(part, store=till.store, **meta), part))

    def _dropped(self, node_id: str) -> list[str]:
        return sorted(self.change.dropped_settings.get(node_id, ()))

    def _small_deltas(self, targets: list[TillRef], meta: dict[str, Any]) -> None:
        chain = [r for page in self._scope(CHAIN) for r in page]
        by_store: dict[str, list[CatalogRecord]] = {}
        for till in targets:
            if till.store not in by_store:
                by_store[till.store] = [r for page in self._scope(till.store) for r in page]
            own = by_store[till.store]
            mine = (
                records.settings(self.bulk, till.node_id, self._dropped(till.node_id))
                if till.node_id in self.change.tills
                else []
            )
            recs = chain + own + mine
            if not recs:
                continue
            extra = dict(meta) if not own and not mine else {**meta, "store": till.store}
            self._put([till], DELTA, encode(_meta(recs, **extra), recs))

    # -- whole catalogs ---------------------------------------------------------------

    def full(self, targets: list[TillRef]) -> None:
        """Whole catalogs for ``targets`` (their older catalog documents become superseded)."""
        for till in targets:
            self.session.execute(
                update(OutboxEntry)
                .where(
                    OutboxEntry.channel == till.channel,
                    OutboxEntry.doc_type.in_((FULL, DELTA)),
                    OutboxEntry.acked.is_(False),
                )
                .values(superseded=True)
                .execution_options(synchronize_session=False)
            )
        total_items = self.bulk.count("catalog_item")
        for store in sorted({t.store for t in targets}):
            mine = [t for t in targets if t.store == store]
            self._full_store(store, mine, total_items)

    def _header(self, store: str) -> list[CatalogRecord]:
        out: list[CatalogRecord] = []
        for kind in ("store",):
            out.extend(
                r
                for page in records.store_kind(self.bulk, kind, store, None, self.page)
                for r in page
            )
        for kind in ("tax", "taxgroup", "group"):
            out.extend(
                r for page in records.chain_kind(self.bulk, kind, None, self.page) for r in page
            )
        for kind in ("cashier", "seller", "timerule", "agerule"):
            out.extend(
                r
                for page in records.store_kind(self.bulk, kind, store, None, self.page)
                for r in page
            )
        for kind in ("timerule", "agerule"):
            out.extend(
                r
                for page in records.store_kind(self.bulk, kind, CHAIN, None, self.page)
                for r in page
            )
        return out

    def _prices(self, store: str) -> Iterator[list[CatalogRecord]]:
        for kind in ("price", "addprice"):
            yield from records.store_kind(self.bulk, kind, store, None, self.page)

    def _full_store(self, store: str, targets: list[TillRef], total_items: int) -> None:
        header = self._header(store)
        prices = self.bulk.count("catalog_price", "store = :p", (store,)) + self.bulk.count(
            "catalog_addprice", "store = :p", (store,)
        )
        if len(header) + total_items + prices + 20 <= self.max:
            body_common = header + [
                r for page in records.items(self.bulk, None, self.page) for r in page
            ]
            body_common += [r for page in self._prices(store) for r in page]
            for till in targets:
                recs = body_common + records.settings(self.bulk, till.node_id)
                meta = _meta(recs, full=True, store=store, part=1, parts=1)
                self._put([till], FULL, encode(meta, recs))
            return
        item_parts = -(-total_items // self.max)
        price_parts = -(-prices // self.max)
        parts = 1 + item_parts + price_parts
        for till in targets:
            recs = header + records.settings(self.bulk, till.node_id)
            meta = _meta(recs, full=True, store=store, part=1, parts=parts)
            self._put([till], FULL, encode(meta, recs))
        for k, part in enumerate(_chunks(records.items(self.bulk, None, self.page), self.max), 1):
            meta = _meta(part, full=False, section="items", part=k, of=item_parts)
            self._put(targets, DELTA, encode(meta, part))
        for k, part in enumerate(_chunks(self._prices(store), self.max), 1):
            meta = _meta(part, full=False, section="prices", store=store, part=k, of=price_parts)
            self._put(targets, DELTA, encode(meta, part))


def publish(change: Change, max_records: int = MAX_RECORDS) -> set[str]:
    """Write the catalog documents of ``change``; returns the channels to notify after commit."""
    return Publisher(change, max_records).publish()
