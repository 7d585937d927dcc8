"""Writing a small directory (taxes, groups, cashiers …) as a difference against the database.

The whole incoming set fits in memory (a classifier or a store's cashiers
is thousands of rows, not millions), so it is compared with what is
stored, row by row: new and changed rows are written with the change's
version, and a full file deletes the rows it did not contain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ukm_actors.nodes.server.catalog.change import Change
from ukm_actors.nodes.server.catalog.tables_local import CHAIN

Key = tuple[object, ...]
Row = tuple[object, ...]


@dataclass
class SyncResult:
    """Keys written (new or changed) and keys deleted."""

    written: list[Key] = field(default_factory=list)
    deleted: list[Key] = field(default_factory=list)


def _norm(row: Sequence[object]) -> Row:
    return tuple(int(v) if isinstance(v, bool) else v for v in row)


def sync_table(
    change: Change,
    table: str,
    keys: Sequence[str],
    cols: Sequence[str],
    incoming: Mapping[Key, Row],
    *,
    full: bool,
    deletes: Sequence[Key] = (),
    where: str = "",
    params: Sequence[object] = (),
    doc_kind: str | None = None,
    store: str = CHAIN,
    tomb: Callable[[Key], tuple[str, ...]] | None = None,
    extra: Mapping[str, object] | None = None,
) -> SyncResult:
    """Make ``table`` (restricted by ``where``) hold ``incoming``.

    ``incoming`` maps a key (values of ``keys``) to the values of ``cols``
    (which start with the key columns; ``version`` is added). A full sync
    deletes stored rows whose key is absent; otherwise only ``deletes``
    are removed. Changes are recorded on ``change`` under ``doc_kind`` (no
    document when None); a tombstone carries ``tomb(key)`` (default: the
    key's values). ``extra`` columns are written only when a row is
    inserted (e.g. ``enabled``, which an employee may have changed since).
    """
    bulk = change.bulk
    sel = f"SELECT {', '.join(cols)} FROM {table}" + (f" WHERE {where}" if where else "")
    stored: dict[Key, Row] = {}
    for row in bulk.execute(sel, params):
        norm = _norm(row)
        stored[norm[: len(keys)]] = norm
    result = SyncResult()
    rows: list[Row] = []
    more = tuple((extra or {}).values())
    for key, row in incoming.items():
        if stored.get(key) != _norm(row):
            rows.append((*row, change.version, *more))
            result.written.append(key)
    update = [c for c in cols if c not in keys] + ["version"]
    bulk.upsert(table, [*cols, "version", *(extra or {})], keys, rows, update=update)
    if full:
        result.deleted = [k for k in stored if k not in incoming]
    else:
        result.deleted = [k for k in deletes if k in stored]
    if result.deleted:
        cond = " AND ".join(f"{k} = :p" for k in keys)
        bulk.executemany(
            f"DELETE FROM {table} WHERE {cond}" + (f" AND {where}" if where else ""),
            [(*k, *params) for k in result.deleted],
        )
    if doc_kind is not None:
        if result.written:
            change.touch(doc_kind, store, len(result.written))
        change.tombstones(
            doc_kind,
            store,
            [tomb(k) if tomb is not None else tuple(str(v) for v in k) for k in result.deleted],
        )
    else:
        change.changes += len(result.written) + len(result.deleted)
    return result
