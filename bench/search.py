#!/usr/bin/env python3
"""Receipt search over millions of receipts: p50/p99 per filter, SQLite and PostgreSQL.

Builds the server's real tables (migrations), bulk-loads N receipts (100
tills of 20 stores selling at once, shifts of 500 receipts, 1-3 lines, cash,
card or both, 20 000 articles), runs ANALYZE, then times each search of the
receipt API (``search_receipts``, one page of 50, newest first) with random
values, and a primary-key lookup as the baseline of the same run.

  python bench/search.py                                   # 5 000 000 on SQLite
  python bench/search.py --receipts 1000000 --queries 100
  python bench/search.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
  python bench/search.py --sqlite /tmp/search.db --reuse   # query an earlier load

On PostgreSQL the data goes into a schema ``bench_search`` (dropped first).
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import quote  # noqa: E402

from sqlalchemy import func, select, text  # noqa: E402

import ukm_actors.nodes.server as server_pkg  # noqa: E402
from ukm_actors.db import Database  # noqa: E402
from ukm_actors.db.migrate import upgrade  # noqa: E402
from ukm_actors.nodes.server.sales.search import (  # noqa: E402
    Paging,
    ReceiptQuery,
    list_shifts,
    receipt_detail,
    search_receipts,
)
from ukm_actors.nodes.server.sales.tables import (  # noqa: E402
    SaleLine,
    SalePayment,
    SaleReceipt,
    SaleReceiptTag,
    SaleShift,
)

STORES = 20
TILLS_PER_STORE = 5
TILLS = STORES * TILLS_PER_STORE
SHIFT_SIZE = 500
CASHIERS = 200
ARTICLES = 20_000
START_MS = 1_704_056_400_000  # 2024-01-01 00:00 +03:00
SPAN_MS = 365 * 86_400_000
BATCH = 20_000

RECEIPT_COLS = (
    "id receipt_id store till shift_num number kind state opened_at closed_at closed_ms "
    "cashier_code cashier_name total change offline_return received_ms"
).split()
LINE_COLS = (
    "receipt_pk position article name measure quantity price amount discount total barcode voided"
).split()
PAYMENT_COLS = "receipt_pk idx type amount".split()
TAG_COLS = "tag closed_ms receipt_pk".split()
SHIFT_COLS = (
    "id shift_id store till shift_num started_ms opened_at opened_ms open_cashier_code "
    "open_cashier_name closed_at closed_ms close_cashier_code close_cashier_name receipt_numbers "
    "arrived_count sales_count sales_total returns_count returns_total cancelled_count"
).split()


def barcode(article: int) -> str:
    return f"46{article:011d}"


def local_text(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000 + 3 * 3600))


class Generator:
    """Deterministic receipts in time order; receipt ``i`` (1-based) is till ``i % 100``."""

    def __init__(self, n: int, seed: int = 7) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.step = SPAN_MS / n
        self.shift_sums: dict[tuple[int, int], int] = {}

    @staticmethod
    def place(i: int) -> tuple[str, int, int, int]:
        """Store, till, shift and number of receipt ``i``."""
        t = i % TILLS
        k = i // TILLS
        return (
            str(t // TILLS_PER_STORE + 1),
            t % TILLS_PER_STORE + 1,
            k // SHIFT_SIZE + 1,
            (k % SHIFT_SIZE + 1),
        )

    def cashier(self, till_idx: int, shift: int) -> str:
        return str(100 + (till_idx * 7 + shift) % CASHIERS)

    def batches(self) -> Iterator[tuple[list[tuple[Any, ...]], ...]]:
        rng = self.rng
        receipts: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        payments: list[tuple[Any, ...]] = []
        tags: list[tuple[Any, ...]] = []
        for i in range(1, self.n + 1):
            store, till, shift, number = self.place(i)
            ms = START_MS + int(i * self.step)
            when = local_text(ms)
            total = 0
            arts: set[int] = set()
            for pos in range(1, rng.choice((1, 1, 2, 2, 2, 3, 3)) + 1):
                art = int(rng.paretovariate(1.2) * 10) % ARTICLES
                weighed = art % 10 == 0
                qty = rng.randint(250, 2500) if weighed else 1000 * rng.choice((1, 1, 1, 2, 3))
                price = rng.randint(1000, 300_000) if art % 3 else rng.randint(3000, 30_000)
                amount = price * qty // 1000
                total += amount
                code = f"{art:06d}"
                lines.append(
                    (
                        i,
                        pos,
                        code,
                        f"Товар {art}",
                        "кг" if weighed else "шт",
                        qty,
                        price,
                        amount,
                        0,
                        amount,
                        barcode(art),
                        False,
                    )
                )
                arts.add(art)
            r = rng.random()
            kinds = ("cash",) if r < 0.6 else ("card",) if r < 0.95 else ("cash", "card")
            if len(kinds) == 1:
                payments.append((i, 0, kinds[0], total))
            else:
                half = total // 2
                payments.extend(((i, 0, "cash", half), (i, 1, "card", total - half)))
            for art in arts:
                tags.append((f"a:{art:06d}", ms, i))
                tags.append((f"b:{barcode(art)}", ms, i))
            for kind in kinds:
                tags.append((f"p:{kind}", ms, i))
            till_idx = i % TILLS
            key = (till_idx, shift)
            self.shift_sums[key] = self.shift_sums.get(key, 0) + total
            receipts.append(
                (
                    i,
                    f"r{i:012d}",
                    store,
                    till,
                    shift,
                    number,
                    "sale",
                    "completed",
                    when,
                    when,
                    ms,
                    self.cashier(till_idx, shift),
                    "Кассир",
                    total,
                    0,
                    False,
                    ms,
                )
            )
            if len(receipts) >= BATCH:
                yield receipts, lines, payments, tags
                receipts, lines, payments, tags = [], [], [], []
        if receipts:
            yield receipts, lines, payments, tags

    def shifts(self) -> list[tuple[Any, ...]]:
        out = []
        per_till = self.n // TILLS
        sid = 0
        for t in range(TILLS):
            for shift in range(1, per_till // SHIFT_SIZE + 2):
                first = (shift - 1) * SHIFT_SIZE * TILLS + t
                last = shift * SHIFT_SIZE * TILLS + t - TILLS
                if first < 1:
                    first += TILLS
                if last > self.n:
                    last = self.n - (self.n - t) % TILLS
                if first > last:
                    continue
                sid += 1
                o_ms = START_MS + int(first * self.step)
                c_ms = START_MS + int(last * self.step)
                count = (last - first) // TILLS + 1
                store, till, _, _ = self.place(first)
                cashier = self.cashier(t, shift)
                out.append(
                    (
                        sid,
                        f"s{sid}",
                        store,
                        till,
                        shift,
                        o_ms,
                        local_text(o_ms),
                        o_ms,
                        cashier,
                        "Кассир",
                        local_text(c_ms),
                        c_ms,
                        cashier,
                        "Кассир",
                        "[" + ",".join(str(k) for k in range(1, count + 1)) + "]",
                        count,
                        count,
                        self.shift_sums.get((t, shift), 0),
                        0,
                        0,
                        0,
                    )
                )
        return out


def _sqlite_insert(conn: Any, table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
    marks = ",".join("?" * len(cols))
    conn.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", rows)


def _pg_copy(conn: Any, table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({','.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def load(db: Database, n: int) -> float:
    """Bulk-load ``n`` receipts; returns seconds. Secondary indexes are built afterwards."""
    gen = Generator(n)
    tables = [SaleReceipt.__table__, SaleShift.__table__]
    indexes = [ix for t in tables for ix in t.indexes]  # type: ignore[attr-defined]
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        put = _sqlite_insert if db.dialect == "sqlite" else _pg_copy
        cur = raw.cursor()
        for ix in indexes:
            cur.execute(f"DROP INDEX IF EXISTS {ix.name}")
        if db.dialect == "sqlite":
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-1000000")
            cur.execute("BEGIN")
        done = 0
        for receipts, lines, payments, tags in gen.batches():
            put(conn, "sales_receipt", RECEIPT_COLS, receipts)
            put(conn, "sales_line", LINE_COLS, lines)
            put(conn, "sales_payment", PAYMENT_COLS, payments)
            put(conn, "sales_receipt_tag", TAG_COLS, tags)
            done += len(receipts)
            if done % 500_000 < BATCH:
                rate = done / (time.perf_counter() - started)
                print(f"  loaded {done:>10,} receipts ({rate:,.0f}/s)", flush=True)
        put(conn, "sales_shift", SHIFT_COLS, gen.shifts())
        if db.dialect == "sqlite":
            cur.execute("COMMIT")
        else:
            raw.commit()
        print("  building indexes ...", flush=True)
        for ix in indexes:
            ix.create(db.engine)
        with db.engine.begin() as c:
            if db.dialect == "postgresql":
                c.execute(text("SELECT setval('sales_receipt_id_seq', :n)"), {"n": n})
            c.execute(text("ANALYZE"))
    finally:
        raw.close()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def timed(db: Database, fn: Callable[[Any], Any], runs: int) -> tuple[float, float]:
    spent = []
    with db.read() as session:
        fn(session)  # warm-up
        for _ in range(runs):
            t0 = time.perf_counter()
            fn(session)
            spent.append((time.perf_counter() - t0) * 1000)
    return statistics.median(spent), percentile(spent, 99)


def cases(n: int, rng: random.Random) -> list[tuple[str, Callable[[], Callable[[Any], Any]]]]:
    page = Paging(per_page=50)

    def search(**kw: Any) -> Callable[[Any], Any]:
        q = ReceiptQuery(**kw)
        return lambda s: search_receipts(s, q, page)

    def store() -> str:
        return str(rng.randint(1, STORES))

    def day() -> tuple[int, int]:
        lo = START_MS + rng.randint(0, 364) * 86_400_000
        return lo, lo + 86_400_000

    def article() -> str:
        return f"{int(rng.paretovariate(1.2) * 10) % ARTICLES:06d}"

    def rare_article() -> str:
        return f"{rng.randint(ARTICLES // 2, ARTICLES - 1):06d}"

    def amount() -> dict[str, int]:
        lo = rng.randint(1_000, 500_000)
        return {"min_total": lo, "max_total": lo + lo // 100}

    def shift() -> dict[str, Any]:
        i = rng.randint(1, n)
        st, till, sh, _ = Generator.place(i)
        return {"store": st, "till": till, "shift": sh}

    def any_id() -> str:
        return f"r{rng.randint(1, n):012d}"

    return [
        ("latest (no filter)", lambda: search()),
        ("store", lambda: search(store=store())),
        ("store + till", lambda: search(store=store(), till=rng.randint(1, TILLS_PER_STORE))),
        ("store + till + shift", lambda: search(**shift())),
        ("date range (1 day)", lambda: (lambda d: search(from_ms=d[0], to_ms=d[1]))(day())),
        (
            "store + date range",
            lambda: (lambda d: search(store=store(), from_ms=d[0], to_ms=d[1]))(day()),
        ),
        ("cashier", lambda: search(cashier=str(rng.randint(100, 100 + CASHIERS - 1)))),
        ("amount range (1%)", lambda: search(**amount())),
        ("amount at least", lambda: search(min_total=rng.randint(1_000, 900_000))),
        ("article (popular)", lambda: search(article=article())),
        ("article (rare)", lambda: search(article=rare_article())),
        ("barcode", lambda: search(barcode=barcode(int(article())))),
        ("payment type", lambda: search(payment=rng.choice(("cash", "card")))),
        ("receipt number", lambda: search(number=rng.randint(1, SHIFT_SIZE))),
        ("store + article", lambda: search(store=store(), article=article())),
        ("article + payment", lambda: search(article=article(), payment="card")),
        (
            "page 20 (offset)",
            lambda: (lambda q: lambda s: search_receipts(s, q, Paging(page=20, per_page=50)))(
                ReceiptQuery(store=store())
            ),
        ),
        ("one receipt in full", lambda: (lambda rid: lambda s: receipt_detail(s, rid))(any_id())),
        (
            "shift closings of a store",
            lambda: (lambda st: lambda s: list_shifts(s, st, None, None, Paging(per_page=50)))(
                store()
            ),
        ),
    ]


def bench(db: Database, n: int, queries: int) -> None:
    rng = random.Random(11)

    def baseline(s: Any) -> Any:
        return s.execute(select(SaleReceipt).where(SaleReceipt.id == rng.randint(1, n))).first()

    base50, base99 = timed(db, baseline, queries * 4)
    print(f"\n{'search (page of 50)':<28} {'p50 ms':>8} {'p99 ms':>8} {'x base':>8}")
    print(f"{'baseline: receipt by id':<28} {base50:>8.2f} {base99:>8.2f} {1:>8.1f}")
    for name, make in cases(n, rng):
        spent = []
        with db.read() as session:
            make()(session)
            for _ in range(queries):
                fn = make()
                t0 = time.perf_counter()
                fn(session)
                spent.append((time.perf_counter() - t0) * 1000)
        p50, p99 = statistics.median(spent), percentile(spent, 99)
        print(f"{name:<28} {p50:>8.2f} {p99:>8.2f} {p50 / base50:>8.1f}", flush=True)


def apply_rate(url: str, n: int) -> None:
    """Receipts per second through the real appliers (one transaction each), on a fresh DB."""
    import uuid

    from ukm_actors.bridge.documents import Document
    from ukm_actors.bridge.inbox import Appliers, apply
    from ukm_actors.codecs.tilldocs import PaymentDoc, ReceiptDoc, ReceiptLineDoc, encode
    from ukm_actors.nodes.server.sales.appliers import SalesAppliers

    db = Database(url)
    upgrade(db, Path(server_pkg.__file__).parent / "migrations")
    appliers = Appliers()
    SalesAppliers((), wake=lambda: None).register(appliers)
    docs = []
    for i in range(1, n + 1):
        lines = tuple(
            ReceiptLineDoc(
                position=p,
                article=f"{p:06d}",
                name="Товар",
                measure="шт",
                quantity=1000,
                price=8990,
                amount=8990,
                discount=0,
                total=8990,
                barcode=barcode(p),
            )
            for p in range(1, 4)
        )
        doc = ReceiptDoc(
            receipt_id=str(uuid.uuid4()),
            store="17",
            till=1,
            shift_num=1,
            number=i,
            kind="sale",
            state="completed",
            opened_at="2024-03-15T12:00:00",
            closed_at="2024-03-15T12:00:00",
            closed_at_utc="2024-03-15T09:00:00Z",
            cashier_code="104",
            cashier_name="Кассир",
            total=26970,
            lines=lines,
            payments=(PaymentDoc("cash", 26970),),
        )
        docs.append(Document.make("receipt", encode(doc), channel="till-17-1>server", seq=i))
    t0 = time.perf_counter()
    for d in docs:
        with db.write() as session:
            apply(session, d, appliers)
    spent = time.perf_counter() - t0
    print(
        f"applied {n:,} receipts of 3 lines, one transaction each: {n / spent:,.0f}/s "
        f"({spent / n * 1000:.2f} ms each)"
    )
    db.dispose()


def pg_url(base: str, schema: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--receipts", type=int, default=5_000_000)
    p.add_argument("--queries", type=int, default=50, help="timed queries per filter")
    p.add_argument("--pg", help="PostgreSQL URL (postgresql+psycopg://...)")
    p.add_argument("--sqlite", type=Path, help="SQLite file (default: a temporary one)")
    p.add_argument("--reuse", action="store_true", help="query the data already there")
    p.add_argument(
        "--apply",
        type=int,
        metavar="N",
        help="only measure applying N receipts through the appliers (fresh database)",
    )
    args = p.parse_args()
    if args.apply:
        if args.pg:
            apply_rate(pg_url(args.pg, "bench_apply"), args.apply)
        else:
            with tempfile.TemporaryDirectory() as d:
                apply_rate(f"sqlite:///{d}/apply.db", args.apply)
        return 0
    tmp = None
    if args.pg:
        url = args.pg if args.reuse else pg_url(args.pg, "bench_search")
        if args.reuse:
            url = f"{args.pg}{'&' if '?' in args.pg else '?'}options=" + quote(
                "-csearch_path=bench_search"
            )
    else:
        path = args.sqlite
        if path is None:
            tmp = tempfile.TemporaryDirectory()
            path = Path(tmp.name) / "search.db"
        elif not args.reuse and path.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    db = Database(url, statement_timeout_ms=600_000)
    print(f"database: {db.dialect}; receipts: {args.receipts:,}")
    if not args.reuse:
        upgrade(db, Path(server_pkg.__file__).parent / "migrations")
        spent = load(db, args.receipts)
        print(f"loaded in {spent:,.0f} s")
    with db.read() as s:
        count = s.execute(select(func.count()).select_from(SaleReceipt)).scalar_one()
        lines = s.execute(select(func.count()).select_from(SaleLine)).scalar_one()
        pays = s.execute(select(func.count()).select_from(SalePayment)).scalar_one()
        tags = s.execute(select(func.count()).select_from(SaleReceiptTag)).scalar_one()
    print(
        f"rows: {count:,} receipts, {lines:,} lines, {pays:,} payments, {tags:,} tags; "
        f"database size {(db.size_bytes() or 0) / 2**30:.2f} GiB"
    )
    bench(db, count, args.queries)
    db.dispose()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
