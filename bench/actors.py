#!/usr/bin/env python3
"""Actor runtime figures: raw pykka vs an actor under our Supervisor, in one run.

Both run on the same gevent-patched process (as every node does). Measured:

  tell/s        N tells of a small dict, timed until an ask queued after them
                returns (enqueue + processing of all N)
  ask p50/p99   sequential ask round trips, one in flight
  restart       a child fails on a tell; timed until its replacement answers
                (raw: a hand-written watcher actor restarts it from on_failure,
                the pattern of pykka issue #42; ours: Supervisor one_for_one)

  python bench/actors.py [--tells 200000] [--asks 20000] [--restarts 300] [--runs 3]

Prints a table and the supervision overhead on tell throughput (target < 10%).
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import pykka  # noqa: E402

from ukm_actors.supervision import ChildSpec, SupervisedActor, Supervisor  # noqa: E402


class RawWorker(pykka.ThreadingActor):
    def __init__(self, watcher: Any = None) -> None:
        super().__init__()
        self.n = 0
        self.watcher = watcher

    def on_receive(self, message: Any) -> Any:
        if message.get("op") == "add":
            self.n += 1
            return None
        if message.get("op") == "fail":
            raise RuntimeError("fail")
        return self.n

    def on_failure(self, *exc: Any) -> None:
        if self.watcher is not None:
            self.watcher.tell({"op": "died"})


class RawWatcher(pykka.ThreadingActor):
    """pykka's hand-made restart pattern: on_failure tells the watcher, which re-creates."""

    def __init__(self) -> None:
        super().__init__()
        self.child: Any = None

    def on_start(self) -> None:
        self.child = RawWorker.start(self.actor_ref)

    def on_receive(self, message: Any) -> Any:
        if message.get("op") == "died":
            self.child = RawWorker.start(self.actor_ref)
            return None
        return self.child


class SupWorker(SupervisedActor):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def on_receive(self, message: Any) -> Any:
        if message.get("op") == "add":
            self.n += 1
            return None
        if message.get("op") == "fail":
            raise RuntimeError("fail")
        return self.n


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def tell_rate(ref: Any, n: int) -> float:
    msg = {"op": "add"}
    t0 = time.perf_counter()
    for _ in range(n):
        ref.tell(msg)
    ref.ask({"op": "get"})
    return n / (time.perf_counter() - t0)


def ask_latency(ref: Any, n: int) -> tuple[float, float]:
    msg = {"op": "get"}
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        ref.ask(msg)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return pct(samples, 0.5), pct(samples, 0.99)


def raw_restart(n: int) -> list[float]:
    watcher = RawWatcher.start()
    out = []
    for _ in range(n):
        old = watcher.ask({"op": "child"})
        t0 = time.perf_counter_ns()
        old.tell({"op": "fail"})
        while True:
            new = watcher.ask({"op": "child"})
            if new is not old:
                new.ask({"op": "get"})
                break
        out.append((time.perf_counter_ns() - t0) / 1e6)
    watcher.ask({"op": "child"}).stop()
    watcher.stop()
    return out


def sup_restart(n: int) -> list[float]:
    sup = Supervisor.start(
        children=[ChildSpec("w", SupWorker.start)],
        max_restarts=n + 10,
        period=3600,
        sweep_interval=3600,
    )
    proxy = sup.proxy()
    out = []
    for _ in range(n):
        old = proxy.child("w").get()
        t0 = time.perf_counter_ns()
        old.tell({"op": "fail"})
        while True:
            try:
                new = proxy.child("w").get()
            except Exception:  # noqa: BLE001 - restarting
                continue
            if new is not old:
                new.ask({"op": "get"})
                break
        out.append((time.perf_counter_ns() - t0) / 1e6)
    sup.stop()
    return out


def run_once(tells: int, asks: int, restarts: int) -> dict[str, float]:
    raw = RawWorker.start()
    sup = Supervisor.start(children=[ChildSpec("w", SupWorker.start)], sweep_interval=3600)
    sw = sup.proxy().child("w").get()
    r: dict[str, float] = {}
    r["raw_tell"] = tell_rate(raw, tells)
    r["sup_tell"] = tell_rate(sw, tells)
    r["raw_ask_p50"], r["raw_ask_p99"] = ask_latency(raw, asks)
    r["sup_ask_p50"], r["sup_ask_p99"] = ask_latency(sw, asks)
    raw.stop()
    sup.stop()
    rr = raw_restart(restarts)
    sr = sup_restart(restarts)
    r["raw_restart_p50"], r["raw_restart_p99"] = pct(rr, 0.5), pct(rr, 0.99)
    r["sup_restart_p50"], r["sup_restart_p99"] = pct(sr, 0.5), pct(sr, 0.99)
    return r


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--tells", type=int, default=200_000)
    p.add_argument("--asks", type=int, default=20_000)
    p.add_argument("--restarts", type=int, default=300)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    logging.disable(logging.CRITICAL)  # restarts log errors; measure the runtime, not logging
    runs = [run_once(a.tells, a.asks, a.restarts) for _ in range(a.runs)]
    med = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
    version = importlib.metadata.version("pykka")
    print(f"actor runtime, median of {a.runs} runs (pykka {version}, gevent-patched)\n")
    print(f"{'metric':<26}{'raw pykka':>14}{'our Supervisor':>16}{'ratio':>8}")
    rows = [
        ("tell throughput (msg/s)", "tell", "{:,.0f}"),
        ("ask round trip p50 (µs)", "ask_p50", "{:.1f}"),
        ("ask round trip p99 (µs)", "ask_p99", "{:.1f}"),
        ("restart p50 (ms)", "restart_p50", "{:.3f}"),
        ("restart p99 (ms)", "restart_p99", "{:.3f}"),
    ]
    for label, key, fmt in rows:
        raw, sup = med[f"raw_{key}"], med[f"sup_{key}"]
        print(f"{label:<26}{fmt.format(raw):>14}{fmt.format(sup):>16}{sup / raw:>8.2f}")
    overhead = 1 - med["sup_tell"] / med["raw_tell"]
    print(f"\nsupervision overhead on tell throughput: {overhead * 100:.1f}% (target < 10%)")


if __name__ == "__main__":
    main()
