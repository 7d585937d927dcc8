#!/usr/bin/env python3
"""Promotions: pricing a 200-line receipt against 1,000 active campaigns, and the ask
latency of coupon and certificate checks through the bridge.

Part 1 (the engine, as a till runs it offline and the marketing server online):
1,000 campaigns active in the store — 750 on 1–30 articles (percent, amount,
fixed price, 3 for 2, cheapest of a set), 150 on groups of a three-level
hierarchy, 50 bonus campaigns, 50 on the whole receipt; a quarter for card
holders or levels, a third with days or hours; the four stacking modes
mixed. Receipts of 200 random lines. Two catalogs: "chain" (20,000 items:
a line meets few campaigns) and "dense" (2,000 items: every line meets
several). The baseline of the same run is the same engine with its index
switched off (every campaign looked at for every receipt and line).

Wall-clock figures include waiting for the CPU when the machine is busy; the
CPU-time line (``time.process_time``) is the engine's own cost.

Part 2 (asks): a cash server, the marketing server and a till as nodes on
127.0.0.1 (SQLite), the till asking the marketing server through the real
bridge: ``coupon.check``, ``certificate.check``, ``promo.price`` (200 lines).
Baseline: the same handlers called in the marketing process (no HTTP).

  python bench/promotions.py                      # both parts
  python bench/promotions.py --receipts 1000 --asks 500
  python bench/promotions.py --no-asks --freeze

A full garbage collection (generation 2) over a large heap costs tens of ms
and lands in whichever call is running; the engine line says how many hit
the timed loop. ``--freeze`` moves the long-lived data out of the collector's
way first (``gc.freeze()``), which shows the engine's own tail.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import gc  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from ukm_actors.domain.promotions import (  # noqa: E402
    CampaignSet,
    CardInfo,
    Engine,
    PriceContext,
)
from ukm_actors.domain.promotions.codec import (  # noqa: E402
    campaign_from_json,
    decode_set,
    encode_set,
    receipt_to_json,
)
from ukm_actors.domain.receipt import Line, Receipt, add_line  # noqa: E402

AT = datetime(2026, 12, 7, 12, 0)  # a Monday, noon


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    s = sorted(samples)
    n = len(s)
    return {
        "p50": s[n // 2] * 1000,
        "p90": s[min(n - 1, int(n * 0.9))] * 1000,
        "p99": s[min(n - 1, int(n * 0.99))] * 1000,
        "max": s[-1] * 1000,
        "mean": statistics.fmean(s) * 1000,
    }


def show(label: str, samples: Sequence[float], baseline: Sequence[float] | None = None) -> None:
    p = percentiles(samples)
    line = (
        f"  {label:<44} p50 {p['p50']:7.2f} ms  p90 {p['p90']:7.2f}  p99 {p['p99']:7.2f}"
        f"  max {p['max']:7.2f}"
    )
    if baseline:
        b = percentiles(baseline)
        line += f"   x{b['p50'] / p['p50']:.1f} vs baseline p50"
    print(line)


# -- part 1: the engine ----------------------------------------------------------------------


def catalog(n_items: int, rnd: random.Random) -> tuple[list[str], dict[str, frozenset[str]]]:
    articles = [str(100_000 + i) for i in range(n_items)]
    groups = {
        a: frozenset({f"L{i % 400}", f"M{i % 40}", f"T{i % 4}"}) for i, a in enumerate(articles)
    }
    return articles, groups


def campaigns(articles: list[str], rnd: random.Random, n: int = 1000) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        cond: dict[str, Any] = {}
        share = i / n
        if share < 0.75:
            cond["articles"] = rnd.sample(articles, rnd.randint(1, 30))
            kind = rnd.choice(["percent", "amount", "fixed_price", "n_for_m", "cheapest"])
        elif share < 0.90:
            cond["groups"] = [rnd.choice([f"L{rnd.randrange(400)}", f"M{rnd.randrange(40)}"])]
            kind = rnd.choice(["percent", "group", "amount", "n_for_m"])
        elif share < 0.95:
            kind = "bonus"
            if rnd.random() < 0.8:
                cond["groups"] = [f"M{rnd.randrange(40)}"]
        else:
            kind = "receipt"
            cond["min_receipt"] = rnd.randint(100_000, 5_000_000)
        action = {
            "percent": {"type": "percent", "value": rnd.randint(100, 3000)},
            "group": {"type": "percent", "value": rnd.randint(100, 2000), "scope": "group"},
            "amount": {"type": "amount", "value": rnd.randint(100, 3000)},
            "fixed_price": {"type": "fixed_price", "price": rnd.randint(1000, 5000)},
            "n_for_m": {"type": "n_for_m", "n": 3, "m": 2},
            "cheapest": {"type": "cheapest_free", "articles": rnd.sample(articles, 3)},
            "bonus": {"type": "bonus", "value": rnd.randint(100, 1000)},
            "receipt": {"type": rnd.choice(["percent", "amount"]), "value": rnd.randint(100, 700),
                        "scope": "receipt"},
        }[kind]  # fmt: skip
        customer = rnd.choice(["any"] * 6 + ["card", "level"])
        out.append(
            {
                "id": f"C{i:04d}",
                "name": f"Campaign {i}",
                "priority": rnd.randint(0, 9),
                "stacking": rnd.choice(["stackable", "stackable", "exclusive", "best"]),
                "customer": customer,
                "min_level": rnd.randint(1, 3) if customer == "level" else 0,
                "days": rnd.choice([[], [], [1, 2, 3, 4, 5], [6, 7]]),
                "hours": rnd.choice([None, None, ["09:00", "18:00"], ["20:00", "08:00"]]),
                "starts": "2026-01-01T00:00:00",
                "ends": "2027-01-01T00:00:00",
                "conditions": cond,
                "action": action,
            }
        )
    return out


def receipt(articles: list[str], rnd: random.Random, lines: int = 200) -> Receipt:
    r = Receipt()
    for _ in range(lines):
        r = add_line(
            r,
            article=rnd.choice(articles),
            name="item",
            quantity=rnd.choice([1000, 1000, 2000, 3000, 450]),
            price=rnd.randint(2000, 50_000),
            measure="шт",
        )
    return r


class UnindexedEngine(Engine):
    """The baseline: the same rules, every campaign considered for every receipt."""

    def _candidates(self, lines: Sequence[Line]) -> dict[int, list[int]]:
        groups_of = self.set.item_groups
        found: dict[int, list[int]] = {}
        for i, c in enumerate(self.campaigns):
            f = c.conditions.items
            found[i] = [
                ln.position
                for ln in lines
                if f.matches(ln.article, groups_of.get(ln.article, frozenset()))
            ]
        return found


def bench_engine(n_receipts: int, seed: int, freeze: bool) -> None:
    print(
        f"engine: 200-line receipts x 1,000 active campaigns, {n_receipts} receipts"
        + (" (long-lived data gc.freeze()-d)" if freeze else "")
    )
    for label, n_items in (("chain", 20_000), ("dense", 2_000)):
        rnd = random.Random(seed)
        articles, groups = catalog(n_items, rnd)
        cs = CampaignSet(
            tuple(campaign_from_json(c) for c in campaigns(articles, rnd)),
            item_groups=groups,
            floors={a: 1000 for a in articles[::20]},
        )
        t0 = time.perf_counter()
        body = encode_set(cs)
        t1 = time.perf_counter()
        again = decode_set(body)
        t2 = time.perf_counter()
        engine = Engine(again)
        t3 = time.perf_counter()
        baseline = UnindexedEngine(again)
        receipts = [receipt(articles, rnd) for _ in range(n_receipts)]
        ctxs = [
            PriceContext("17", AT, 1, CardInfo("7770001", rnd.randint(0, 3)) if i % 2 else None)
            for i in range(n_receipts)
        ]
        for r, ctx in zip(receipts[:20], ctxs[:20], strict=True):  # warm-up
            engine.price(r, ctx)
        if freeze:
            gc.collect()
            gc.freeze()
        full_gcs = gc.get_stats()[2]["collections"]
        base, timed, cpu, applied, lines_discounted = [], [], [], 0, 0
        for r, ctx in zip(receipts, ctxs, strict=True):
            s = time.perf_counter()
            baseline.price(r, ctx)
            base.append(time.perf_counter() - s)
            s, c = time.perf_counter(), time.process_time()
            p = engine.price(r, ctx)
            cpu.append(time.process_time() - c)
            timed.append(time.perf_counter() - s)
            assert p == baseline.price(r, ctx)
            applied += len(p.applied)
            lines_discounted += sum(1 for ds in p.discounts.values() if ds)
        full_gcs = gc.get_stats()[2]["collections"] - full_gcs
        if freeze:
            gc.unfreeze()
        print(
            f" {label} ({n_items} items): promo.campaigns {len(body) / 1e6:.2f} MB, encode "
            f"{(t1 - t0) * 1000:.0f} ms, decode {(t2 - t1) * 1000:.0f} ms, index "
            f"{(t3 - t2) * 1000:.1f} ms; per receipt {applied / n_receipts:.1f} campaigns "
            f"applied, {lines_discounted / n_receipts:.0f} lines discounted; "
            f"{full_gcs} full garbage collections while timing"
        )
        show("price (indexed engine), wall clock", timed, base)
        show("price (indexed engine), CPU time of the process", cpu)
        show("price (baseline: no index), wall clock", base)


# -- part 2: asks through the bridge ---------------------------------------------------------


def start(role: str, data: Path, **sections: dict[str, Any]) -> Any:
    from ukm_actors.config import load_config
    from ukm_actors.nodes.base import Node

    node_id = sections.get("node", {}).get("id", role)
    overrides: dict[str, dict[str, Any]] = {
        "http": {"host": "127.0.0.1", "port": 0},
        "node": {"data_dir": str(data / node_id)},
        "db": {"url": f"sqlite:///{data / (node_id + '.db')}"},
        "log": {"level": "WARNING"},
    }
    for name, table in sections.items():
        overrides.setdefault(name, {}).update(table)
    return Node(load_config(None, role=role, overrides=overrides)).start()


def timed_calls(fn: Callable[[], Any], n: int) -> list[float]:
    for _ in range(min(20, n)):
        fn()
    out = []
    for _ in range(n):
        s = time.perf_counter()
        fn()
        out.append(time.perf_counter() - s)
    return out


def bench_asks(n: int, seed: int) -> None:
    from ukm_actors.bridge.peers import register_peer
    from ukm_actors.domain.promotions.feeds import FeedStore, FeedTill, encode_stores
    from ukm_actors.nodes.marketing.core import certificates, coupons
    from ukm_actors.nodes.marketing.core.campaigns import publish, save_campaign, utcnow

    print(f"asks through the bridge (till -> marketing, 127.0.0.1, SQLite), {n} each")
    rnd = random.Random(seed)
    fast = {"retry_initial": 0.05, "retry_maximum": 0.5}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        server = start("server", data, bridge={**fast, "secret": "s"})
        nodes = [server]
        try:
            with server.ctx.require_db().write() as s:
                register_peer(s, "till-17-1", "till", store="17", secret="t")
                register_peer(s, "marketing", "marketing", secret="m")
            server.ctx.services.bridge.peers_changed()
            mk = start("marketing", data, node={"id": "marketing"},
                       bridge={**fast, "server_url": server.ctx.url, "secret": "m"})  # fmt: skip
            nodes.append(mk)
            articles, groups = catalog(20_000, rnd)
            with mk.ctx.require_db().write() as s:
                from ukm_actors.bridge.documents import Document
                from ukm_actors.bridge.inbox import apply

                body = encode_stores([FeedStore("17", "Store 17", (FeedTill("till-17-1", 1),))])
                apply(s, Document.make("feed.stores", body, channel="server>marketing", seq=1),
                      mk.ctx.appliers)  # fmt: skip
                for data_ in campaigns(articles, rnd, 1000):
                    data_["conditions"].pop("groups", None)
                    save_campaign(s, data_, create=True)
                coupons.create_campaign(s, {"id": "SPRING", "name": "s", "prefix": "77",
                                            "length": 12}, utcnow())  # fmt: skip
                code = coupons.issue_batch(s, "SPRING", 1, utcnow())[1][0]
                certificates.create_series(
                    s, {"id": "GC", "name": "g", "face_value": 100_000, "article": "CERT",
                        "prefix": "9", "length": 12}, utcnow())  # fmt: skip
                number = certificates.create_certificates(s, "GC", 1, utcnow())[0]
                certificates.activate(s, number, {"receipt_id": "S1"}, None, utcnow())
                publish(s)
            till = start("till", data, node={"id": "till-17-1"},
                         till={"store": "17", "number": 1, "marketing_url": mk.ctx.url},
                         bridge={**fast, "server_url": server.ctx.url, "secret": "t"})  # fmt: skip
            nodes.append(till)
            bridge = till.ctx.services.bridge
            url = mk.ctx.url
            r = receipt(articles, rnd)
            price_msg = {
                "receipt": receipt_to_json(r),
                "context": {"store": "17", "till": 1, "at": AT.isoformat(), "card": None,
                            "coupons": []},
            }  # fmt: skip
            for name, msg in (
                ("coupon.check", {"code": code}),
                ("certificate.check", {"number": number}),
                ("promo.price", price_msg),
            ):
                local = mk.ctx.asks.get(name)
                base = timed_calls(lambda local=local, msg=msg: local(msg, "till-17-1"), n)
                over = timed_calls(
                    lambda name=name, msg=msg: bridge.ask(url, name, msg, timeout=10), n
                )
                show(f"{name} through the bridge", over)
                show(f"{name} in process (baseline)", base)
                p_over, p_base = percentiles(over)["p50"], percentiles(base)["p50"]
                print(f"    bridge overhead at p50: {p_over - p_base:.2f} ms")
        finally:
            for node in reversed(nodes):
                node.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--receipts", type=int, default=300)
    p.add_argument("--asks", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-asks", action="store_true")
    p.add_argument(
        "--freeze",
        action="store_true",
        help="gc.freeze() the campaign set and catalog first, as a node could after start "
        "(a full collection over them costs ~60 ms)",
    )
    args = p.parse_args()
    bench_engine(args.receipts, args.seed, args.freeze)
    if not args.no_asks:
        bench_asks(args.asks, args.seed)


if __name__ == "__main__":
    main()
