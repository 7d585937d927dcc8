#!/usr/bin/env python3
"""Till figures: how a cashier's scan answers while the till loads a big catalog.

One decentralised till (``ukm node till``, its own process, SQLite or ``--db``) with
the example store's catalog. The cashier scans kefir through the HTTP API, one scan
after another:

  idle      before anything else happens (the same run's baseline)
  loading   while the till loads a full ``updateItems`` exchange file of ``--items``
            items (built aside in staging tables and switched to at the end:
            docs/till-api.md, "Selling while a catalog is applied")

Prints, for each, the scans answered, those refused (``503 catalog.updating``:
the line's write waited 4 s for another writer), p50/p99/max latency, and the
load's duration. The ratio loading/idle is the figure to watch: before the
staging, every scan during the load waited for the whole file.

  python bench/till_busy.py [--items 200000] [--idle 200] [--pause 0.1] [--db URL]

The scans take the till's CPU too: with no pause the load takes several times
longer than alone (one 2-CPU machine); a cashier scans about once a second.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import urllib3  # noqa: E402

from ukm_actors.commands.up_plan import render_toml  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples" / "import"
CATALOG = (
    "taxes_[12]_[F].xml",
    "classif_[12]_[F].xml",
    "updateItems_[12]_[F].xml",
    "storeCashiers_[17]_[45296]_[F].xml",
    "storePrices_[17]_[12]_[F].xml",
)
KEFIR = "4600000000015"
HTTP = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3, read=60), retries=False)


def call(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    r = HTTP.request(method, url, body=data, headers={"Content-Type": "application/json"})
    return r.status, (json.loads(r.data) if r.data else None)


def drop(folder: Path, name: str, data: bytes) -> None:
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    tmp.rename(folder / name)


def big_items(n: int) -> bytes:
    """A full item file of ``n`` items and kefir (which the till goes on selling)."""
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


def start_till(work: Path, db: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    queue = work / "queue"
    queue.mkdir()
    config = work / "till.toml"
    config.write_text(
        render_toml(
            {
                "node": {
                    "role": "till",
                    "id": "till-17-1",
                    "data_dir": str(work / "data"),
                    "ready_file": "ready.json",
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "log": {"level": "WARNING"},
                "db": {"url": db or f"sqlite:///{work / 'till.db'}"},
                "till": {
                    "store": "17",
                    "number": 1,
                    "catalog_source": "folder",
                    "exchange_folder": str(queue),
                    "exchange_settle": 0,
                    "exchange_poll": 0.2,
                },
            }
        ),
        encoding="utf-8",
    )
    log = open(work / "till.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "ukm_actors", "node", "till", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    ready = work / "data" / "ready.json"
    deadline = time.monotonic() + 90
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the till did not start: {(work / 'till.out').read_text()[-2000:]}")
        time.sleep(0.1)
    return proc, json.loads(ready.read_text())["url"], queue


def position(url: str) -> int | None:
    _code, body = call(url + "/status")
    pos: int | None = body["exchange"].get("position")
    return pos


def wait_position(url: str, want: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while position(url) != want:
        if time.monotonic() > deadline:
            raise SystemExit(f"the till did not load file {want} in {timeout:g} s")
        time.sleep(0.2)


LINES = 20
"""Lines on a receipt before it is paid (a receipt of thousands of lines would measure
its own repricing, not the catalog)."""


def scan(api: str, out: list[float], answers: Counter[str]) -> None:
    """One scan, timed; every ``LINES`` lines the receipt is paid (not timed)."""
    t0 = time.perf_counter()
    code, body = call(api + "/receipt/lines", "POST", {"barcode": KEFIR})
    out.append(time.perf_counter() - t0)
    answers[str(code) if code == 201 else f"{code} {(body or {}).get('code')}"] += 1
    if code == 201 and body["line"]["position"] >= LINES:
        due = body["totals"]["due"]
        call(api + "/receipt/payments", "POST", {"type": "cash", "amount": due})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def row(name: str, samples: list[float], answers: Counter[str]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"  {name:<8} n={len(ms):<5} p50 {pct(ms, 0.5):8.2f} ms   p99 {pct(ms, 0.99):8.2f} ms"
        f"   max {max(ms):8.2f} ms   {dict(answers)}"
    )


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--items", type=int, default=200_000)
    p.add_argument("--idle", type=int, default=200, help="scans before the load")
    p.add_argument("--db", default="", help="the till's database URL (default SQLite)")
    p.add_argument("--pause", type=float, default=0.1, help="seconds between scans while loading")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ukm-bench-till-busy-"))
    proc, url, queue = start_till(work, args.db)
    api = url + "/api/v1"
    try:
        for i, name in enumerate(CATALOG, start=1):
            drop(queue, f"{i:06d}_{name}", (EXAMPLES / name).read_bytes())
        wait_position(url, len(CATALOG), 120)
        call(api + "/login", "POST", {"code": "104", "password": "7741"})
        call(api + "/shift/open", "POST", {})
        body = big_items(args.items)

        idle: list[float] = []
        idle_answers: Counter[str] = Counter()
        for _ in range(args.idle):
            scan(api, idle, idle_answers)

        loading: list[float] = []
        answers: Counter[str] = Counter()
        big = len(CATALOG) + 1
        t0 = time.monotonic()
        drop(queue, f"{big:06d}_updateItems_[13]_[F].xml", body)
        while position(url) != big:
            scan(api, loading, answers)
            time.sleep(args.pause)
        took = time.monotonic() - t0

        print(
            f"till busy bench: a full updateItems file of {args.items} items "
            f"({len(body) / 1e6:.1f} MB), loaded in {took:.1f} s "
            f"({args.items / took:,.0f} items/s) while scanning every {args.pause:g} s, "
            f"database {args.db or 'SQLite'}"
        )
        print(row("idle", idle, idle_answers))
        print(row("loading", loading, answers))
        print(
            f"  ratio loading/idle: p50 {pct(loading, 0.5) / pct(idle, 0.5):.1f}x, "
            f"p99 {pct(loading, 0.99) / pct(idle, 0.99):.1f}x"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
