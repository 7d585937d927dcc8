#!/usr/bin/env python3
"""Price-checker module figures: requests/s and latency with concurrent devices.

Starts a cash server, two tills and the price-checker module as real OS
processes (SQLite, loopback), gives each till a catalog of ``--items`` items
over the bridge (a ``catalog.full`` in the server's outbox), then runs
``--devices`` price checkers in this process: each keeps one TCP connection
and asks for a random barcode, waits for the answer, asks again.

Measured, for ``--seconds`` each:

  baseline      the same devices against a trivial TCP server in this process
                that answers a fixed line (client + loopback cost)
  two tills     the module answering from both tills in turn
  one till      after SIGKILL of till 1 (fail-over steady state)

  python bench/pricechecker.py [--devices 20] [--seconds 5] [--items 2000]

Prints requests/s, p50/p95/p99/max latency, p99 against the 50 ms target, and
the CPU time each process spent per request (where the time goes).
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import urllib3  # noqa: E402
from gevent.server import StreamServer  # noqa: E402

from ukm_actors.bridge import outbox  # noqa: E402
from ukm_actors.bridge.documents import channel_name  # noqa: E402
from ukm_actors.bridge.peers import register_peer  # noqa: E402
from ukm_actors.codecs import catalogdoc  # noqa: E402
from ukm_actors.codecs.catalogdoc import CatalogRecord  # noqa: E402
from ukm_actors.commands.up_plan import render_toml  # noqa: E402
from ukm_actors.db import Database  # noqa: E402

STORE = "17"


def barcode(i: int) -> str:
    body = f"46{i:010d}"
    total = sum(int(c) * (3 if k % 2 else 1) for k, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def catalog(items: int) -> bytes:
    records = [
        CatalogRecord(
            "put", "store", {"code": STORE, "name": "Магазин", "timezone": "Europe/Moscow"}
        ),
        CatalogRecord("put", "tax", {"id": "1", "name": "НДС 20%", "rate_bp": 2000}),
        CatalogRecord("put", "taxgroup", {"id": "1", "name": "Основная", "tax_id": "1"}),
        CatalogRecord("put", "group", {"id": "1", "parent_id": None, "name": "Всё"}),
    ]
    for i in range(items):
        records.append(
            CatalogRecord(
                "put",
                "item",
                {
                    "article": str(1000 + i),
                    "name": f"Товар номер {i}",
                    "measure": "шт",
                    "step": 1000,
                    "weighted": False,
                    "group_id": "1",
                    "taxgroup_id": "1",
                    "min_price": None,
                    "age_limit": None,
                    "egais": False,
                    "sub_excise": False,
                    "barcodes": [[barcode(i), 1000]],
                },
            )
        )
        records.append(CatalogRecord("put", "price", {"article": str(1000 + i), "price": 100 + i}))
    meta = {"op": "meta", "kind": "catalog", "full": True, "store": STORE, "items": items}
    return catalogdoc.encode(meta, records)


class Proc:
    def __init__(self, root: Path, node_id: str, role: str, sections: dict[str, Any]) -> None:
        self.node_id = node_id
        data = root / node_id
        data.mkdir()
        self.ready = data / "ready.json"
        config = root / f"{node_id}.toml"
        sections = {
            "node": {
                "role": role,
                "id": node_id,
                "data_dir": str(data),
                "ready_file": "ready.json",
            },
            "http": {"host": "127.0.0.1", "port": 0},
            "log": {"level": "WARNING", "file": "node.log"},
            **sections,
        }
        config.write_text(render_toml(sections), encoding="utf-8")
        cmd = [sys.executable, "-m", "ukm_actors", "node", role, "--config", str(config)]
        self.proc = subprocess.Popen(cmd)  # noqa: S603
        self.info: dict[str, Any] = {}

    def wait(self) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while not self.ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{self.node_id} did not start (see its node.log)")
            gevent.sleep(0.05)
        self.info = json.loads(self.ready.read_text())
        return self.info

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def device(
    address: tuple[str, int],
    codes: list[str],
    until: float,
    out: list[float],
    answers: dict[str, int],
    source: str = "127.0.0.1",
) -> None:
    sock = socket.create_connection(address, source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = sock.makefile("rb")
    rng = random.Random()
    try:
        while time.perf_counter() < until:
            code = rng.choice(codes)
            t0 = time.perf_counter()
            sock.sendall(code.encode() + b"\r\n")
            first = f.readline()
            if not first.startswith((b"NOT FOUND", b"ERROR", b"price check")):
                f.readline()
                kind = "found"
            else:
                kind = first.split(b" ")[0].decode().lower()
            out.append(time.perf_counter() - t0)
            answers[kind] = answers.get(kind, 0) + 1
    finally:
        sock.close()


def cpu_seconds(procs: list[Proc]) -> dict[str, float]:
    out = {}
    for pr in procs:
        try:
            t = psutil.Process(pr.proc.pid).cpu_times()
            out[pr.node_id] = t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return out


def run_load(
    address: tuple[str, int],
    devices: int,
    seconds: float,
    codes: list[str],
    procs: list[Proc] | None = None,
) -> dict[str, Any]:
    before = cpu_seconds(procs or [])
    lat: list[float] = []
    answers: dict[str, int] = {}
    start = time.perf_counter()
    until = start + seconds
    gevent.joinall(
        # Each device from its own loopback address, as on a store's network (the module
        # holds at most [pricechecker] max_per_address connections per address).
        [
            gevent.spawn(device, address, codes, until, lat, answers, f"127.0.1.{1 + n % 250}")
            for n in range(devices)
        ],
        raise_error=True,
    )
    took = time.perf_counter() - start
    lat.sort()
    after = cpu_seconds(procs or [])
    cpu = {k: (after[k] - before[k]) * 1000 / max(1, len(lat)) for k in after if k in before}

    def q(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    return {
        "rps": len(lat) / took,
        "p50": q(0.5),
        "p95": q(0.95),
        "p99": q(0.99),
        "max": lat[-1] * 1000,
        "n": len(lat),
        "answers": answers,
        "cpu": cpu,
    }


def baseline_server() -> tuple[StreamServer, tuple[str, int]]:
    def handle(sock: socket.socket, _addr: Any) -> None:
        f = sock.makefile("rb")
        while f.readline():
            sock.sendall("Товар номер 1\r\n1.01\r\n".encode())

    server = StreamServer(("127.0.0.1", 0), handle)
    server.start()
    return server, ("127.0.0.1", server.server_port)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--devices", type=int, default=20)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--items", type=int, default=2000)
    a = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ukm-bench-pc-"))
    procs: list[Proc] = []
    try:
        db_url = f"sqlite:///{root / 'server.db'}"
        server = Proc(root, "server", "server", {"db": {"url": db_url}})
        procs.append(server)
        server_url = server.wait()["url"]
        db = Database(db_url)
        with db.write() as s:
            secrets = {
                nid: register_peer(s, nid, kind, store=STORE)
                for nid, kind in (
                    ("till-17-1", "till"),
                    ("till-17-2", "till"),
                    ("pricechecker-17", "pricechecker"),
                )
            }
            body = catalog(a.items)
            for n in (1, 2):
                outbox.put(s, channel_name("server", f"till-17-{n}"), catalogdoc.FULL, body)
        db.dispose()
        tills = [
            Proc(
                root,
                f"till-17-{n}",
                "till",
                {
                    "db": {"url": f"sqlite:///{root / f'till{n}.db'}"},
                    "bridge": {"server_url": server_url, "secret": secrets[f"till-17-{n}"]},
                    "till": {"store": STORE, "number": n},
                },
            )
            for n in (1, 2)
        ]
        procs += tills
        for t in tills:
            t.wait()
        pc = Proc(
            root,
            "pricechecker-17",
            "pricechecker",
            {
                "bridge": {"server_url": server_url, "secret": secrets["pricechecker-17"]},
                "pricechecker": {"store": STORE, "tills_refresh": 0.5, "till_deadline": 0.5},
            },
        )
        procs.append(pc)
        host, port = pc.wait()["tcp"].removeprefix("tcp://").rsplit(":", 1)
        address = (host, int(port))
        http = urllib3.PoolManager()
        codes = [barcode(i) for i in range(a.items)]
        deadline = time.monotonic() + 60
        while True:  # both tills known to the module and holding the catalog
            st = json.loads(http.request("GET", pc.info["url"] + "/status").data)["pricechecker"]
            warm = run_load(address, 2, 0.3, codes[:5])
            if (
                len([t for t in st["tills"] if t["url"]]) == 2
                and warm["answers"].get("found") == warm["n"]
            ):
                if all(t["answered"] > 0 for t in st["tills"]):
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"the tills did not come up: {st}, {warm}")
            gevent.sleep(0.2)

        base_srv, base_addr = baseline_server()
        results = {"baseline": run_load(base_addr, a.devices, a.seconds, codes)}
        base_srv.stop()
        results["two tills"] = run_load(address, a.devices, a.seconds, codes, procs)
        tills[0].proc.kill()
        tills[0].proc.wait()
        run_load(address, a.devices, 0.5, codes)  # the first requests find till 1 gone
        results["one till"] = run_load(address, a.devices, a.seconds, codes, procs)
    finally:
        for pr in reversed(procs):
            pr.stop()

    print(
        f"price checks: {a.devices} devices, {a.seconds:g} s per run, {a.items} items, loopback\n"
    )
    print(f"{'run':<12}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  answers")
    for name, r in results.items():
        print(
            f"{name:<12}{r['rps']:>10.0f}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p99']:>9.2f}"
            f"{r['max']:>9.1f}  {r['answers']}"
        )
    print("\nCPU ms per request, by process:")
    for name in ("two tills", "one till"):
        cpu = results[name]["cpu"]
        print(f"  {name:<10} " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items() if v >= 0.005))
    print(
        f"  (host: {psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f} at the end)"
    )
    base = results["baseline"]
    for name in ("two tills", "one till"):
        r = results[name]
        verdict = "meets" if r["p99"] < 50 else "MISSES"
        print(
            f"\n{name}: p99 {r['p99']:.1f} ms {verdict} the 50 ms target; "
            f"throughput {r['rps'] / base['rps']:.2f} x baseline"
        )


if __name__ == "__main__":
    main()
