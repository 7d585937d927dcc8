"""A till and the cash server in separate network namespaces on a slow, lossy link.

Both are real processes (``python -m ukm_actors.bridge.testnode`` started with
``ip netns exec``), joined by a veth pair shaped like a store's line
(``tests/bridge/netns.py``: netem 2 Mbit/s, 80 ms, 2 % loss; where the kernel
has no netem, tbf at 2 Mbit/s and nftables dropping 2 %). A catalog-sized
document, sized to take about half a minute compressed, is downloaded while
the till sends receipts. The second run pulls the cable three times in the
middle of the download (``ip link set … down``, 8 s each, longer than the
till's read timeout so the transfer really breaks): the download completes,
every attempt continues where the previous one stopped (the offsets in the
till's log), the document applies once, and every receipt reaches the
server once, in order.

Skipped, saying why, where namespaces cannot be made (not root, no ``ip``).
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from tests.bridge import netns
from tests.bridge.conftest import TILL_SECRET
from tests.bridge.helpers import SERVER_SECRET, BridgeProcess, migrate, register
from ukm_actors.bridge import encoding, outbox
from ukm_actors.bridge.testing import rows
from ukm_actors.db import Database
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

DOWN = "server>till-17-1"
UP = "till-17-1>server"
TARGET = 6_500_000
"""Compressed bytes of the catalog: about 30 s at 2 Mbit/s."""
RECEIPTS = 120
PORT = 8520


@pytest.fixture
def link():
    if os.environ.get("UKM_TEST_PG_URL"):
        pytest.skip("both nodes use SQLite here (a namespace has no PostgreSQL): run on SQLite")
    why = netns.unavailable()
    if why is not None:
        pytest.skip(f"no network namespaces here: {why}")
    made = netns.Link.create()
    try:
        made.shape()
        print("link shaping:", "; ".join(made.shaping))
        yield made
    finally:
        made.close()


def catalog_body() -> bytes:
    """Catalog-like JSON lines that compress about 4:1 (random codes in every line),
    as many as make ``TARGET`` compressed bytes."""

    def lines(start: int, n: int) -> bytes:
        return b"".join(
            b'{"op": "put", "kind": "item", "article": "%06d", "name": "Item %d", "code": "%s"}\n'
            % (i, i % 977, os.urandom(24).hex().encode())
            for i in range(start, start + n)
        )

    sample = lines(0, 20_000)
    per_line = len(encoding.compress_stored(sample)) / 20_000
    return sample + lines(20_000, int(TARGET / per_line) - 20_000)


def in_ns(link, ns, url):
    """GET ``url`` from inside namespace ``ns`` (the nodes are reachable only there)."""
    code = (
        f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=10).read().decode())"
    )
    out = subprocess.run(
        [*link.exec_prefix(ns), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(out.stdout)


def start(tmp_path, link):
    # SQLite also in a PostgreSQL run: a namespace has its own loopback, where no
    # PostgreSQL listens (what is tested here is the network)
    server_db_url = f"sqlite:///{tmp_path / 'server.db'}"
    migrate(server_db_url, "server")
    register(server_db_url, "till-17-1", "till", "17", TILL_SECRET)
    server = BridgeProcess.write(
        tmp_path,
        "server",
        {
            "node": {"role": "server", "id": "server"},
            "http": {"host": link.server_addr, "port": PORT},
            "db": {"url": server_db_url},
            "bridge": {"secret": SERVER_SECRET},
        },
    )
    server.prefix = link.exec_prefix(link.server_ns)
    till_db = f"sqlite:///{tmp_path / 'till.db'}"
    migrate(till_db, "till")
    till = BridgeProcess.write(
        tmp_path,
        "till",
        {
            "node": {"role": "till", "id": "till-17-1"},
            "http": {"host": link.till_addr, "port": PORT},
            "db": {"url": till_db},
            "till": {"store": "17", "number": 1},
            "log": {"level": "INFO"},
            "bridge": {
                "server_url": f"http://{link.server_addr}:{PORT}",
                "secret": TILL_SECRET,
                "transfer_timeout": 5.0,
                "connect_timeout": 2.0,
                "retry_initial": 0.2,
                "retry_maximum": 1.0,
                "poll_wait": 5.0,
                "batch_docs": 10,
            },
        },
    )
    till.prefix = link.exec_prefix(link.till_ns)
    return server, till, server_db_url, till_db


def sell(db, n):
    """Receipts queued at the till (its outbox, in its database), one per transaction."""
    for _ in range(n):
        with db.write() as session:
            outbox.put(session, UP, "test.row", json.dumps({"receipt": True}).encode() * 40)


@pytest.mark.parametrize("cuts", [0, 3], ids=["shaped", "cut-three-times"])
def test_a_catalog_crosses_a_slow_lossy_link_and_survives_cuts(tmp_path, link, cuts):
    body = catalog_body()
    server, till, server_db_url, till_url = start(tmp_path, link)
    sdb, tdb = Database(server_db_url), Database(till_url)
    try:
        with sdb.write() as session:
            outbox.put(session, DOWN, "test.lines", body)
            packed = outbox.variant_length(session, outbox.entry(session, DOWN, 1).sha256, "zstd")
        server.start()
        till.start()
        part = tmp_path / "till" / "spool" / "server__till-17-1" / "1.part"
        started = time.monotonic()
        sold = 0
        for k in range(cuts):
            mark = packed * (k + 1) / (cuts + 2)
            expect(lambda m=mark: part.stat().st_size >= m, within=120, every=0.1)
            sell(tdb, RECEIPTS // (cuts + 1))
            sold += RECEIPTS // (cuts + 1)
            link.down()
            time.sleep(8)
            link.up()
        sell(tdb, RECEIPTS - sold)
        expect(lambda: len(rows(tdb, DOWN)) == 1, within=300, every=0.5, what="catalog applied")
        took = time.monotonic() - started
        expect(lambda: len(rows(sdb, UP)) == RECEIPTS, within=120, every=0.5, what="receipts")

        assert rows(tdb, DOWN) == [(DOWN, 1, "test.lines", len(body), body.count(b"\n"))]
        assert [r[1] for r in rows(sdb, UP)] == list(range(1, RECEIPTS + 1)), "each once, in order"
        log = till.output()
        breaks = [int(b) for b in re.findall(r"document 1 broke at byte (\d+) of", log)]
        resumes = [int(r) for r in re.findall(r"document 1 resumes at byte (\d+) of", log)]
        print(f"{len(body)} bytes, {packed} compressed, applied after {took:.0f} s;")
        print(f"broke at {breaks}, resumed at {resumes}")
        assert len(resumes) >= cuts and resumes == sorted(resumes)
        assert breaks == resumes[: len(breaks)], "every attempt continues where one stopped"
        status = in_ns(link, link.till_ns, f"http://{link.till_addr}:{PORT}/status")
        pull = next(x for x in status["bridge"]["links"] if x["name"] == "pull.server")
        t = pull["transfer"]
        assert (t["seq"], t["coding"], t["finished"]) == (1, "zstd", True)
        assert t["total"] == t["done"] and t["resumes"] == len(resumes) == pull["resumed"]
        assert pull["wire_bytes"] < len(body) / 2
    finally:
        till.stop()
        server.stop()
        sdb.dispose()
        tdb.dispose()
