"""Tombstones of changes finished long ago are pruned; the change history stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update

from tests.server.catalog.conftest import load
from ukm_actors.codecs.ukm_samples import catalog_items, write_catalog_set, write_import_file
from ukm_actors.db.prune import cutoff
from ukm_actors.nodes.server.catalog.prune import prune_tombstones
from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad


def _count(db, sql: str) -> int:
    with db.read() as s:
        return int(s.execute(text(sql)).scalar_one())


def test_tombstones_of_old_changes_are_pruned(sdb, tmp_path, monkeypatch):
    write_catalog_set(tmp_path, 30)
    for name in ("taxes", "classif", "updateItems"):
        assert load(sdb, next(tmp_path.glob(name + "_*"))).status == "loaded"
    (tmp_path / "x").mkdir()
    old = load(
        sdb,
        write_import_file(
            tmp_path / "x", "updateItems", list(catalog_items(30))[5:], "F", number=2
        ),
    )
    young = load(
        sdb,
        write_import_file(
            tmp_path / "x", "updateItems", list(catalog_items(30))[8:], "F", number=3
        ),
    )
    assert old.status == young.status == "loaded"
    assert _count(sdb, "SELECT count(*) FROM catalog_tombstone") > 5
    loads = _count(sdb, "SELECT count(*) FROM catalog_load")
    assert prune_tombstones(sdb, cutoff(30)) == 0  # nothing finished 30 days ago
    with sdb.write() as s:
        s.execute(
            update(CatalogLoad)
            .where(CatalogLoad.id <= old.version)
            .values(finished_at=datetime.now(UTC) - timedelta(days=31))
        )
    monkeypatch.setattr("ukm_actors.db.prune.BATCH", 2)  # several batches
    old_ones = _count(sdb, f"SELECT count(*) FROM catalog_tombstone WHERE version <= {old.version}")
    assert old_ones >= 5
    assert prune_tombstones(sdb, cutoff(30)) == old_ones
    assert _count(sdb, "SELECT count(*) FROM catalog_tombstone") == 3  # the young change's
    assert _count(sdb, "SELECT count(*) FROM catalog_load") == loads  # history kept
