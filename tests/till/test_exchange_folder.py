"""A till's exchange folder (decentralised store): the trade system's files, in queue order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

import ukm_actors.nodes.till as till_pkg
from ukm_actors.db.migrate import upgrade
from ukm_actors.domain.units import WeighRule
from ukm_actors.exchange.names import parse_queue_name
from ukm_actors.nodes.till.catalog.tables import CatCashier, CatItem, CatPrice, CatTimeRule
from ukm_actors.nodes.till.exchange.load import LoadOptions, load_file
from ukm_actors.nodes.till.exchange.queue import TillQueue
from ukm_actors.nodes.till.exchange.tables import ExchangeFile

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import"
ORDER = (
    "regions_[1]_[I].xml",
    "stores_[3]_[I].xml",
    "taxes_[12]_[F].xml",
    "classif_[12]_[F].xml",
    "updateItems_[12]_[F].xml",
    "updateItems_[13]_[I].xml",
    "storeCashiers_[17]_[45296]_[F].xml",
    "storePrices_[17]_[12]_[F].xml",
    "storeRestrictions_[17]_[5]_[F].xml",
    "storeSellers_[17]_[8]_[F].xml",
)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "in"
    path.mkdir()
    return path


@pytest.fixture
def tdb(database):
    upgrade(database, Path(till_pkg.__file__).parent / "migrations")
    return database


def _queue(db, folder: Path, store: str = "17") -> TillQueue:
    opts = LoadOptions(store=store, weighing=WeighRule.of(["кг"]), max_bytes=10_000_000)
    return TillQueue(db, folder, opts, settle=0)


def _scan(q: TillQueue):
    q.scan()  # first look: nothing has settled yet
    return q.scan()


def _drop(folder: Path, position: int, name: str, body: bytes | None = None) -> Path:
    target = folder / f"{position:06d}_{name}"
    if body is None:
        shutil.copyfile(EXAMPLES / name, target)
    else:
        target.write_bytes(body)
    return target


def _count(db, model, *where) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_queue_loads_every_example_in_order(tdb, folder):
    for i, name in enumerate(ORDER, start=1):
        _drop(folder, i, name)
    q = _queue(tdb, folder)
    results = _scan(q)
    assert [r.status for r in results] == ["loaded"] * len(ORDER)
    assert [r.name.position for r in results] == list(range(1, len(ORDER) + 1))
    assert sorted(p.name for p in (folder / "processed").iterdir()) == sorted(
        f"{i:06d}_{n}" for i, n in enumerate(ORDER, start=1)
    )
    with tdb.read() as s:
        assert s.get(CatPrice, "100245").price == 8990
        assert s.get(CatItem, "800210") is None  # deleted by the incremental file
        admin = s.get(CatCashier, "1")
        assert "close_shift" in admin.rights and admin.password_hash
        assert _count(tdb, CatTimeRule) >= 1
    assert q.blocked() is None and q.waiting == ()


def test_refused_file_holds_the_queue_until_a_full_file(tdb, folder):
    _drop(folder, 1, "updateItems_[12]_[F].xml")
    bad = (EXAMPLES / "storePrices_[17]_[12]_[F].xml").read_bytes().replace(b"89.90", b"89,90")
    _drop(folder, 2, "storePrices_[17]_[12]_[F].xml", bad)
    _drop(folder, 3, "storeCashiers_[17]_[45296]_[F].xml")
    q = _queue(tdb, folder)
    results = _scan(q)
    assert [r.status for r in results] == ["loaded", "failed"]
    failed = folder / "failed" / "000002_storePrices_[17]_[12]_[F].xml"
    assert failed.exists()
    text = (failed.parent / (failed.name + ".error.txt")).read_text("utf-8")
    # in the node's language, Russian by default: where, what and what to do
    assert "строка:" in text and "price/value" in text and "89,90" in text
    assert "записано с запятой" in text and "Что сделать: пришлите новый полный файл" in text
    assert (folder / "000003_storeCashiers_[17]_[45296]_[F].xml").exists()
    assert q.waiting == ("000003_storeCashiers_[17]_[45296]_[F].xml",)
    assert _count(tdb, CatCashier) == 0 and _count(tdb, CatPrice) == 0
    # a restart changes nothing: the refusal is in the database
    q2 = _queue(tdb, folder)
    assert _scan(q2) == [] and q2.blocked() is not None
    # the trade system sends a new full price file: it goes first, then the rest
    _drop(folder, 4, "storePrices_[17]_[12]_[F].xml")
    results = _scan(q2)
    assert [(r.name.position, r.status) for r in results] == [(4, "loaded"), (3, "loaded")]
    assert q2.blocked() is None
    assert _count(tdb, CatCashier) == 4


def test_a_load_committed_before_a_kill_is_not_loaded_again(tdb, folder):
    path = _drop(folder, 1, "updateItems_[12]_[F].xml")
    q = _queue(tdb, folder)
    name = parse_queue_name(path.name)
    assert load_file(tdb, folder, name, q.options).status == "loaded"  # killed before the move
    assert _scan(q) == []
    assert not path.exists() and (folder / "processed" / path.name).exists()
    assert _count(tdb, ExchangeFile) == 1


def test_hidden_partial_links_and_other_stores_are_left_alone(tdb, folder):
    _drop(folder, 1, "updateItems_[12]_[F].xml")
    (folder / ".000002_x.xml.ukm-part").write_bytes(b"<half")
    (folder / "000003_prices.xml.tmp").write_bytes(b"<half")
    (folder / "~lock").write_bytes(b"")
    os.symlink(EXAMPLES / "taxes_[12]_[F].xml", folder / "000004_taxes_[12]_[F].xml")
    other = (EXAMPLES / "storePrices_[17]_[12]_[F].xml").read_bytes().replace(b'"17"', b'"18"')
    _drop(folder, 5, "storePrices_[18]_[12]_[F].xml", other)
    q = _queue(tdb, folder)
    results = _scan(q)
    assert [(r.name.position, r.status) for r in results] == [(1, "loaded"), (5, "skipped")]
    assert [i.name for i in q.ignored] == ["000004_taxes_[12]_[F].xml"]
    assert "symbolic link" in q.ignored[0].reason
    assert (folder / ".000002_x.xml.ukm-part").exists()
    assert _count(tdb, CatPrice) == 0


def test_plain_names_load_in_the_servers_order(tdb, folder):
    for name in ("storePrices_[17]_[12]_[F].xml", "updateItems_[13]_[I].xml"):
        shutil.copyfile(EXAMPLES / name, folder / name)
    shutil.copyfile(EXAMPLES / "updateItems_[12]_[F].xml", folder / "updateItems_[12]_[F].xml")
    results = _scan(_queue(tdb, folder))
    assert [r.name.filename for r in results] == [
        "updateItems_[12]_[F].xml",
        "updateItems_[13]_[I].xml",
        "storePrices_[17]_[12]_[F].xml",
    ]
    assert all(r.status == "loaded" for r in results)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"catalog_source": "folder"}, "needs exchange_folder"),
        ({"exchange_folder": "in"}, "catalog_source = 'server' would never read it"),
        ({"catalog_source": "both", "exchange_folder": "x", "sales_folder": "x"}, "same folder"),
        ({"catalog_source": "files"}, "use 'server', 'folder' or 'both'"),
    ],
)
def test_a_contradictory_catalog_source_is_refused_at_start(settings, says):
    from ukm_actors.config.roles import TillSettings

    with pytest.raises(ValueError, match=says):
        TillSettings(store="17", **settings).validate()


def _age(db) -> None:
    from sqlalchemy import update

    with db.write() as s:
        s.execute(update(ExchangeFile).values(at="2000-01-01T00:00:00+00:00"))


def _rows(db) -> list[tuple[str, str]]:
    with db.read() as s:
        return [
            (r.name, r.status)
            for r in s.execute(select(ExchangeFile).order_by(ExchangeFile.id)).scalars()
        ]


def test_old_rows_are_pruned_but_never_a_refusal_in_force_nor_the_last_file(tdb, folder):
    from ukm_actors.db.prune import cutoff
    from ukm_actors.nodes.till.exchange.prune import prune_exchange_files

    _drop(folder, 1, "taxes_[12]_[F].xml")
    _drop(folder, 2, "updateItems_[12]_[F].xml")
    bad = (EXAMPLES / "storePrices_[17]_[12]_[F].xml").read_bytes().replace(b"89.90", b"89,90")
    _drop(folder, 3, "storePrices_[17]_[12]_[F].xml", bad)
    q = _queue(tdb, folder)
    assert [r.status for r in _scan(q)] == ["loaded", "loaded", "failed"]
    assert prune_exchange_files(tdb, cutoff(30)) == 0  # nothing is old yet
    _age(tdb)
    # the first file goes; the last file loaded (the queue position) and the refusal stay
    assert prune_exchange_files(tdb, cutoff(30)) == 1
    assert _rows(tdb) == [
        ("000002_updateItems_[12]_[F].xml", "loaded"),
        ("000003_storePrices_[17]_[12]_[F].xml", "failed"),
    ]
    assert q.blocked() is not None
    # the refusal lifted by a new full file: when old, only that last file's row is left
    _drop(folder, 4, "storePrices_[17]_[12]_[F].xml")
    assert [r.status for r in _scan(q)] == ["loaded"]
    _age(tdb)
    assert prune_exchange_files(tdb, cutoff(30)) == 2
    assert _rows(tdb) == [("000004_storePrices_[17]_[12]_[F].xml", "loaded")]
    assert q.blocked() is None
    # the queue goes on numbering from there
    _drop(folder, 5, "storeCashiers_[17]_[45296]_[F].xml")
    assert [r.status for r in _scan(q)] == ["loaded"]
    assert _count(tdb, CatCashier) == 4
