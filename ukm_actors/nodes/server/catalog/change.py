"""What one change of the catalog is doing: its version, what it touched, its tombstones.

A :class:`Change` is created inside the write transaction (it inserts its
``catalog_load`` row to get the version number) and handed to the code
that writes directory rows; the publisher then reads ``touched`` to know
which tills need a document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_fields import Notes
from ukm_actors.exchange.catalog import digest, text_digest
from ukm_actors.nodes.server.catalog.bulk import Bulk
from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad
from ukm_actors.nodes.server.catalog.tables_local import CHAIN
from ukm_actors.nodes.server.catalog.texts import texts_json

CHAIN_KINDS = ("tax", "taxgroup", "group", "item", "barcode")
"""Catalog document kinds every till of the chain receives."""
STORE_KINDS = ("store", "price", "addprice", "cashier", "seller", "timerule", "agerule")
"""Kinds a till receives only for its own store (rules with store "" go to every store)."""
TILL_KINDS = ("settings",)

__all__ = ["digest", "text_digest"]  # shared with the tills (exchange.catalog)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Change:
    """One change in progress: ``version`` to stamp, kinds ``touched`` per store ("" = chain)."""

    session: Session
    version: int
    load: CatalogLoad
    bulk: Bulk
    touched: dict[str, set[str]] = field(default_factory=dict)
    """store ("" = chain-wide) → document kinds changed in that scope."""
    tills: set[str] = field(default_factory=set)
    """Tills whose own settings changed."""
    dropped_settings: dict[str, set[str]] = field(default_factory=dict)
    """Setting keys a till of ``tills`` no longer has (sent as deletions)."""
    full_for: set[str] = field(default_factory=set)
    """Tills that must get a whole catalog (new, or resync requested)."""
    warnings: list[str] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)
    """What was assumed, per field and kind of problem (listed after ``warnings``)."""
    changes: int = 0
    tick: Callable[[], None] = lambda: None

    def touch(self, kind: str, store: str = CHAIN, count: int = 1) -> None:
        """Record that rows of ``kind`` (in ``store``) changed; ``count`` adds to the total."""
        self.touched.setdefault(store, set()).add(kind)
        self.changes += count

    def tombstones(self, kind: str, store: str, keys: Iterable[Sequence[str]]) -> int:
        """Record deleted rows of ``kind``; returns how many."""
        rows = [(self.version, kind, store, k[0], k[1] if len(k) > 1 else None) for k in keys]
        self.bulk.insert("catalog_tombstone", ("version", "kind", "store", "key", "key2"), rows)
        if rows:
            self.touch(kind, store, len(rows))
        return len(rows)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def note(
        self, path: str, what: str, line: int | None = None, example: str | None = None
    ) -> None:
        """Note an assumption made while loading (once per ``path`` and ``what``, counted)."""
        self.notes.add(path, what, line, example)

    def report(self) -> list[str]:
        """The warnings, then the notes, one text each."""
        return [*self.warnings, *self.notes.lines()]


def begin_change(
    session: Session,
    kind: str,
    type_name: str,
    *,
    store: str = CHAIN,
    by: str | None = None,
    node: str = "",
    **fields: object,
) -> Change:
    """Insert the ``catalog_load`` row of a new change and return its :class:`Change`."""
    load = CatalogLoad(
        kind=kind,
        type=type_name,
        store=store,
        status="loading",
        by=by,
        node=node,
        started_at=now(),
        **fields,
    )
    session.add(load)
    session.flush()
    return Change(session=session, version=load.id, load=load, bulk=Bulk(session))


def finish_change(change: Change, status: str, records: int = 0) -> None:
    """Fill in the change's outcome (still inside its transaction)."""
    load = change.load
    load.status = status
    load.records = records
    load.changes = change.changes
    report = change.report()[:200]
    load.warnings = "\n".join(report)
    load.texts = texts_json(warnings=report)
    load.finished_at = now()
    change.session.flush()
