"""Building the next catalog beside the live one, then switching to it at once.

A catalog that replaces tables whole (the server's ``catalog.full`` and the
parts that follow it, or a full exchange file) is not written into the live
tables as it arrives. Its records go into the staging tables
(``stagetables``), in transactions of ``CHUNK`` records with the node
yielding between them, so the sale reads and writes meanwhile (on SQLite one
transaction writes at a time). When the last part is in, one transaction
switches (``switch``): each live table becomes what its staging table holds,
rows gone deleted, new ones inserted, changed ones updated and the others
left alone, in statements of at most ``SWITCH_KEYS`` keys with yields between.
A scan sees the old catalog or the new one, never a part of it.

A big change of single records (an incremental exchange file) goes the same
way: the live tables it may touch are copied into the staging tables
(``mirror``, in transactions of ``MIRROR_KEYS`` keys), the change is applied to
the copy in transactions of ``CHUNK`` records, and the switch makes the live
tables what the copy became.

Every step may be repeated after a crash (kill -9): writing a part again
leaves the staging tables as writing it once did (a put or a delete of a key
gives the same row whatever was there), and until the switch commits the
live catalog is untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Table, delete, exists, or_, select, text, true, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.db import Database, yield_now
from ukm_actors.nodes.till.catalog.bulkdelta import BulkDelta
from ukm_actors.nodes.till.catalog.stagetables import STAGE_OF, CatStaging
from ukm_actors.nodes.till.catalog.tables import LIVE_OF

CHUNK = 2000
"""Records written into the staging tables per transaction."""
SWITCH_KEYS = 5000
"""Keys compared per statement of the switch."""
MIRROR_KEYS = 10_000
"""Rows copied from a live table into its staging table per transaction (``mirror``)."""
SERVER = "server"
FOLDER = "folder"

Numbered = Iterable[tuple[int, CatalogRecord]]


@dataclass(frozen=True)
class Staging:
    """The catalog being built for one source (a copy of its ``till_cat_staging`` row)."""

    source: str
    ref: str
    kinds: tuple[str, ...]
    first_seq: int
    last_seq: int
    staged_seq: int
    records: int
    started_at: str

    def covers(self, channel: str, seq: int) -> bool:
        """``seq`` of ``channel`` is one of this catalog's parts."""
        return self.ref == channel and self.first_seq <= seq <= self.last_seq

    def begun(self) -> bool:
        """Its first part (the ``catalog.full``) is in: later parts build on it."""
        return self.staged_seq >= self.first_seq

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "from": self.ref,
            "records": self.records,
            "started_at": self.started_at,
        }
        if self.source == SERVER:
            out.update(
                parts=self.last_seq - self.first_seq + 1,
                staged=max(0, self.staged_seq - self.first_seq + 1),
                first_seq=self.first_seq,
            )
        return out


def current(session: Session, source: str) -> Staging | None:
    """The catalog ``source`` is building, or None."""
    row = session.get(CatStaging, source)
    if row is None:
        return None
    return Staging(
        row.source,
        row.ref,
        tuple(json.loads(row.kinds)),
        row.first_seq,
        row.last_seq,
        row.staged_seq,
        row.records,
        row.started_at,
    )


def everything(session: Session) -> list[Staging]:
    """Every catalog being built now."""
    sources = session.execute(select(CatStaging.source).order_by(CatStaging.source)).scalars()
    return [s for s in (current(session, src) for src in list(sources)) if s is not None]


def overlaps(session: Session, source: str, kinds: Iterable[str]) -> Staging | None:
    """Another source's catalog being built over some of ``kinds`` (their staging tables
    are shared), or None."""
    wanted = set(kinds)
    for other in everything(session):
        if other.source != source and wanted & set(other.kinds):
            return other
    return None


def begin(
    session: Session,
    source: str,
    ref: str,
    kinds: Iterable[str],
    first_seq: int = 0,
    last_seq: int = 0,
) -> Staging:
    """Start building a catalog of ``kinds`` for ``source`` (what the staging tables held
    for them is cleared)."""
    kinds = tuple(kinds)
    clear(session, kinds)
    session.execute(delete(CatStaging).where(CatStaging.source == source))
    started = datetime.now(UTC).isoformat(timespec="seconds")
    session.add(
        CatStaging(
            source=source,
            ref=ref,
            kinds=json.dumps(list(kinds)),
            first_seq=first_seq,
            last_seq=last_seq,
            staged_seq=first_seq - 1,
            records=0,
            started_at=started,
        )
    )
    session.flush()
    return Staging(source, ref, kinds, first_seq, last_seq, first_seq - 1, 0, started)


def mark_staged(session: Session, source: str, seq: int, records: int) -> None:
    """Part ``seq`` (``records`` of them) is in the staging tables."""
    row = session.get(CatStaging, source)
    if row is not None:
        row.staged_seq = seq
        row.records = (row.records or 0) + records
        session.flush()


def forget(session: Session, source: str) -> None:
    """The catalog ``source`` was building is switched to: its row goes."""
    session.execute(delete(CatStaging).where(CatStaging.source == source))


def abandon(session: Session, source: str) -> None:
    """Forget the catalog ``source`` was building (the live one stays as it is)."""
    staging = current(session, source)
    if staging is not None:
        clear(session, staging.kinds)
        session.execute(delete(CatStaging).where(CatStaging.source == source))


def clear(session: Session, kinds: Iterable[str]) -> None:
    tables = [STAGE_OF[k] for k in dict.fromkeys(kinds)]
    if not tables:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("TRUNCATE " + ", ".join(t.name for t in tables)))
        return
    for table in tables:
        session.execute(delete(table))


# -- writing ---------------------------------------------------------------------------


def write(session: Session, records: Numbered, *, full: bool) -> int:
    """Put ``records`` into the staging tables in ``session`` (a full document's
    ``del`` records are skipped: in a whole catalog a record absent is gone)."""
    bulk = BulkDelta(session, STAGE_OF)
    n = 0
    for line, rec in records:
        if full and rec.op == "del":
            continue
        bulk.add(rec, line)
        n += 1
    bulk.flush()
    return n


def write_chunked(db: Database, records: Numbered, *, full: bool, source: str = "") -> int:
    """``write`` in transactions of ``CHUNK`` records, yielding between them (counted in
    ``source``'s ``records`` as they go, when given)."""
    it: Iterator[tuple[int, CatalogRecord]] = iter(records)
    n = 0
    while chunk := list(islice(it, CHUNK)):
        with db.write() as session:
            k = write(session, chunk, full=full)
            if source:
                row = session.get(CatStaging, source)
                if row is not None:
                    row.records = (row.records or 0) + k
            n += k
        yield_now()
    return n


def touched(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds a change of single records of ``kinds`` may write: an item deleted takes
    its barcodes and prices with it."""
    out = dict.fromkeys(kinds)
    if "item" in out:
        out.update(dict.fromkeys(("barcode", "price", "addprice")))
    return tuple(out)


def mirror(db: Database, kinds: Iterable[str]) -> None:
    """Copy the live tables of ``kinds`` into their (emptied) staging tables, in
    transactions of ``MIRROR_KEYS`` rows, yielding between them.

    The caller sees to it that nothing else writes these live tables until the switch
    (on a till only the exchange folder's loader writes them)."""
    for kind in dict.fromkeys(kinds):
        live, staged = LIVE_OF[kind], STAGE_OF[kind]
        keys = [c for c in live.primary_key.columns]
        columns = [c.name for c in live.columns]
        low: tuple[Any, ...] | None = None
        while True:
            with db.write() as session:
                bound = select(*keys).order_by(*keys).offset(MIRROR_KEYS - 1).limit(1)
                if low is not None:
                    bound = bound.where(_above(keys, low))
                row = session.execute(bound).first()
                high = None if row is None else tuple(row)
                rows = select(*[live.c[c] for c in columns]).where(*_within(live, low, high))
                session.execute(staged.insert().from_select(columns, rows))
            yield_now()
            if high is None:
                break
            low = high


# -- the switch ------------------------------------------------------------------------


def switch(session: Session, kinds: Iterable[str]) -> None:
    """Make the live tables of ``kinds`` hold what their staging tables hold, in the
    caller's transaction, and empty the staging tables."""
    kinds = tuple(dict.fromkeys(kinds))
    for kind in kinds:
        merge(session, LIVE_OF[kind], STAGE_OF[kind])
    clear(session, kinds)


def drop_prices_of_gone_items(session: Session) -> None:
    """Delete the prices of the live items the staged items no longer have (what a full
    item file does on the server), before the items are switched."""
    live, stage = LIVE_OF["item"], STAGE_OF["item"]
    gone = select(live.c.article).where(~exists().where(stage.c.article == live.c.article))
    for kind in ("price", "addprice"):
        table = LIVE_OF[kind]
        session.execute(delete(table).where(table.c.article.in_(gone)))


def merge(session: Session, live: Table, stage: Table) -> None:
    """``live`` becomes ``stage``: range by range of the key, the rows ``stage`` has are
    upserted (updated only where a column differs) and the others deleted."""
    keys = [c for c in stage.primary_key.columns]
    low: tuple[Any, ...] | None = None
    while True:
        bound = select(*keys).order_by(*keys).offset(SWITCH_KEYS - 1).limit(1)
        if low is not None:
            bound = bound.where(_above(keys, low))
        row = session.execute(bound).first()
        high = None if row is None else tuple(row)
        _merge_range(session, live, stage, low, high)
        yield_now()
        if high is None:
            return
        low = high


def _above(keys: list[Any], low: tuple[Any, ...]) -> Any:
    if len(keys) == 1:
        return keys[0] > low[0]
    return tuple_(*keys) > tuple_(*low)


def _not_above(keys: list[Any], high: tuple[Any, ...]) -> Any:
    if len(keys) == 1:
        return keys[0] <= high[0]
    return tuple_(*keys) <= tuple_(*high)


def _within(table: Table, low: tuple[Any, ...] | None, high: tuple[Any, ...] | None) -> list[Any]:
    """The rows of ``table`` whose key is above ``low`` and not above ``high``."""
    keys = [c for c in table.primary_key.columns]
    cond: list[Any] = [true()]
    if low is not None:
        cond.append(_above(keys, low))
    if high is not None:
        cond.append(_not_above(keys, high))
    return cond


def _merge_range(
    session: Session,
    live: Table,
    stage: Table,
    low: tuple[Any, ...] | None,
    high: tuple[Any, ...] | None,
) -> None:
    names = [c.name for c in stage.primary_key.columns]
    columns = [c.name for c in stage.columns]
    pg = session.get_bind().dialect.name == "postgresql"
    ins = (pg_insert if pg else sqlite_insert)(live)
    stmt = ins.from_select(
        columns, select(*[stage.c[c] for c in columns]).where(*_within(stage, low, high))
    )
    others = [c for c in columns if c not in names]
    if others:
        stmt = stmt.on_conflict_do_update(
            index_elements=names,
            set_={c: ins.excluded[c] for c in others},
            where=or_(*[live.c[c].is_distinct_from(ins.excluded[c]) for c in others]),
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=names)
    same = [stage.c[n] == live.c[n] for n in names]
    session.execute(delete(live).where(*_within(live, low, high), ~exists().where(*same)))
    session.execute(stmt)
