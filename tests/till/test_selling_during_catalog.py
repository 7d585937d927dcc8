"""Selling while a decentralised till loads a big full exchange file: a real till process,
the cashier scanning all along through the API. The file is built aside and switched to
(``catalog/stage.py``), so every scan answers with the item at its price, also while the
file is being loaded, or, where the till truly cannot write the line in time, ``503
catalog.updating`` with nothing added; never a 500 and never a request left hanging.
The counts and the slowest answer are printed (speed is measured in
``bench/till_busy.py``, not asserted here). The server's whole catalog:
``test_selling_during_resync.py``."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path

import gevent
import pytest

from tests.integration_module.conftest import drop
from tests.nodes.helpers import NodeProcess, get_json, http, write_config
from tests.till.helpers import TillClient
from tests.till.test_decentralised import CATALOG, EXAMPLES, KEFIR, big_items

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ITEMS = 100_000
KEFIR_PRICE = 8990


class Scanner:
    """Scans one barcode again and again, keeping every answer, and how many were sold
    while the file was being built aside (``/status`` read after the scan)."""

    def __init__(self, till: TillClient, barcode: str, status_url: str) -> None:
        self.till, self.barcode, self.status_url = till, barcode, status_url
        self.answers: Counter[str] = Counter()
        self.prices: list[int] = []
        self.while_staged = 0
        self.slowest = 0.0
        self.times: list[float] = []
        """How long each scan took, in seconds."""
        self.stop = False

    def once(self) -> None:
        t0 = time.monotonic()
        status, body = self.till.call("POST", "/receipt/lines", {"barcode": self.barcode})
        self.times.append(time.monotonic() - t0)
        self.slowest = max(self.slowest, self.times[-1])
        code, st = get_json(self.status_url)
        staged = code == 200 and bool(st["catalog"]["staging"])
        if status == 201:
            self.prices.append(body["line"]["price"])
            self.answers["201"] += 1
            self.while_staged += int(staged)
        else:
            self.answers[f"{status} {(body or {}).get('code')}"] += 1

    def run(self) -> None:
        while not self.stop:
            self.once()
            gevent.sleep(0.05)


def folder_till(tmp_path: Path, url: str) -> tuple[NodeProcess, Path]:
    queue = tmp_path / "queue"
    queue.mkdir()
    cfg = write_config(
        tmp_path / "till.toml",
        {
            "node": {
                "role": "till",
                "id": "till-17-1",
                "data_dir": str(tmp_path / "data"),
                "ready_file": "ready.json",
            },
            "http": {"host": "127.0.0.1", "port": 0},
            "log": {"level": "INFO"},
            "db": {"url": url},
            "till": {
                "store": "17",
                "number": 1,
                "catalog_source": "folder",
                "exchange_folder": str(queue),
                "exchange_settle": 0,
                "exchange_poll": 0.2,
            },
        },
    )
    return NodeProcess("till", cfg, tmp_path / "data" / "ready.json").start(), queue


def position(node: NodeProcess) -> int | None:
    code, body = get_json(node.url + "/status")
    assert code == 200, body
    return body["exchange"].get("position")


def wait(cond, timeout: float, what: str) -> None:
    with gevent.Timeout(timeout, AssertionError(f"timed out waiting for {what}")):
        while not cond():
            gevent.sleep(0.2)


def tear_down(scanner: Scanner | None, node: NodeProcess, queue: Path) -> None:
    """Stop the scanning, the till if it still runs, and drop the queue folder."""
    if scanner is not None:
        scanner.stop = True
    http.clear()
    if node.proc is not None and node.proc.poll() is None:
        node.terminate()
    shutil.rmtree(queue, ignore_errors=True)


def test_a_decentralised_till_sells_while_it_loads_a_big_full_item_file(tmp_path, make_db_url):
    node, queue = folder_till(tmp_path, make_db_url("till-17-1"))
    scanner = None
    try:
        for i, name in enumerate(CATALOG, start=1):
            drop(queue, f"{i:06d}_{name}", (EXAMPLES / name).read_bytes())
        wait(lambda: position(node) == len(CATALOG), 120, "the example catalog")
        till = TillClient(node.url)
        till.login("104", "7741")
        till.post("/shift/open")
        scanner = Scanner(till, KEFIR, node.url + "/status")
        scanner.once()
        assert scanner.prices == [KEFIR_PRICE]

        big = len(CATALOG) + 1
        drop(queue, f"{big:06d}_updateItems_[13]_[F].xml", big_items(ITEMS))
        started = time.monotonic()
        selling = gevent.spawn(scanner.run)
        wait(lambda: position(node) == big, 400, "the big file loaded")
        took = time.monotonic() - started
        scanner.stop = True
        selling.get(timeout=60)
        print(
            f"{ITEMS} items loaded in {took:.1f} s; scans meanwhile: {dict(scanner.answers)}, "
            f"{scanner.while_staged} sold while the file was staged, "
            f"slowest answer {scanner.slowest:.2f} s"
        )
        assert set(scanner.answers) <= {"201", "503 catalog.updating"}, scanner.answers
        assert scanner.while_staged > 0, "the cashier sold while the file was loaded"
        assert set(scanner.prices) == {KEFIR_PRICE}
        lines = till.receipt()["lines"]
        assert len(lines) == len(scanner.prices)  # a refused scan added nothing
        till.pay("cash", KEFIR_PRICE * len(lines))
    finally:
        tear_down(scanner, node, queue)
