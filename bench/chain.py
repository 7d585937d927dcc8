"""A chain's tills against 1, 2, 3 cash servers on one PostgreSQL database.

    .venv/bin/python bench/chain.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/chain.py --tills 200 --rate 6 --servers 1,2,3 --seconds 40
    .venv/bin/python bench/chain.py --servers 1 --find-limit      # the single-server limit

Simulated tills are lightweight bridge clients (``--procs`` processes, one
greenlet per till): each opens a shift, then closes a one-line cash receipt
every ``60 / --rate`` seconds (jittered) and delivers its outbox the way a
till does (signed ``POST /mailbox/v1/inbox``, every pending document in one
batch, failover over ``server_urls``). Each server is its own ``ukm node
server`` process with the real appliers and the real exporter (one shared
export folder). Printed per server count:

- receipts/s accepted (acknowledged by a server) against receipts/s offered;
- close → row on the server (``sales_receipt.received_ms``) p50 / p99;
- close → export file written (``sales_export.exported_ms``) p50 / p99;
- server CPU seconds per 1,000 receipts (all server processes, psutil);
- the load average while it ran (other work on the machine skews everything).

``--find-limit`` raises the rate (×1.5 per step) against one server until the
delivery p99 passes 5 s or the accepted rate falls behind the offered rate.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import quote  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ukm_actors.bridge.client import BridgeClient  # noqa: E402
from ukm_actors.bridge.documents import Document, channel_name  # noqa: E402
from ukm_actors.bridge.errors import BridgeError  # noqa: E402
from ukm_actors.bridge.servers import ServerSet  # noqa: E402
from ukm_actors.codecs.tilldocs import (  # noqa: E402
    PaymentDoc,
    ReceiptDoc,
    ReceiptLineDoc,
    ShiftOpenDoc,
    doc_type,
    encode,
)
from ukm_actors.commands.up_plan import render_toml  # noqa: E402

STORES = 20
DELIVERY_P99_LIMIT = 5.0


# -- one simulated till ---------------------------------------------------------------------


class SimTill:
    """A till reduced to its outbox: numbered documents, delivered in batches."""

    def __init__(self, store: str, number: int, secret: str, urls: list[str]) -> None:
        self.store, self.number = store, number
        self.node_id = f"till-{store}-{number}"
        self.channel = channel_name(self.node_id, "server")
        self.client = BridgeClient(self.node_id, lambda: secret, connect_timeout=3.0)
        self.servers = ServerSet(urls, self.node_id, failback=30.0)
        self.outbox: list[Document] = []
        self.seq = 0
        self.acked = 0
        self.receipt_no = 0
        self.closed: list[tuple[int, float]] = []
        self.wake = gevent.event.Event()

    def put(self, doc: Any) -> None:
        self.seq += 1
        self.outbox.append(
            Document.make(doc_type(doc), encode(doc), channel=self.channel, seq=self.seq)
        )
        self.wake.set()

    def open_shift(self) -> None:
        now = datetime.now(UTC)
        self.put(
            ShiftOpenDoc(
                shift_id=str(uuid.uuid4()),
                store=self.store,
                till=self.number,
                shift_num=1,
                opened_at=now.strftime("%Y-%m-%dT%H:%M:%S"),
                opened_at_utc=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                cashier_code="104",
                cashier_name="Bench",
                kkm_shift_number=1,
            )
        )

    def close_receipt(self) -> None:
        self.receipt_no += 1
        now = datetime.now(UTC)
        local = now.strftime("%Y-%m-%dT%H:%M:%S")
        line = ReceiptLineDoc(
            position=1,
            article="100245",
            name="Kefir",
            measure="шт",
            quantity=1000,
            price=8990,
            amount=8990,
            discount=0,
            total=8990,
            barcode="4600000000015",
            taxgroup_id="2",
        )
        self.put(
            ReceiptDoc(
                receipt_id=str(uuid.uuid4()),
                store=self.store,
                till=self.number,
                shift_num=1,
                number=self.receipt_no,
                kind="sale",
                state="completed",
                opened_at=local,
                closed_at=local,
                closed_at_utc=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                cashier_code="104",
                cashier_name="Bench",
                total=8990,
                lines=(line,),
                payments=(PaymentDoc("cash", 8990),),
            )
        )
        self.closed.append((self.receipt_no, time.time()))

    def sell(self, rate_per_min: float, until: float) -> None:
        gevent.sleep(random.uniform(0, 60.0 / rate_per_min))
        while time.time() < until:
            self.close_receipt()
            gevent.sleep(random.expovariate(rate_per_min / 60.0))

    def deliver(self, stop: gevent.event.Event) -> None:
        while not (stop.is_set() and not self.outbox):
            if not self.outbox:
                self.wake.wait(1.0)
                self.wake.clear()
                continue
            batch = self.outbox[:500]
            url = self.servers.current()
            try:
                r = self.client.request(
                    "POST",
                    url,
                    "/mailbox/v1/inbox",
                    peer="server",
                    body=b"".join(d.render() for d in batch),
                    headers={"Content-Type": "application/x-ukm-documents"},
                    timeout=30.0,
                )
            except BridgeError as exc:
                self.servers.failed(url, str(exc))
                gevent.sleep(0.5)
                continue
            acked = json.loads(r.data or b"{}").get("acked")
            if isinstance(acked, int) and acked > self.acked:
                self.acked = acked
                self.outbox = [d for d in self.outbox if d.seq > acked]
            if r.status >= 500:
                self.servers.failed(url, f"HTTP {r.status}")
                gevent.sleep(0.5)


def worker(spec: dict[str, Any]) -> None:
    """One process's share of the tills; writes what it closed as JSON to ``spec['out']``."""
    tills = [
        SimTill(s, n, spec["secrets"][f"till-{s}-{n}"], spec["urls"]) for s, n in spec["tills"]
    ]
    stop = gevent.event.Event()
    until = spec["start"] + spec["seconds"]
    for t in tills:
        t.open_shift()
    # Warm-up: every till's shift open is delivered (and its connection made) before the
    # measured selling starts, so the first receipts do not queue behind 200 handshakes.
    senders = [gevent.spawn(t.deliver, stop) for t in tills]
    while time.time() < spec["start"] or any(t.outbox for t in tills):
        gevent.sleep(0.05)
    sellers = [gevent.spawn(t.sell, spec["rate"], until) for t in tills]
    gevent.joinall(sellers)
    stop.set()
    gevent.joinall(senders, timeout=120)
    out = {
        "closed": [[t.store, t.number, n, at] for t in tills for n, at in t.closed],
        "undelivered": sum(len(t.outbox) for t in tills),
    }
    Path(spec["out"]).write_text(json.dumps(out))


# -- the run --------------------------------------------------------------------------------


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


def start_servers(
    work: Path, db_url: str, numbers: range, secret: str
) -> list[subprocess.Popen[bytes]]:
    """Cash servers ``server-<i>`` for i in ``numbers``, each its own process, started in
    turn (each waits for the previous one to be ready)."""
    procs = []
    for i in numbers:
        d = work / f"server-{i}"
        d.mkdir(parents=True, exist_ok=True)
        cfg = d / "server.toml"
        cfg.write_text(
            render_toml(
                {
                    "node": {
                        "role": "server",
                        "id": "server",
                        "data_dir": str(d),
                        "ready_file": "ready.json",
                    },
                    "http": {"host": "127.0.0.1", "port": 0},
                    "db": {"url": db_url, "pool_size": 8},
                    "bridge": {"secret": secret},
                    "server": {
                        "cluster_node": f"server-{i}",
                        "import_dir": str(work / "import"),
                        "export_dir": str(work / "export"),
                        "export_scan": 1.0,
                    },
                    "log": {"level": "WARNING"},
                }
            )
        )
        out = open(d / "server.out", "wb")  # noqa: SIM115
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "ukm_actors", "node", "server", "--config", str(cfg)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        )
        ready = d / "ready.json"
        deadline = time.monotonic() + 120
        while not ready.exists():
            if procs[-1].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"server-{i} did not start: {(d / 'server.out').read_text()[-2000:]}"
                )
            time.sleep(0.1)
    return procs


def server_urls(work: Path, n: int) -> list[str]:
    return [
        json.loads((work / f"server-{i}" / "ready.json").read_text())["url"]
        for i in range(1, n + 1)
    ]


def register(work: Path, tills: list[tuple[str, int]], secret_of: dict[str, str]) -> None:
    from ukm_actors.nodes.server.bootstrap import register_local_install

    entries = [
        (f"till-{s}-{n}", "till", secret_of[f"till-{s}-{n}"], {"store": s, "number": n})
        for s, n in tills
    ]
    register_local_install(work / "server-1" / "server.toml", entries)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def one_run(args: argparse.Namespace, servers: int, rate: float) -> dict[str, Any]:
    base_engine = sa.create_engine(args.db)
    schema = f"bench_chain_{uuid.uuid4().hex[:8]}"
    with base_engine.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    db_url = schema_url(args.db, schema)
    work = Path(tempfile.mkdtemp(prefix="ukm-chain-"))
    (work / "export").mkdir()
    (work / "import").mkdir()
    secret = secrets.token_urlsafe(16)
    tills = [(str(100 + i % STORES), 1 + i // STORES) for i in range(args.tills)]
    secret_of = {f"till-{s}-{n}": secrets.token_urlsafe(12) for s, n in tills}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # The first server migrates; then the tills are registered; then the others start.
        procs = start_servers(work, db_url, range(1, 2), secret)
        register(work, tills, secret_of)
        procs += start_servers(work, db_url, range(2, servers + 1), secret)
        urls = server_urls(work, servers)
        ps = [psutil.Process(p.pid) for p in procs]
        cpu0 = sum(p.cpu_times().user + p.cpu_times().system for p in ps)
        load0 = os.getloadavg()[0]
        start = time.time() + 15.0  # the client processes import, connect, open shifts
        workers = []
        for w in range(args.procs):
            spec = {
                "tills": tills[w :: args.procs],
                "secrets": secret_of,
                "urls": urls,
                "rate": rate,
                "seconds": args.seconds,
                "start": start,
                "out": str(work / f"worker-{w}.json"),
            }
            workers.append(
                subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(spec)])
            )
        for w in workers:
            w.wait(timeout=args.seconds + 300)
        accepted_at = time.time()
        closed: list[tuple[str, int, int, float]] = []
        undelivered = 0
        for w in range(args.procs):
            data = json.loads((work / f"worker-{w}.json").read_text())
            closed += [tuple(x) for x in data["closed"]]  # type: ignore[misc]
            undelivered += data["undelivered"]
        engine = sa.create_engine(db_url)
        deadline = time.time() + 120
        while True:
            with engine.connect() as c:
                pending = c.execute(
                    sa.text("SELECT count(*) FROM sales_export WHERE state <> 'done'")
                ).scalar_one()
            if not pending or time.time() > deadline:
                break
            time.sleep(0.5)
        cpu1 = sum(p.cpu_times().user + p.cpu_times().system for p in ps)
        load1 = os.getloadavg()[0]
        with engine.connect() as c:
            rows = c.execute(
                sa.text(
                    "SELECT r.store, r.till, r.number, r.received_ms, e.exported_ms "
                    "FROM sales_receipt r LEFT JOIN sales_export e "
                    "ON e.kind = 'receipt' AND e.ref_id = r.id"
                )
            ).all()
        engine.dispose()
        at = {(s, int(t), int(n)): (rv / 1000, (ex or 0) / 1000) for s, t, n, rv, ex in rows}
        row_delays, export_delays = [], []
        for s, t, n, closed_at in closed:
            got = at.get((s, int(t), int(n)))
            if got is None:
                continue
            row_delays.append(got[0] - closed_at)
            if got[1]:
                export_delays.append(got[1] - closed_at)
        offered = len(closed) / args.seconds
        last_row = max((v[0] for v in at.values()), default=start)
        return {
            "servers": servers,
            "tills": args.tills,
            "rate_per_till_min": rate,
            "offered_rps": round(offered, 1),
            "accepted_rps": round(len(rows) / max(args.seconds, last_row - start), 1),
            "receipts": len(closed),
            "on_server": len(rows),
            "undelivered": undelivered,
            "row_p50_s": round(percentile(row_delays, 50), 3),
            "row_p99_s": round(percentile(row_delays, 99), 3),
            "export_p50_s": round(percentile(export_delays, 50), 3),
            "export_p99_s": round(percentile(export_delays, 99), 3),
            "cpu_ms_per_receipt": round((cpu1 - cpu0) * 1000 / max(1, len(rows)), 2),
            "load_avg": f"{load0:.1f}→{load1:.1f}",
            "drained_s": round(accepted_at - start - args.seconds, 1),
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        with base_engine.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        base_engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    p.add_argument("--tills", type=int, default=200)
    p.add_argument("--procs", type=int, default=4, help="client processes")
    p.add_argument("--rate", type=float, default=6.0, help="receipts per till per minute")
    p.add_argument("--seconds", type=float, default=40.0)
    p.add_argument("--servers", default="1,2,3")
    p.add_argument("--find-limit", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    print(
        f"# {args.tills} tills in {args.procs} processes, {args.seconds:g} s each run; "
        f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results = []
    if args.find_limit:
        rate = args.rate
        while True:
            r = one_run(args, 1, rate)
            results.append(r)
            print(json.dumps(r), flush=True)
            if r["row_p99_s"] > DELIVERY_P99_LIMIT or r["accepted_rps"] < 0.9 * r["offered_rps"]:
                break
            rate *= 1.5
    else:
        for n in [int(x) for x in args.servers.split(",")]:
            r = one_run(args, n, args.rate)
            results.append(r)
            print(json.dumps(r), flush=True)
    cols = [
        "servers",
        "offered_rps",
        "accepted_rps",
        "row_p50_s",
        "row_p99_s",
        "export_p50_s",
        "export_p99_s",
        "cpu_ms_per_receipt",
        "load_avg",
    ]
    print("\n| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in results:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
