"""Killed mid-copy (SIGKILL, a real OS process), restarted: nothing lost, numbered twice
or skipped; every sales file reaches the trade system exactly once.

While the module runs, till 1 takes files out of its queue folder (as a till does)
and the trade system takes sales files out of its folder, so a number written
and already taken before a kill would show up twice if the module wrote it again.
"""

from __future__ import annotations

import os
import random
import re

import gevent
import pytest

from tests.integration_module.conftest import drop, make_folders
from tests.nodes.helpers import NodeProcess, write_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

QUEUED = re.compile(r"^(\d{6})_(.+)$")


def taker(folder, into, stop):
    """Move every visible file of ``folder`` into ``into`` (a till or trade system taking it)."""
    into.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        try:
            names = [n for n in os.listdir(folder) if not n.startswith(".")]
        except FileNotFoundError:
            names = []
        for n in names:
            target = into / n
            assert not target.exists(), f"{n} delivered twice"
            os.replace(folder / n, target)
        gevent.sleep(0.005)


def test_killed_mid_copy_nothing_is_lost_numbered_twice_or_skipped(tmp_path):
    rng = random.Random(20240917)
    f = make_folders(tmp_path / "store", 3)
    config = write_config(
        tmp_path / "integration.toml",
        {
            "node": {
                "role": "integration",
                "id": "integration-17",
                "data_dir": str(tmp_path / "node"),
                "ready_file": "ready.json",
            },
            "http": {"host": "127.0.0.1", "port": 0},
            "log": {"level": "WARNING"},
            "integration": f.section(batch=8),
        },
    )
    node = NodeProcess("integration", config, tmp_path / "node" / "ready.json")
    sent: dict[str, bytes] = {}
    sales: dict[str, bytes] = {}
    stop = gevent.event.Event()
    takers = [
        gevent.spawn(taker, f.tills[1], tmp_path / "till1-taken", stop),
        gevent.spawn(taker, f.sales, tmp_path / "trade-taken", stop),
    ]

    def add_files(round_no):
        for i in range(rng.randint(3, 6)):
            name = f"r{round_no}_big{i}.xml"
            sent[name] = os.urandom(64) * (rng.randint(4, 16) * 1024)  # 0.25 - 1 MB
            drop(f.source, name, sent[name])
        for i in range(rng.randint(15, 40)):
            name = f"r{round_no}_small{i:02d}.xml"
            sent[name] = f"{name}\n".encode() * rng.randint(1, 50)
            drop(f.source, name, sent[name])
        for n in (1, 2, 3):
            for i in range(rng.randint(3, 10)):
                name = f"sale_{n}_{round_no}_{i}.xml"
                sales[name] = f"receipt {name}".encode()
                drop(f.outs[n], name, sales[name])

    try:
        for round_no, delay in enumerate([0.0, 0.05, 0.15, 0.3, 0.6]):
            add_files(round_no)
            node.start()
            gevent.sleep(delay + rng.random() * 0.05)
            node.kill()
        add_files(99)
        node.start()

        def done():
            return (
                not any(f.source.iterdir())
                and len(list((tmp_path / "trade-taken").iterdir())) == len(sales)
                and all(len(queued_files(f, n, tmp_path)) == len(sent) for n in (1, 2, 3))
            )

        deadline = gevent.Timeout(60)
        with deadline:
            while not done():
                gevent.sleep(0.05)
        assert node.terminate() == 0
    finally:
        stop.set()
        gevent.joinall(takers, timeout=5)
        if node.proc is not None and node.proc.poll() is None:
            node.kill()
    for t in takers:
        assert t.successful(), t.exception

    orders = []
    for n in (1, 2, 3):
        files = queued_files(f, n, tmp_path)
        numbers = sorted(int(QUEUED.match(p.name)[1]) for p in files)
        assert numbers == list(range(1, len(sent) + 1)), f"till {n}: numbers skip or repeat"
        by_number = {int(QUEUED.match(p.name)[1]): p for p in files}
        order = [QUEUED.match(by_number[k].name)[2] for k in sorted(by_number)]
        assert sorted(order) == sorted(sent), f"till {n}: files lost or doubled"
        for p in files:
            assert p.read_bytes() == sent[QUEUED.match(p.name)[2]], p
        assert not [p for p in f.tills[n].iterdir() if p.name.startswith(".")]
        orders.append(order)
    assert orders[0] == orders[1] == orders[2], "every till gets the files in one order"
    taken_sales = {p.name: p.read_bytes() for p in (tmp_path / "trade-taken").iterdir()}
    assert taken_sales == sales
    assert not list(f.sales.iterdir())


def queued_files(f, n, tmp_path):
    files = [p for p in f.tills[n].iterdir() if not p.name.startswith(".")]
    if n == 1 and (tmp_path / "till1-taken").exists():
        files += list((tmp_path / "till1-taken").iterdir())
    return files
