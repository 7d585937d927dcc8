#!/usr/bin/env python3
"""Till figures: scan-to-line latency on a 200-line receipt with a 200,000-item catalog,
and receipt close time. One till node in this process, on SQLite (the till's database).

  scan→line (actor)  SaleFlows.add_line: lookup by barcode, rules, promotions hook,
                     one write transaction, in-memory receipt updated
  scan→line (HTTP)   POST /api/v1/receipt/lines over a kept-alive connection
  close (actor/HTTP) the paying cash payment that closes a 200-line receipt: the
                     closing transaction (receipt doc, shift totals, outbox, print job)
  prices.lookup      the price checker's ask, answered from the catalog (handler only)
  CPU time           process CPU seconds per scan (client included for HTTP): what the
                     scan costs regardless of other processes competing for the machine
  baseline           the same work done by hand: a barcode/item/price primary-key
                     lookup and a one-row insert transaction in the same WAL database,
                     raw sqlite3 (no ORM, no actors, no HTTP)

  python bench/till.py [--items 200000] [--lines 200] [--receipts 3] [--db DIR]

Target: scan→line p99 < 5 ms.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import urllib3  # noqa: E402

from ukm_actors.bridge.documents import Document  # noqa: E402
from ukm_actors.bridge.inbox import apply  # noqa: E402
from ukm_actors.codecs import catalogdoc  # noqa: E402
from ukm_actors.codecs.catalogdoc import CatalogRecord  # noqa: E402
from ukm_actors.config import load_config  # noqa: E402
from ukm_actors.domain.barcodes import ean13_check_digit  # noqa: E402
from ukm_actors.domain.passwords import hash_password  # noqa: E402
from ukm_actors.domain.rights import Right  # noqa: E402
from ukm_actors.nodes.base import Node  # noqa: E402
from ukm_actors.nodes.till.sale.items import AddRequest  # noqa: E402

STORE = "17"
RIGHTS = [r.value for r in Right]


def barcode(i: int) -> str:
    body = f"46{i:010d}"
    return body + str(ean13_check_digit(body))


def catalog(items: int) -> bytes:
    records: list[CatalogRecord] = [
        CatalogRecord(
            "put", "store", {"code": STORE, "name": "Bench", "timezone": "Europe/Moscow"}
        ),
        CatalogRecord("put", "tax", {"id": "vat20", "name": "VAT 20%", "rate_bp": 2000}),
        CatalogRecord("put", "taxgroup", {"id": "1", "name": "20%", "tax_id": "vat20"}),
        CatalogRecord("put", "group", {"id": "g", "parent_id": None, "name": "All"}),
        CatalogRecord(
            "put",
            "agerule",
            {"id": "a", "article": "none", "group_id": None, "min_age": 18, "message": "18+"},
        ),
        CatalogRecord(
            "put",
            "cashier",
            {
                "code": "1",
                "name": "Bench",
                "password_hash": hash_password("1", scheme="pbkdf2-sha256", cost=1000),
                "rights": RIGHTS,
            },
        ),
    ]
    for i in range(items):
        article = str(100000 + i)
        records.append(
            CatalogRecord(
                "put",
                "item",
                {
                    "article": article,
                    "name": f"Item {i}",
                    "group_id": "g",
                    "taxgroup_id": "1",
                    "barcodes": [[barcode(i), 1000]],
                },
            )
        )
        records.append(CatalogRecord("put", "price", {"article": article, "price": 100 + i % 9000}))
    return b"".join(
        catalogdoc.encode_lines({"full": True, "store": STORE, "items": items}, records)
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def row(name: str, samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (
        f"  {name:<28} n={len(ms):<5} p50 {pct(ms, 0.5):7.3f} ms   p99 {pct(ms, 0.99):7.3f} ms"
        f"   max {max(ms):7.3f} ms"
    )


def baseline(db_path: Path, codes: list[str], n: int) -> list[float]:
    """PK lookups (barcode, item, price) and a one-row insert transaction, raw sqlite3."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("DROP TABLE IF EXISTS bench_line")
    conn.execute("CREATE TABLE bench_line (pos INTEGER PRIMARY KEY, article TEXT, price INT)")
    out = []
    for pos in range(n):
        code = random.choice(codes)
        t0 = time.perf_counter()
        (article,) = conn.execute(
            "SELECT article FROM till_cat_barcode WHERE barcode = ?", (code,)
        ).fetchone()
        conn.execute("SELECT name FROM till_cat_item WHERE article = ?", (article,)).fetchone()
        (price,) = conn.execute(
            "SELECT price FROM till_cat_price WHERE article = ?", (article,)
        ).fetchone()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_line VALUES (?, ?, ?)", (pos, article, price))
        conn.execute("COMMIT")
        out.append(time.perf_counter() - t0)
    conn.execute("DROP TABLE bench_line")
    conn.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--items", type=int, default=200_000)
    p.add_argument("--lines", type=int, default=200)
    p.add_argument("--receipts", type=int, default=3)
    p.add_argument("--db", default="")
    args = p.parse_args()
    tmp = Path(args.db or tempfile.mkdtemp(prefix="ukm-bench-till-"))
    db_path = tmp / "till.db"
    config = load_config(
        None,
        role="till",
        overrides={
            "node": {"id": f"till-{STORE}-1", "data_dir": str(tmp)},
            "http": {"host": "127.0.0.1", "port": 0},
            "db": {"url": f"sqlite:///{db_path}"},
            "till": {"store": STORE, "number": 1},
            "log": {"level": "WARNING"},
        },
    )
    node = Node(config).start()
    try:
        t0 = time.perf_counter()
        body = catalog(args.items)
        built = time.perf_counter() - t0
        doc = Document.make(catalogdoc.FULL, body, channel=f"server>{node.ctx.node_id}", seq=1)
        t0 = time.perf_counter()
        with node.ctx.db.write() as session:
            apply(session, doc, node.ctx.appliers)
        applied = time.perf_counter() - t0
        print(
            f"till bench: {args.items} items, {len(body) / 1e6:.1f} MB catalog.full "
            f"(built {built:.1f} s, applied {applied:.1f} s = "
            f"{args.items / applied:,.0f} items/s)"
        )

        handler = node.ctx.asks.get("prices.lookup")
        lookups = []
        for _ in range(2000):
            code = barcode(random.randrange(args.items))
            t = time.perf_counter()
            assert handler({"barcode": code}, "pricechecker-17")["found"]
            lookups.append(time.perf_counter() - t)
        print(row("prices.lookup ask handler", lookups) + "   (target well under 50 ms)")

        http = urllib3.PoolManager(maxsize=1)
        api = node.ctx.url + "/api/v1"

        def post(path: str, payload: dict[str, Any]) -> Any:
            r = http.request(
                "POST",
                api + path,
                body=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
            )
            assert r.status in (200, 201), (r.status, r.data[:300])
            return json.loads(r.data)

        post("/login", {"code": "1", "password": "1"})
        post("/shift/open", {})
        flows = node.ctx.services.sale_flows
        grant = node.ctx.services.auth.authorize(Right.SELL)
        codes = [barcode(random.randrange(args.items)) for _ in range(args.lines * args.receipts)]

        def run(label: str, with_promotions: bool) -> dict[str, list[float]]:
            saved = node.ctx.services.promotions
            node.ctx.services.promotions = saved if with_promotions else None
            res: dict[str, list[float]] = {
                "actor": [],
                "http": [],
                "close_actor": [],
                "close_http": [],
                "actor_cpu": [],
                "http_cpu": [],
            }
            for n in range(args.receipts):
                for code in codes[n * args.lines : (n + 1) * args.lines]:
                    t, c = time.perf_counter(), time.process_time()
                    flows.add_line(grant, AddRequest(barcode=code))
                    res["actor"].append(time.perf_counter() - t)
                    res["actor_cpu"].append(time.process_time() - c)
                due = flows.sale().snapshot().get(timeout=10).receipt.due
                t = time.perf_counter()
                flows.pay(grant, "cash", due)
                res["close_actor"].append(time.perf_counter() - t)
                for code in codes[n * args.lines : (n + 1) * args.lines]:
                    t, c = time.perf_counter(), time.process_time()
                    post("/receipt/lines", {"barcode": code})
                    res["http"].append(time.perf_counter() - t)
                    res["http_cpu"].append(time.process_time() - c)
                due = flows.sale().snapshot().get(timeout=10).receipt.due
                t = time.perf_counter()
                post("/receipt/payments", {"type": "cash", "amount": due})
                res["close_http"].append(time.perf_counter() - t)
            node.ctx.services.promotions = saved
            print(f"\n{label}  ({args.receipts} receipts of {args.lines} lines each way)")
            print(row("scan→line (actor)", res["actor"]))
            print(row("  same, CPU time", res["actor_cpu"]))
            print(row("scan→line (HTTP)", res["http"]))
            print(row("  same, CPU time", res["http_cpu"]))
            print(row("close 200 lines (actor)", res["close_actor"]))
            print(row("close 200 lines (HTTP)", res["close_http"]))
            return res

        with_engine = run(
            "with the promotion engine (no campaigns)", node.ctx.services.promotions is not None
        )
        without = run("without promotions", False)
        base = baseline(db_path, codes, args.lines * args.receipts)
        print("\nbaseline")
        print(row("raw sqlite lookup+insert", base))
        b50, b99 = pct(base, 0.5), pct(base, 0.99)
        for label, res in (("with engine", with_engine), ("without", without)):
            a50, a99 = pct(res["actor"], 0.5), pct(res["actor"], 0.99)
            print(
                f"  ratio scan→line (actor, {label}) / baseline: p50 {a50 / b50:.1f}x, "
                f"p99 {a99 / b99:.1f}x"
            )
        worst = max(pct(with_engine["http"], 0.99), pct(without["http"], 0.99)) * 1000
        print(
            f"\ntarget scan→line p99 < 5 ms: {'met' if worst < 5 else 'NOT met'} "
            f"(worst HTTP p99 {worst:.2f} ms)"
        )
    finally:
        node.stop()


if __name__ == "__main__":
    main()
