#!/usr/bin/env python3
"""Fiscal register figures: what registering adds to closing a receipt, and what the
cashier sees while a real register (1-3 s per receipt) prints.

Two tills in this process (SQLite), the same small catalog, one cash sale per receipt
of three lines, over HTTP (POST /api/v1/receipt/payments closes it):

  baseline      a till without a fiscal register: close = closing transaction only
  emulator      the same with the ATOL web-server emulator (no print delay): close =
                POST + poll of the register's result + the closing transaction
  slow register the emulator told to take --delay s per receipt, as a real one prints;
                meanwhile the screen polls GET /api/v1/fiscal (no actor asked) and the
                figure is how soon, and how often, it reported "registering"

  python bench/fiscal.py [--receipts 30] [--delay 1.5]
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers

from tests.nodes.helpers import start_node  # noqa: E402
from tests.till.helpers import (  # noqa: E402  # noqa: E402
    BREAD,
    MILK,
    STORE,
    TillClient,
    apply_catalog,
    base_records,
    catalog_body,
)
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator  # noqa: E402


def till(tmp: Path, number: int, devices: dict[str, Any]) -> tuple[Any, TillClient]:
    node_id = f"till-{STORE}-{number}"
    node = start_node(
        "till",
        tmp,
        f"sqlite:///{tmp / node_id}.db",
        node={"id": node_id},
        till={"store": STORE, "number": number, "devices": devices},
    )
    apply_catalog(node, catalog_body(base_records()), seq=1)
    client = TillClient(node.ctx.url)
    client.login()
    client.post("/shift/open")
    return node, client


def close_times(client: TillClient, n: int) -> list[float]:
    out = []
    for _ in range(n):
        client.scan(MILK)
        client.scan(BREAD)
        client.scan(MILK)
        t0 = time.perf_counter()
        answer = client.pay("cash", 100000)
        out.append((time.perf_counter() - t0) * 1000)
        assert answer["closed"] is not None, answer
    return out


def watched(client: TillClient, n: int) -> tuple[list[float], list[float], int]:
    """Close times with a screen polling /fiscal every 100 ms: first 'registering' seen."""
    closes, first_seen, polls = [], [], 0
    for _ in range(n):
        client.scan(MILK)
        seen: list[float] = []
        t0 = time.perf_counter()
        pay = gevent.spawn(client.pay, "cash", 100000)
        while not pay.ready():
            state = client.get("/fiscal")
            polls += 1
            if state["state"] == "registering" and not seen:
                seen.append((time.perf_counter() - t0) * 1000)
            gevent.sleep(0.1)
        closes.append((time.perf_counter() - t0) * 1000)
        assert pay.get()["closed"] is not None
        first_seen.extend(seen)
    return closes, first_seen, polls


def row(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    return f"{name:<24} {statistics.median(ms):8.1f} {q[94]:8.1f} {max(ms):8.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--receipts", type=int, default=30)
    ap.add_argument("--delay", type=float, default=1.5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d, FiscalRegisterEmulator() as register:
        tmp = Path(d)
        plain_node, plain = till(tmp, 1, {})
        fiscal_node, fiscal = till(
            tmp, 2, {"fiscal": {"url": register.url, "poll": 0.02, "timeout": 10}}
        )
        close_times(plain, 3), close_times(fiscal, 3)  # warm-up
        base = close_times(plain, args.receipts)
        emu = close_times(fiscal, args.receipts)
        register.control({"delay": args.delay})
        slow, seen, polls = watched(fiscal, max(3, args.receipts // 5))
        print(f"{'close a receipt (ms)':<24} {'p50':>8} {'p95':>8} {'max':>8}")
        print(row("baseline (no register)", base))
        print(row("emulated register", emu))
        print(row(f"register {args.delay:g} s/receipt", slow))
        added = statistics.median(emu) - statistics.median(base)
        print(f"\nthe register call adds {added:.1f} ms (p50) to closing a receipt")
        print(
            f"slow register: 'registering' shown {len(seen)}/{len(slow)} times, first after "
            f"{statistics.median(seen):.0f} ms (p50) of {statistics.median(slow):.0f} ms; "
            f"{polls} screen polls answered while the till waited"
        )
        fiscal_node.stop()
        plain_node.stop()


if __name__ == "__main__":
    main()
