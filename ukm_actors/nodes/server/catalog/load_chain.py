"""Loading the small chain-wide types: taxes, classif, stores, regions, storeTypes.

They are read whole into memory (thousands of rows at most), checked as
a whole, then written as a difference (``sync_table``). Their shapes are
ours [INF], so a broken reference is reported, never a reason to refuse
the file: a tax group whose tax is not in the file is loaded (its items get
no VAT in the export), a group whose parent is missing or that closes a
cycle becomes a top-level group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ukm_actors.codecs.ukm_import import (
    ClassifRecord,
    ImportRecord,
    RegionRecord,
    StoreRecord,
    StoreTypeRecord,
    TaxGroupRecord,
    TaxRecord,
)
from ukm_actors.codecs.ukm_schema import FULL, RECORD_TAGS
from ukm_actors.i18n import _
from ukm_actors.nodes.server.catalog.change import Change
from ukm_actors.nodes.server.catalog.sync import Key, Row, sync_table

Records = Iterator[tuple[int, ImportRecord]]
Step = Callable[[], None]


def _collect(records: Records, step: Step) -> list[tuple[int, ImportRecord]]:
    out = []
    for line, r in records:
        step()
        out.append((line, r))
    return out


def _in_use(change: Change, column: str, removed: list[Key], what: str) -> None:
    if not removed:
        return
    codes = [str(k[0]) for k in removed]
    used = [
        row[0]
        for row in change.bulk.select_in(
            f"SELECT DISTINCT {column} FROM catalog_item WHERE", column, codes
        )
    ]
    if used:
        shown = ", ".join(sorted(used)[:10])
        change.warn(
            _(
                "{what} {codes} removed while items still refer to them; "
                "those items keep the code until an updateItems file changes them",
                what=what,
                codes=shown,
            )
        )


def load_taxes(change: Change, file: str, records: Records, step: Step) -> int:
    """``taxes`` (always full): tax rates and the tax groups items refer to."""
    rows = _collect(records, step)
    taxes: dict[Key, Row] = {}
    groups: dict[Key, Row] = {}
    for _line, r in rows:
        if isinstance(r, TaxRecord):
            taxes[(r.id,)] = (r.id, r.name, r.rate_bp)
    for line, r in rows:
        if isinstance(r, TaxGroupRecord):
            if (r.tax_id,) not in taxes:
                change.note(
                    f"taxGroup/{RECORD_TAGS['taxGroup']['tax_id']}",
                    _(
                        "tax not in this file (a taxes file carries the whole directory); the "
                        "tax group is loaded, no VAT is exported for its items"
                    ),
                    line,
                    r.tax_id,
                )
            groups[(r.id,)] = (r.id, r.name, r.tax_id)
    sync_table(
        change, "catalog_tax", ("id",), ("id", "name", "rate_bp"), taxes, full=True, doc_kind="tax"
    )
    res = sync_table(
        change,
        "catalog_tax_group",
        ("id",),
        ("id", "name", "tax_id"),
        groups,
        full=True,
        doc_kind="taxgroup",
    )
    _in_use(change, "taxgroup_id", res.deleted, _("tax group(s)"))
    return len(rows)


def _mend_tree(
    change: Change, groups: dict[str, tuple[int, ClassifRecord]]
) -> dict[str, str | None]:
    """Each group's parent, with missing parents and cycles cut (noted): a top-level group."""
    parent_tag = f"group/{RECORD_TAGS['group']['parent_id']}"
    parents: dict[str, str | None] = {gid: r.parent_id for gid, (_l, r) in groups.items()}
    for gid, (line, r) in groups.items():
        if r.parent_id is not None and r.parent_id not in groups:
            change.note(
                parent_tag,
                _(
                    "parent not in this file (a classif file carries the whole hierarchy); "
                    "made a top-level group"
                ),
                line,
                r.parent_id,
            )
            parents[gid] = None
    state: dict[str, int] = {}
    for start in groups:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) != 2:
            if state.get(node) == 1:
                cycle = " → ".join([*path[path.index(node) :], node])
                change.note(
                    parent_tag,
                    _("the groups form a cycle; the first group of it made a top-level group"),
                    groups[node][0],
                    cycle,
                )
                parents[node] = None
                break
            state[node] = 1
            path.append(node)
            node = parents[node]
        for n in path:
            state[n] = 2
    return parents


def load_classif(change: Change, file: str, records: Records, step: Step) -> int:
    """``classif`` (always full): the item hierarchy."""
    groups: dict[str, tuple[int, ClassifRecord]] = {}
    for line, r in _collect(records, step):
        if isinstance(r, ClassifRecord):
            groups[r.id] = (line, r)
    parents = _mend_tree(change, groups)
    incoming: dict[Key, Row] = {
        (gid,): (gid, parents[gid], r.name) for gid, (_line, r) in groups.items()
    }
    res = sync_table(
        change,
        "catalog_group",
        ("id",),
        ("id", "parent_id", "name"),
        incoming,
        full=True,
        doc_kind="group",
    )
    _in_use(change, "group_id", res.deleted, _("group(s)"))
    return len(groups)


def load_named(change: Change, table: str, fullness: str, records: Records, step: Step) -> int:
    """``regions`` and ``storeTypes``: id and name (not sent to tills)."""
    incoming: dict[Key, Row] = {}
    deletes: list[Key] = []
    n = 0
    for _line, r in records:
        step()
        n += 1
        assert isinstance(r, RegionRecord | StoreTypeRecord)
        if r.deleted:
            deletes.append((r.id,))
        else:
            incoming[(r.id,)] = (r.id, r.name)
    sync_table(
        change, table, ("id",), ("id", "name"), incoming, full=fullness == FULL, deletes=deletes
    )
    return n


def load_stores(change: Change, file: str, records: Records, step: Step) -> int:
    """``stores`` (incremental): new and changed stores; a deleted store becomes inactive."""
    bulk = change.bulk
    regions = {r[0] for r in bulk.execute("SELECT id FROM catalog_region")}
    types = {r[0] for r in bulk.execute("SELECT id FROM catalog_store_type")}
    known = {r[0] for r in bulk.execute("SELECT code FROM catalog_store")}
    n = 0
    for _line, r in records:
        step()
        n += 1
        assert isinstance(r, StoreRecord)
        if r.deleted:
            if r.id in known:
                bulk.execute_count(
                    "UPDATE catalog_store SET active = :p, version = :p WHERE code = :p",
                    (False, change.version, r.id),
                )
                change.changes += 1
            else:
                change.warn(_("store {store} is not known here; nothing to delete", store=r.id))
            continue
        if r.region_id is not None and regions and r.region_id not in regions:
            change.warn(
                _(
                    "store {store}: region {region} is not in the regions directory",
                    store=r.id,
                    region=r.region_id,
                )
            )
        if r.store_type_id is not None and types and r.store_type_id not in types:
            change.warn(
                _(
                    "store {store}: store type {type} is not known",
                    store=r.id,
                    type=r.store_type_id,
                )
            )
        res = sync_table(
            change,
            "catalog_store",
            ("code",),
            ("code", "name", "timezone", "region_id", "store_type_id", "active"),
            {(r.id,): (r.id, r.name, r.timezone, r.region_id, r.store_type_id, True)},
            full=False,
            where="code = :p",
            params=(r.id,),
            doc_kind="store",
            store=r.id,
        )
        if res.written:
            known.add(r.id)
    return n
