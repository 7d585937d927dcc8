"""A big incremental exchange file (``fullness="I"``) is applied to a copy of the live
tables in short transactions and switched to at the end (``exchange/load.py``,
``catalog/stage.py``): the catalog ends exactly as one transaction leaves it, a refused
file leaves nothing, and the cashier sells meanwhile, also across a kill -9."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import gevent
import pytest
from sqlalchemy import func, select

import ukm_actors.nodes.till as till_pkg
from tests.integration_module.conftest import drop
from tests.nodes.helpers import NodeProcess, get_json, http
from tests.till.helpers import TillClient
from tests.till.test_decentralised import CATALOG, EXAMPLES, KEFIR
from tests.till.test_selling_during_catalog import (
    Scanner,
    folder_till,
    position,
    tear_down,
    wait,
)
from ukm_actors.db import Database
from ukm_actors.db.migrate import upgrade
from ukm_actors.domain.units import WeighRule
from ukm_actors.exchange.names import parse_queue_name
from ukm_actors.nodes.till.catalog import stage
from ukm_actors.nodes.till.catalog.stagetables import STAGE_OF, CatStaging
from ukm_actors.nodes.till.catalog.tables import LIVE_OF, CatPrice
from ukm_actors.nodes.till.exchange import load
from ukm_actors.nodes.till.exchange.load import LoadOptions, load_file
from ukm_actors.nodes.till.exchange.tables import ExchangeFile

KEFIR_PRICE, KEFIR_NEW = 8990, 9490
ARTICLES = ("100245", "100311", "000304", "200017", "300128", "700501", "720033")

ITEMS_DELTA = """<?xml version="1.0" encoding="UTF-8"?>
<updateItems fullness="I"><version>1.5</version>
<item><article>100311</article><name>Молоко</name><measure>шт</measure><groupId>41</groupId>
<taxgroupId>2</taxgroupId><barcode><id>4600000000015</id><quantity>1</quantity></barcode>
<barcode><id>2900000000017</id><quantity>2</quantity></barcode></item>
<item><article>100245</article><name>Кефир</name><measure>шт</measure><groupId>41</groupId>
<taxgroupId>2</taxgroupId><barcode><id>2900000000024</id><quantity>1</quantity></barcode></item>
<item><article>700501</article><deleted>1</deleted></item>
<item><article>900001</article><name>Новый</name><measure>шт</measure><groupId>41</groupId>
<taxgroupId>2</taxgroupId><barcode><id>2900000000031</id><quantity>1</quantity></barcode></item>
<item><article>300128</article><name>Сыр</name><measure>шт</measure><groupId>41</groupId>
<taxgroupId>2</taxgroupId><barcode><id>2900000000048</id><quantity>1</quantity></barcode></item>
</updateItems>
"""


def price_delta(n: int, kefir: int = KEFIR_NEW, bad: bool = False) -> bytes:
    """An incremental price file: ``n`` prices of articles ``9nnnnnnn`` put, the kefir
    changed, 200017 deleted (a ``bad`` file writes one price with a comma: refused)."""
    rows = "".join(
        f"<price><article>9{i:07d}</article><value>{100 + i % 9000}.{i % 100:02d}</value></price>\n"
        for i in range(n)
    )
    if bad:
        rows += "<price><article>100311</article><value>1,50</value></price>\n"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<storePrices fullness="I" storeId="17">'
        f"<version>1.0</version>\n{rows}"
        f"<price><article>100245</article><value>{kefir // 100}.{kefir % 100:02d}</value></price>\n"
        "<price><article>200017</article><deleted>1</deleted></price>\n"
        "</storePrices>\n"
    ).encode()


def expected_price(i: int) -> int:
    return (100 + i % 9000) * 100 + i % 100


# -- in the process: the same end as one transaction ---------------------------------------


def _tdb(url: str) -> Database:
    db = Database(url)
    upgrade(db, Path(till_pkg.__file__).parent / "migrations")
    return db


def _load(db: Database, folder: Path, position: int, name: str, body: bytes) -> load.Outcome:
    path = folder / f"{position:06d}_{name}"
    path.write_bytes(body)
    opts = LoadOptions(store="17", weighing=WeighRule.of(["кг"]), max_bytes=10_000_000)
    return load_file(db, folder, parse_queue_name(path.name), opts)


def _tables(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the catalog (but the cashiers: their password hashes are salted)."""
    with db.read() as s:
        return {
            kind: sorted(tuple(r) for r in s.execute(select(table)).all())
            for kind, table in LIVE_OF.items()
            if kind != "cashier"
        }


def _loaded_example_catalog(db: Database, folder: Path) -> None:
    for i, name in enumerate(CATALOG, start=1):
        assert _load(db, folder, i, name, (EXAMPLES / name).read_bytes()).status == "loaded"


def test_a_delta_built_aside_ends_as_one_transaction_does(make_db_url, tmp_path, monkeypatch):
    dbs = {"direct": _tdb(make_db_url("direct")), "aside": _tdb(make_db_url("aside"))}
    try:
        outcomes = {}
        for how, db in dbs.items():
            folder = tmp_path / how
            folder.mkdir()
            _loaded_example_catalog(db, folder)
            monkeypatch.setattr(load, "BIG_DELTA", 10**9 if how == "direct" else 0)
            monkeypatch.setattr(stage, "MIRROR_KEYS", 3)  # several copy transactions
            monkeypatch.setattr(stage, "CHUNK", 2)  # several write transactions
            items = _load(db, folder, 6, "updateItems_[14]_[I].xml", ITEMS_DELTA.encode())
            prices = _load(db, folder, 7, "storePrices_[17]_[13]_[I].xml", price_delta(5))
            outcomes[how] = [(o.status, o.records, o.error) for o in (items, prices)]
            with db.read() as s:
                assert s.execute(select(func.count()).select_from(CatStaging)).scalar_one() == 0
                for table in STAGE_OF.values():
                    assert s.execute(select(func.count()).select_from(table)).scalar_one() == 0
        assert outcomes["aside"] == outcomes["direct"]
        assert outcomes["aside"] == [("loaded", 5, None), ("loaded", 7, None)]
        assert _tables(dbs["aside"]) == _tables(dbs["direct"])
    finally:
        for db in dbs.values():
            db.dispose()


def test_a_bad_record_refuses_a_big_delta_whole_as_it_does_a_small_one(
    make_db_url, tmp_path, monkeypatch
):
    dbs = {"direct": _tdb(make_db_url("direct")), "aside": _tdb(make_db_url("aside"))}
    try:
        errors = {}
        for how, db in dbs.items():
            folder = tmp_path / how
            folder.mkdir()
            _loaded_example_catalog(db, folder)
            before = _tables(db)
            monkeypatch.setattr(load, "BIG_DELTA", 10**9 if how == "direct" else 0)
            monkeypatch.setattr(stage, "CHUNK", 2)  # some of it written aside before the bad one
            out = _load(db, folder, 6, "storePrices_[17]_[13]_[I].xml", price_delta(5, bad=True))
            assert out.status == "failed"
            errors[how] = (out.error, out.line, out.field)
            assert _tables(db) == before
            with db.read() as s:
                assert s.execute(select(func.count()).select_from(CatStaging)).scalar_one() == 0
                rows = s.execute(select(ExchangeFile.status).order_by(ExchangeFile.id)).scalars()
                assert list(rows)[-1] == "failed"
        assert errors["aside"] == errors["direct"]
        assert errors["aside"][2] == "price/value"
    finally:
        for db in dbs.values():
            db.dispose()


# -- a real till process: selling meanwhile, and a kill -9 -------------------------------

BIG = 200_000


def _example_catalog(queue: Path, node: NodeProcess) -> None:
    for i, name in enumerate(CATALOG, start=1):
        drop(queue, f"{i:06d}_{name}", (EXAMPLES / name).read_bytes())
    wait(lambda: position(node) == len(CATALOG), 120, "the example catalog")


def _check_catalog(url: str, n: int) -> None:
    """The catalog one clean load of ``price_delta(n)`` gives, and the file recorded once."""
    db = Database(url)
    try:
        with db.read() as s:
            count = s.execute(select(func.count()).select_from(CatPrice)).scalar_one()
            assert count == len(ARTICLES) - 1 + n  # 200017 deleted
            prices = dict(s.execute(select(CatPrice.article, CatPrice.price)).all())
            files = s.execute(
                select(ExchangeFile.status).where(ExchangeFile.name.contains("[13]_[I]"))
            ).scalars()
            assert list(files) == ["loaded"]
            assert s.execute(select(func.count()).select_from(CatStaging)).scalar_one() == 0
        assert prices["100245"] == KEFIR_NEW and "200017" not in prices
        for i in (0, 1, 99, 12_345, n // 2, n - 1):
            assert prices[f"9{i:07d}"] == expected_price(i)
    finally:
        db.dispose()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_till_sells_while_it_loads_a_big_incremental_price_file(tmp_path, make_db_url):
    url = make_db_url("till-17-1")
    node, queue = folder_till(tmp_path, url)
    scanner = None
    try:
        _example_catalog(queue, node)
        till = TillClient(node.url)
        till.login("104", "7741")
        till.post("/shift/open")
        scanner = Scanner(till, KEFIR, node.url + "/status")
        scanner.once()
        assert scanner.prices == [KEFIR_PRICE]
        scanner.times.clear()

        drop(queue, f"{len(CATALOG) + 1:06d}_storePrices_[17]_[13]_[I].xml", price_delta(BIG))
        started = time.monotonic()
        selling = gevent.spawn(scanner.run)
        wait(lambda: position(node) == len(CATALOG) + 1, 400, "the big file loaded")
        took = time.monotonic() - started
        scanner.stop = True
        selling.get(timeout=60)
        times = sorted(scanner.times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"{BIG} prices (incremental) loaded in {took:.1f} s; scans meanwhile: "
            f"{dict(scanner.answers)}, {scanner.while_staged} sold while it was built aside, "
            f"p99 {p99 * 1000:.0f} ms, slowest {scanner.slowest:.2f} s"
        )
        assert set(scanner.answers) == {"201"}, scanner.answers  # none refused
        assert scanner.while_staged > 0, "the cashier sold while the file was loaded"
        assert set(scanner.prices) <= {KEFIR_PRICE, KEFIR_NEW}
        scanner.prices.clear()
        scanner.once()
        assert scanner.prices == [KEFIR_NEW]  # the new prices are in force
        _check_catalog(url, BIG)
    finally:
        tear_down(scanner, node, queue)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_till_killed_while_it_loads_a_big_incremental_file_ends_as_one_load(
    tmp_path, make_db_url
):
    n = 100_000
    url = make_db_url("till-17-1")
    node, queue = folder_till(tmp_path, url)
    try:
        _example_catalog(queue, node)
        drop(queue, f"{len(CATALOG) + 1:06d}_storePrices_[17]_[13]_[I].xml", price_delta(n))

        def written_aside() -> bool:
            code, body = get_json(node.url + "/status")
            staging = body["catalog"]["staging"] if code == 200 else []
            return any(s["source"] == "folder" and s["records"] > 0 for s in staging)

        wait(written_aside, 300, "the file being written aside")
        node.kill()
        db = Database(url)
        try:
            with db.read() as s:  # nothing of it in the live catalog
                prices = dict(s.execute(select(CatPrice.article, CatPrice.price)).all())
            assert prices["100245"] == KEFIR_PRICE and len(prices) == len(ARTICLES)
        finally:
            db.dispose()
        node.start()
        wait(lambda: position(node) == len(CATALOG) + 1, 400, "the big file loaded again")
        node.terminate()
        _check_catalog(url, n)
    finally:
        http.clear()
        if node.proc is not None and node.proc.poll() is None:
            node.terminate()
    shutil.rmtree(queue, ignore_errors=True)
