#!/usr/bin/env python3
"""Compressed transfer figures: a store's whole catalog to one till and to ten, plain vs zstd.

    .venv/bin/python bench/transfer.py                  # 200,000 items (about 2 min to build)
    .venv/bin/python bench/transfer.py --items 20000 --keep /tmp/cat20k

1. **The catalog.** A real one: the generated UKM files (``taxes``,
   ``classif``, ``updateItems``, ``stores``, ``storePrices``,
   ``storeCashiers``) loaded by the cash server's loader into a fresh SQLite
   database, a till registered, and its whole catalog (a ``catalog.full``
   and its parts) taken from the outbox. ``--keep DIR`` keeps those bodies
   for the next run.
2. **Codecs** on those bodies and on a batch of 500 receipts (the real
   ``ReceiptDoc`` codec, rendered as the documents a till pushes): size,
   compress and decompress CPU (best of 3, this process) for gzip (stdlib)
   and zstd (``zstandard``) at several levels.
3. **Transfer** on loopback: a cash server node (bridge only, its own
   process, SQLite) with the catalog queued for ten tills of one store;
   simulated tills download every document with the bridge's signed client
   the way the fetcher does (streamed, then decoded with the bound and
   SHA-256-checked), first without ``Accept-Encoding`` (what every till did
   before), then with ``Accept-Encoding: zstd``; one till alone, then ten
   at once. Prints bytes on the wire, wall time, the server process's CPU
   per catalog served (psutil), the tills' CPU per catalog, and the CPU the
   server spent once to make the stored zstd variants. Loopback has no
   bandwidth limit, so the times are CPU; the line time at 2 Mbit/s is
   computed from the wire bytes.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import zstandard  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ukm_actors.bridge import encoding  # noqa: E402
from ukm_actors.bridge.client import BridgeClient  # noqa: E402
from ukm_actors.bridge.documents import MAX_HEADER, Document, parse_header  # noqa: E402

STORE = "17"
TILLS = 10
LINK_BPS = 2_000_000


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best_cpu(fn: Callable[[], bytes], runs: int = 3) -> tuple[bytes, float]:
    best, out = float("inf"), b""
    for _ in range(runs):
        c0 = cpu_s()
        out = fn()
        best = min(best, cpu_s() - c0)
    return out, best


# -- 1. the catalog ------------------------------------------------------------------------


def build_catalog(items: int, tmp: Path) -> list[tuple[str, bytes]]:
    """The whole catalog of a new till of store 17: ``[(doc_type, body)]`` in order."""
    from sqlalchemy import select

    import ukm_actors.nodes.server as srv
    from ukm_actors.bridge.models import Blob, OutboxEntry
    from ukm_actors.codecs.ukm_names import parse_import_name, plan_imports
    from ukm_actors.codecs.ukm_records import StoreRecord
    from ukm_actors.codecs.ukm_samples import (
        sample_cashiers,
        sample_prices,
        write_catalog_set,
        write_import_file,
    )
    from ukm_actors.db import Database
    from ukm_actors.db.migrate import upgrade
    from ukm_actors.nodes.server.catalog import tills
    from ukm_actors.nodes.server.catalog.loader import LoadOptions, load_file
    from ukm_actors.nodes.server.catalog.seed import ensure_seeded

    db = Database(f"sqlite:///{tmp / 'catalog.db'}")
    upgrade(db, Path(srv.__file__ or "").parent / "migrations")
    ensure_seeded(db)
    write_catalog_set(tmp, items)
    write_import_file(tmp, "stores", [StoreRecord(STORE, "Магазин 17")], "I", number=1)
    write_import_file(
        tmp, "storePrices", sample_prices(STORE, items), "F", store_id=STORE, number=1
    )
    write_import_file(tmp, "storeCashiers", sample_cashiers(STORE), "F", store_id=STORE, number=1)
    plan = plan_imports(n for p in tmp.glob("*.xml") if (n := parse_import_name(p.name)))
    for name in plan.load:
        r = load_file(db, tmp / name.filename, LoadOptions(kind="cli"))
        if r.status != "loaded":
            raise SystemExit(f"{name.filename}: {r.status} {r.error}")
    with db.write() as session:
        tills.register_till(session, STORE, 1)
    with db.read() as session:
        rows = session.execute(
            select(OutboxEntry.doc_type, Blob.body)
            .join(Blob, Blob.sha256 == OutboxEntry.sha256)
            .where(OutboxEntry.channel == f"server>till-{STORE}-1")
            .order_by(OutboxEntry.seq)
        ).all()
    db.dispose()
    return [(t, bytes(b)) for t, b in rows]


def load_or_build(items: int, keep: Path | None) -> list[tuple[str, bytes]]:
    if keep is not None and (keep / "index.json").exists():
        index = json.loads((keep / "index.json").read_text())
        if index["items"] == items:
            return [(t, (keep / f).read_bytes()) for t, f in index["docs"]]
    tmp = Path(tempfile.mkdtemp(prefix="ukm-bench-transfer-"))
    try:
        t0 = time.perf_counter()
        docs = build_catalog(items, tmp)
        print(f"catalog built in {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        names = []
        for i, (t, body) in enumerate(docs, 1):
            (keep / f"{i:03d}.{t}").write_bytes(body)
            names.append((t, f"{i:03d}.{t}"))
        (keep / "index.json").write_text(json.dumps({"items": items, "docs": names}))
    return docs


def receipts_batch(n: int = 500) -> bytes:
    """``n`` sale receipts of 3-12 lines, as the documents a till pushes in one batch."""
    from ukm_actors.codecs import tilldocs
    from ukm_actors.codecs.tilldocs import PaymentDoc, ReceiptDoc, ReceiptLineDoc

    out = []
    for k in range(1, n + 1):
        lines = tuple(
            ReceiptLineDoc(
                position=p,
                article=f"{(k * 7919 + p * 104729) % 200000:06d}",
                name=f"Товар {(k * 31 + p) % 5000} фермерский 500 г",
                measure="шт",
                quantity=1000 * (1 + p % 3),
                price=100 + (k * p) % 9000,
                amount=(100 + (k * p) % 9000) * (1 + p % 3),
                discount=0,
                total=(100 + (k * p) % 9000) * (1 + p % 3),
                barcode=f"46{(k * 13 + p):011d}",
                taxgroup_id="1",
            )
            for p in range(1, 4 + k % 9)
        )
        total = sum(ln.total for ln in lines)
        receipt = ReceiptDoc(
            receipt_id=f"{k:08x}-0000-4000-8000-{k:012x}",
            store=STORE,
            till=1,
            shift_num=1,
            number=k,
            kind="sale",
            state="completed",
            opened_at="2026-12-05T10:00:00+03:00",
            closed_at="2026-12-05T10:01:00+03:00",
            closed_at_utc="2026-12-05T07:01:00Z",
            cashier_code="101",
            cashier_name="Иванова А.",
            total=total,
            lines=lines,
            payments=(PaymentDoc("cash", total),),
        )
        body = tilldocs.encode(receipt)
        out.append(Document.make("receipt", body, channel="till-17-1>server", seq=k).render())
    return b"".join(out)


# -- 2. codecs -------------------------------------------------------------------------------


CODECS: list[tuple[str, Callable[[bytes], bytes], Callable[[bytes], bytes]]] = [
    ("gzip 1", lambda d: gzip.compress(d, 1, mtime=0), gzip.decompress),
    ("gzip 6", lambda d: gzip.compress(d, 6, mtime=0), gzip.decompress),
    ("gzip 9", lambda d: gzip.compress(d, 9, mtime=0), gzip.decompress),
    (
        "zstd 3",
        zstandard.ZstdCompressor(level=3).compress,
        zstandard.ZstdDecompressor().decompress,
    ),
    (
        "zstd 9",
        zstandard.ZstdCompressor(level=9).compress,
        zstandard.ZstdDecompressor().decompress,
    ),
    (
        "zstd 19",
        zstandard.ZstdCompressor(level=19).compress,
        zstandard.ZstdDecompressor().decompress,
    ),
]


def codec_table(name: str, bodies: list[bytes], slow: bool) -> None:
    plain = sum(len(b) for b in bodies)
    print(f"\n{name}: {len(bodies)} bodies, {plain / 1e6:.2f} MB")
    print(f"  {'codec':<9}{'MB':>8}{'ratio':>8}{'compress CPU s':>16}{'decompress CPU s':>18}")
    for label, comp, dec in CODECS:
        if label == "zstd 19" and not slow:
            continue
        size = c_cpu = d_cpu = 0.0
        runs = 1 if label in ("zstd 19", "gzip 9") else 3
        for body in bodies:
            packed, c = best_cpu(partial(comp, body), runs)
            back, d = best_cpu(partial(dec, packed))
            assert back == body
            size += len(packed)
            c_cpu += c
            d_cpu += d
        print(
            f"  {label:<9}{size / 1e6:>8.2f}{plain / size:>8.1f}{c_cpu:>16.3f}{d_cpu:>18.3f}",
            flush=True,
        )


# -- 3. transfer ------------------------------------------------------------------------------


def start_server(tmp: Path, docs: list[tuple[str, bytes]]) -> tuple[subprocess.Popen[bytes], str]:
    """A bridge-only cash server process holding the catalog for ``TILLS`` tills;
    prints the CPU it took to make the stored variants (once per body)."""
    import ukm_actors.nodes.server as server_pkg
    from ukm_actors.bridge import outbox
    from ukm_actors.bridge.documents import channel_name
    from ukm_actors.bridge.peers import register_peer
    from ukm_actors.commands.up_plan import render_toml
    from ukm_actors.db import Database
    from ukm_actors.db.migrate import upgrade

    db_url = f"sqlite:///{tmp / 'server.db'}"
    db = Database(db_url)
    upgrade(db, Path(server_pkg.__file__ or "").parent / "migrations")
    c0 = cpu_s()
    with db.write() as session:
        for n in range(1, TILLS + 1):
            register_peer(session, f"till-{STORE}-{n}", "till", store=STORE, secret=f"s{n}")
        for doc_type, body in docs:
            digest = outbox.store_blob(session, body)
            for n in range(1, TILLS + 1):
                outbox.put_stored(
                    session, channel_name("server", f"till-{STORE}-{n}"), doc_type, digest
                )
    stored = cpu_s() - c0
    c0 = cpu_s()
    for _, body in docs:
        if len(body) >= encoding.VARIANT_MIN:
            encoding.compress_stored(body)
    print(
        f"\nserver, once per catalog: storing it {stored:.2f} CPU s, of which making the "
        f"zstd variants {cpu_s() - c0:.2f} CPU s (level {encoding.STORED_LEVEL})"
    )
    db.dispose()
    ready = tmp / "ready.json"
    config = tmp / "server.toml"
    config.write_text(
        render_toml(
            {
                "node": {
                    "role": "server",
                    "id": "server",
                    "data_dir": str(tmp),
                    "ready_file": str(ready),
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": db_url},
                "log": {"level": "WARNING"},
                "bridge": {"secret": "bench-server-secret"},
            }
        )
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ukm_actors.bridge.testnode", "--config", str(config)], env=env
    )
    deadline = time.monotonic() + 60
    while not ready.exists() or not ready.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server node did not start")
        gevent.sleep(0.05)
    return proc, str(json.loads(ready.read_text())["url"])


def fetch_all(url: str, till: int, count: int, zstd: bool) -> int:
    """Download documents 1..count of till ``till`` as the fetcher does; returns wire bytes."""
    client = BridgeClient(f"till-{STORE}-{till}", lambda: f"s{till}", transfer_timeout=300)
    wire = 0
    headers = {"Accept-Encoding": encoding.ZSTD} if zstd else {}
    for seq in range(1, count + 1):
        r = client.request(
            "GET",
            url,
            f"/mailbox/v1/tills/till-{STORE}-{till}/docs/{seq}",
            peer="server",
            headers=headers,
            stream=True,
        )
        raw = io.BytesIO()
        while chunk := r.read1(256 * 1024, decode_content=False):
            raw.write(chunk)
        r.release_conn()
        if r.status != 200:
            raise SystemExit(f"document {seq}: HTTP {r.status}")
        data = raw.getvalue()
        wire += len(data)
        if r.headers.get("Content-Encoding") == encoding.ZSTD:
            head = encoding.decompress(data, MAX_HEADER + 2**27, f"document {seq}")
        else:
            head = data
        header, offset = parse_header(head[:MAX_HEADER])
        if hashlib.sha256(head[offset:]).hexdigest() != header.sha256:
            raise SystemExit(f"document {seq} fails its check")
    client.close()
    return wire


def transfer_rows(url: str, proc: subprocess.Popen[bytes], count: int, plain_total: int) -> None:
    server = psutil.Process(proc.pid)
    print(f"\ntransfer on loopback, {count} documents ({plain_total / 1e6:.1f} MB plain) per till:")
    print(
        f"  {'run':<28}{'wire MB':>9}{'wall s':>8}{'server CPU s/catalog':>22}"
        f"{'till CPU s/catalog':>20}{'store link, 2 Mbit/s':>22}"
    )
    for tills in (1, TILLS):
        for label, zstd in (("plain (before)", False), ("zstd (after)", True)):
            s0 = sum(server.cpu_times()[:2])
            c0 = cpu_s()
            t0 = time.perf_counter()
            jobs = [gevent.spawn(fetch_all, url, n, count, zstd) for n in range(1, tills + 1)]
            gevent.joinall(jobs, raise_error=True)
            wall = time.perf_counter() - t0
            wire = sum(j.value for j in jobs)
            server_cpu = (sum(server.cpu_times()[:2]) - s0) / tills
            till_cpu = (cpu_s() - c0) / tills
            line = wire * 8 / LINK_BPS  # the store's tills share its link
            print(
                f"  {f'{tills} till(s), {label}':<28}{wire / 1e6:>9.2f}{wall:>8.2f}"
                f"{server_cpu:>22.2f}{till_cpu:>20.2f}{line / 60:>18.1f} min",
                flush=True,
            )


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--items", type=int, default=200_000)
    p.add_argument("--keep", type=Path, help="keep (and reuse) the catalog bodies here")
    p.add_argument("--slow", action="store_true", help="also zstd level 19 (minutes)")
    args = p.parse_args()
    docs = load_or_build(args.items, args.keep)
    bodies = [b for _, b in docs]
    plain = sum(len(b) for b in bodies)
    print(
        f"transfer benchmark: {args.items} items, {len(docs)} documents, {plain / 1e6:.1f} MB; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    codec_table("catalog documents", bodies, args.slow)
    codec_table("a batch of 500 receipts", [receipts_batch()], args.slow)
    tmp = Path(tempfile.mkdtemp(prefix="ukm-bench-transfer-"))
    proc, url = start_server(tmp, docs)
    try:
        transfer_rows(url, proc, len(docs), plain)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
