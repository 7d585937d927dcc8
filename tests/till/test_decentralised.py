"""A decentralised store end to end, real processes, no cash server: the trade system's
catalog goes through the integration module to both tills, they sell it, and every
receipt and shift file reaches the trade system exactly once — across kill -9 of a till
in the middle of loading a file and in the middle of writing its sales."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import gevent
import pytest
from sqlalchemy import func, select

from tests.integration_module.conftest import drop, make_folders
from tests.nodes.helpers import NodeProcess, get_json, http, write_config
from tests.till.helpers import TillClient
from ukm_actors.db import Database
from ukm_actors.nodes.till.catalog.tables import CatItem
from ukm_actors.nodes.till.exchange.tables import ExchangeFile

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import"
CATALOG = (
    "taxes_[12]_[F].xml",
    "classif_[12]_[F].xml",
    "updateItems_[12]_[F].xml",
    "storeCashiers_[17]_[45296]_[F].xml",
    "storePrices_[17]_[12]_[F].xml",
)
KEFIR = "4600000000015"  # article 100245, 89.90 in store 17
BIG_ITEMS = 30_000


def big_items(n: int) -> bytes:
    """A full item file of ``n`` items and the kefir the tills go on selling."""
    kefir = (
        "<item><article>100245</article><name>Кефир</name><measure>шт</measure>"
        f"<groupId>41</groupId><taxgroupId>2</taxgroupId><barcode><id>{KEFIR}</id>"
        "<quantity>1</quantity></barcode></item>\n"
    )
    rows = kefir + "".join(
        f"<item><article>9{i:07d}</article><name>Товар {i}</name><measure>шт</measure>"
        f"<groupId>41</groupId><taxgroupId>2</taxgroupId>"
        f"<barcode><id>29{i:011d}</id><quantity>1</quantity></barcode></item>\n"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<updateItems fullness="F">'
        f"<version>1.5</version>\n{rows}</updateItems>\n"
    ).encode()


def loaded_rows(url: str, prefix: str) -> int:
    db = Database(url)
    try:
        with db.read() as s:
            return s.execute(
                select(func.count())
                .select_from(ExchangeFile)
                .where(ExchangeFile.name.startswith(prefix), ExchangeFile.status == "loaded")
            ).scalar_one()
    finally:
        db.dispose()


def taker(folder: Path, into: Path, stop: gevent.event.Event) -> None:
    """The trade system taking its files: a name delivered twice is a failure."""
    into.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        for n in [n for n in os.listdir(folder) if not n.startswith(".")]:
            assert not (into / n).exists(), f"{n} delivered twice"
            os.replace(folder / n, into / n)
        gevent.sleep(0.02)


def wait(cond, timeout: float = 60, what: str = "") -> None:
    with gevent.Timeout(timeout, AssertionError(f"timed out waiting for {what}")):
        while not cond():
            gevent.sleep(0.1)


def exchange(node: NodeProcess) -> dict:
    code, body = get_json(node.url + "/status")
    assert code == 200 and "position" in body["exchange"], body.get("exchange")
    return body["exchange"]


def sell_day(node: NodeProcess, receipts: int, *, close: bool) -> None:
    till = TillClient(node.url)
    till.login("104", "7741")
    if till.get("/shift")["shift"] is None:
        till.post("/shift/open")
    for _ in range(receipts):
        till.scan(KEFIR)
        till.pay("cash", 8990)
    if close:
        till.post("/shift/close")


def test_a_decentralised_store_end_to_end(tmp_path, make_db_url):
    f = make_folders(tmp_path / "store", 2)
    integ_cfg = write_config(
        tmp_path / "integration.toml",
        {
            "node": {
                "role": "integration",
                "id": "integration-17",
                "data_dir": str(tmp_path / "integ"),
                "ready_file": "ready.json",
            },
            "http": {"host": "127.0.0.1", "port": 0},
            "log": {"level": "WARNING"},
            "integration": f.section(),
        },
    )
    integ = NodeProcess("integration", integ_cfg, tmp_path / "integ" / "ready.json").start()
    tills: dict[int, NodeProcess] = {}
    urls: dict[int, str] = {}
    for n in (1, 2):
        urls[n] = make_db_url(f"till-17-{n}")
        cfg = write_config(
            tmp_path / f"till{n}.toml",
            {
                "node": {
                    "role": "till",
                    "id": f"till-17-{n}",
                    "data_dir": str(tmp_path / f"till{n}-data"),
                    "ready_file": "ready.json",
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "log": {"level": "INFO"},
                "db": {"url": urls[n]},
                "till": {
                    "store": "17",
                    "number": n,
                    "catalog_source": "folder",
                    "exchange_folder": str(f.tills[n]),
                    "sales_folder": str(f.outs[n]),
                    "exchange_settle": 0,
                    "exchange_poll": 0.2,
                },
            },
        )
        tills[n] = NodeProcess("till", cfg, tmp_path / f"till{n}-data" / "ready.json").start()
    stop = gevent.event.Event()
    taken = tmp_path / "trade-taken"
    trade = gevent.spawn(taker, f.sales, taken, stop)
    try:
        # the trade system's catalog reaches both tills through the integration module
        for name in CATALOG:
            drop(f.source, name, (EXAMPLES / name).read_bytes())
        for n in (1, 2):
            wait(lambda n=n: exchange(tills[n])["position"] == len(CATALOG), what=f"till {n}")
            assert exchange(tills[n])["refused"] is None
        sell_day(tills[1], 2, close=True)
        sell_day(tills[2], 1, close=False)

        # kill -9 till 2 while it loads a big file
        drop(f.source, "updateItems_[13]_[F].xml", big_items(BIG_ITEMS))
        wait(
            lambda: (
                any((f.tills[2] / "processed").iterdir())
                and any(p.name.startswith("000006") for p in f.tills[2].iterdir())
            ),
            what="the big file in till 2's queue",
        )
        gevent.sleep(0.8)  # inside the load (it takes seconds)
        tills[2].kill()
        assert loaded_rows(urls[2], "000006") == 0  # killed mid-load: nothing committed
        assert [p for p in f.tills[2].iterdir() if p.name.startswith("000006")]
        tills[2].start()
        # kill -9 till 1 right after its sales: the writer is mid-way or has not begun
        wait(lambda: exchange(tills[1])["position"] == len(CATALOG) + 1, 120, "till 1 big file")
        sell_day(tills[1], 3, close=False)
        tills[1].kill()
        tills[1].start()
        sell_day(tills[1], 1, close=True)
        wait(lambda: exchange(tills[2])["position"] == len(CATALOG) + 1, 120, "till 2 big file")
        sell_day(tills[2], 1, close=True)

        expected = {
            "shiftOpen_[17]_[1]_[1]_[1].xml",
            "shift_[17]_[1]_[1]_[1].xml",
            "shiftOpen_[17]_[1]_[2]_[1].xml",
            "shift_[17]_[1]_[2]_[1].xml",
            "shiftOpen_[17]_[2]_[1]_[1].xml",
            "shift_[17]_[2]_[1]_[1].xml",
            *(f"receipt_[17]_[1]_[1]_[{i}]_[1].xml" for i in (1, 2)),
            *(f"receipt_[17]_[1]_[2]_[{i}]_[1].xml" for i in (1, 2, 3, 4)),
            *(f"receipt_[17]_[2]_[1]_[{i}]_[1].xml" for i in (1, 2)),
        }
        wait(lambda: {p.name for p in taken.iterdir()} >= expected, 60, "every sales file")
        gevent.sleep(1.5)  # anything written twice would arrive now
        assert {p.name for p in taken.iterdir()} == expected
        for n in (1, 2):
            assert exchange(tills[n])["sales"]["pending"] == 0
    finally:
        stop.set()
        trade.join(timeout=5)
        http.clear()
        for node in (*tills.values(), integ):
            if node.proc is not None and node.proc.poll() is None:
                node.terminate()
    assert trade.successful(), trade.exception
    for n in (1, 2):
        db = Database(urls[n])
        with db.read() as s:
            assert s.execute(select(func.count()).select_from(CatItem)).scalar_one() >= BIG_ITEMS
            loaded = (
                s.execute(select(ExchangeFile.name).where(ExchangeFile.status == "loaded"))
                .scalars()
                .all()
            )
        db.dispose()
        assert len(loaded) == len(set(loaded)) == len(CATALOG) + 1  # each file once
        assert not [p for p in f.tills[n].iterdir() if p.is_file()]  # all moved aside
    shutil.rmtree(tmp_path / "store", ignore_errors=True)
