#!/usr/bin/env python3
"""The cash server's console with a year of one store and a 200,000-item catalog: how long
each console page takes to load in chromium, and the API calls behind the pages.

1. a database (SQLite file, or the PostgreSQL schema ``bench_console``, dropped first) with
   the server's migrations and N receipts of one store (5 tills, shifts of 500 receipts,
   1-3 lines each) bulk-loaded as ``bench/search.py`` does;
2. a real server process on it; the example catalog (docs/examples/import) and 200,000
   generated items go through its import folder (the bulk import path), then ANALYZE;
3. each API call behind the pages is timed ``--runs`` times over HTTP with an employee's
   login (p50 / p99), with ``GET /health`` of the same run as the baseline (the HTTP round
   trip alone);
4. each console page is loaded ``--loads`` times in Debian's chromium (a reload of
   ``/#/<page>``, logged in): from the navigation's start to the page showing its data
   (``#view[data-ready="1"]``, set by the console once the page's API calls are done).

  python bench/console.py                                          # SQLite, 1,000,000 receipts
  python bench/console.py --receipts 100000 --items 200000
  python bench/console.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
  python bench/console.py --data /tmp/console-bench --reuse        # measure an earlier load
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import quote  # noqa: E402

import urllib3  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as receipts_bench  # noqa: E402

import ukm_actors.nodes.server as server_pkg  # noqa: E402
from ukm_actors.codecs.ukm_samples import catalog_items, ean13, write_import_file  # noqa: E402
from ukm_actors.db import Database  # noqa: E402
from ukm_actors.db.migrate import upgrade  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples" / "import"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOGIN, PASSWORD = "bench.admin", "bench-password"
http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=120), retries=False)


def one_store() -> None:
    """Make ``bench/search.py``'s generator write one store (17) with 5 tills."""
    receipts_bench.STORES = 1
    receipts_bench.TILLS_PER_STORE = 5
    receipts_bench.TILLS = 5
    original = receipts_bench.Generator.place

    def place(i: int) -> tuple[str, int, int, int]:
        _store, till, shift, number = original(i)
        return "17", till, shift, number

    receipts_bench.Generator.place = staticmethod(place)  # type: ignore[method-assign]


def bulk_items(n: int) -> Iterator[Any]:
    """Generated items ``9000001``.. with barcodes ``48…`` (apart from the examples)."""
    for i, item in enumerate(catalog_items(n, seed=7), start=1):
        codes = [ean13(2 * i, "48"), ean13(2 * i + 1, "48")]
        barcodes = tuple(replace(b, barcode=codes[k]) for k, b in enumerate(item.barcodes))
        yield replace(item, article=f"9{item.article}", barcodes=barcodes)


def start_server(data: Path, url: str) -> tuple[Any, str]:
    import subprocess

    from ukm_actors.commands.up_plan import render_toml

    (data / "import").mkdir(parents=True, exist_ok=True)
    ready = data / "ready.json"
    ready.unlink(missing_ok=True)
    cfg = data / "server.toml"
    cfg.write_text(
        render_toml(
            {
                "node": {"role": "server", "id": "server", "data_dir": str(data),
                         "ready_file": "ready.json"},
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": url},
                "log": {"level": "WARNING", "file": "server.log"},
                "server": {"import_dir": str(data / "import"), "import_poll": 0.2,
                           "import_settle": 0.0, "export_dir": str(data / "export")},
                "bridge": {"secret": "bench"},
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "ukm_actors", "node", "server", "--config", str(cfg)],
        stdout=open(data / "server.out", "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 600
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start; see {data / 'server.out'}")
        time.sleep(0.2)
    return proc, str(json.loads(ready.read_text())["url"])


def load_catalog(data: Path, items: int) -> float:
    inbox = data / "import"
    started = time.monotonic()
    for f in sorted(EXAMPLES.glob("*.xml")):
        shutil.copyfile(f, inbox / f".{f.name}.part")
        (inbox / f".{f.name}.part").rename(inbox / f.name)
    write_import_file(inbox, "updateItems", bulk_items(items), "I", number=90)
    while list(inbox.glob("*.xml")):
        time.sleep(0.5)
    failed = list((inbox / "failed").glob("*.xml"))
    if failed:
        raise SystemExit(f"import refused {failed}; see the .error.txt next to them")
    return time.monotonic() - started


def analyze(url: str) -> None:
    """Planner statistics after the bulk load, as autovacuum would give them a minute later
    (without them PostgreSQL sorts the whole catalog for a page: see README)."""
    from sqlalchemy import text

    db = Database(url)
    try:
        with db.write() as s:
            s.execute(text("ANALYZE"))
    finally:
        db.dispose()


def employee(url: str) -> None:
    from ukm_actors.nodes.server.admin import auth

    db = Database(url)
    try:
        with db.write() as s:
            try:
                auth.create_employee(s, LOGIN, PASSWORD, "admin", "Bench")
            except Exception:  # noqa: BLE001 - exists from an earlier run (--reuse)
                pass
    finally:
        db.dispose()


def token(base: str) -> str:
    r = http.request(
        "POST", base + "/api/v1/login", body=json.dumps({"login": LOGIN, "password": PASSWORD})
    )
    return str(json.loads(r.data)["token"])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


API_CALLS = [
    ("health (baseline)", "/health"),
    ("dashboard: monitoring", "/api/v1/monitoring"),
    ("dashboard: host history 6 h", "/api/v1/monitoring/host/history?hours=6"),
    ("catalog: first page, counted", "/api/v1/items?page=1&per_page=50"),
    ("catalog: page 2000", "/api/v1/items?page=2000&per_page=50"),
    ("catalog: find a barcode", "/api/v1/items?find={barcode}"),
    ("catalog: find an article", "/api/v1/items?find={article}"),
    ("catalog: find a common name part", "/api/v1/items?find=молоко"),
    ("catalog: find a rare name part", "/api/v1/items?find=ёжик"),
    ("catalog: one item", "/api/v1/items/{article}"),
    ("receipts: newest page", "/api/v1/receipts?store=17"),
    ("receipts: one day", "/api/v1/receipts?store=17&from=2024-06-01&to=2024-06-01"),
    ("receipts: by barcode", "/api/v1/receipts?barcode=4600000000125"),
    ("receipts: one receipt", "/api/v1/receipts/{receipt}"),
    ("shifts: newest page", "/api/v1/shifts?store=17"),
    ("stores", "/api/v1/stores"),
    ("imports", "/api/v1/imports"),
    ("audit", "/api/v1/audit"),
]


def bench_api(
    base: str, bearer: str, runs: int, receipts: int, items: int
) -> list[tuple[str, float, float]]:
    out = []
    headers = {"Authorization": f"Bearer {bearer}"}
    for i, (label, path) in enumerate(API_CALLS):
        times = []
        for k in range(runs):
            n = 1 + (i * 7919 + k * 104_729) % items
            url = base + path.format(
                barcode=ean13(2 * n, "48"), article=f"9{n:06d}", receipt=f"r{receipts // 2:012d}"
            )
            started = time.perf_counter()
            r = http.request("GET", url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            if r.status != 200:
                raise SystemExit(f"{label}: {url} answered {r.status}: {r.data[:300]!r}")
        out.append((label, statistics.median(times), pct(times, 99)))
    return out


def bench_pages(base: str, loads: int) -> list[tuple[str, float, float]]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        page.goto(base + "/")
        page.fill("input[name=login]", LOGIN)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#nav")
        for name in page.evaluate("C.pages()"):
            times = []
            for _ in range(loads):
                page.goto(f"{base}/#/{name}")
                page.reload()
                page.wait_for_selector(f'#view[data-page="{name}"][data-ready="1"]', timeout=60000)
                times.append(page.evaluate("performance.now()"))
            out.append((name, statistics.median(times), max(times)))
        browser.close()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--receipts", type=int, default=1_000_000)
    p.add_argument("--items", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=30, help="timed calls per API call")
    p.add_argument("--loads", type=int, default=5, help="timed loads per page")
    p.add_argument("--pg", help="PostgreSQL URL (postgresql+psycopg://...)")
    p.add_argument("--data", type=Path, help="folder for the server (default: a temporary one)")
    p.add_argument("--reuse", action="store_true", help="measure the data already there")
    args = p.parse_args()
    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.TemporaryDirectory()
        data = Path(tmp.name)
    if args.pg:
        url = receipts_bench.pg_url(args.pg, "bench_console") if not args.reuse else (
            f"{args.pg}{'&' if '?' in args.pg else '?'}options="
            + quote("-csearch_path=bench_console")
        )  # fmt: skip
    else:
        db_file = data / "server.db"
        if not args.reuse:
            shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{db_file}"
    if not args.reuse:
        data.mkdir(parents=True, exist_ok=True)
        one_store()
        db = Database(url, statement_timeout_ms=600_000)
        upgrade(db, Path(server_pkg.__file__).parent / "migrations")
        spent = receipts_bench.load(db, args.receipts)
        db.dispose()
        print(f"{args.receipts:,} receipts of store 17 bulk-loaded in {spent:,.0f} s", flush=True)
    employee(url)
    proc, base = start_server(data, url)
    try:
        if not args.reuse:
            spent = load_catalog(data, args.items)
            print(f"example catalog + {args.items:,} items imported in {spent:,.0f} s", flush=True)
            analyze(url)
        print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}; server {base}")
        print(f"\nAPI over HTTP, {args.runs} calls each (ms)     p50      p99")
        for label, p50, p99 in bench_api(base, token(base), args.runs, args.receipts, args.items):
            print(f"  {label:38} {p50:7.1f}  {p99:7.1f}")
        print(
            f"\nconsole pages in chromium, reload → data shown, {args.loads} loads (ms)  p50   max"
        )
        for name, p50, worst in bench_pages(base, args.loads):
            print(f"  {name:38} {p50:7.0f}  {worst:7.0f}")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
