"""The proof of #14: three cash servers on PostgreSQL, two stores with two tills each,
selling continuously while one server is killed (-9) twice and another is stopped
(SIGSTOP) for 30 s during a catalog import. Afterwards every receipt is on the server
and in the export folder exactly once, the catalog file was imported once and reached
every till, and the tills' own API answered throughout."""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter

import gevent
import pytest
import sqlalchemy as sa

from tests.cluster.procs import (
    NEW_ARTICLE,
    STORES,
    Cluster,
    all_sell_again,
    cashiers,
    closed_counts,
)
from tests.conftest import PG_URL
from ukm_actors.supervision.testing import expect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(420),
    pytest.mark.skipif(not PG_URL, reason="a cluster of cash servers needs PostgreSQL"),
]

NEW_ITEMS = f"""<?xml version="1.0" encoding="UTF-8"?>
<updateItems fullness="I">
  <version>1.0</version>
  <item>
    <article>{NEW_ARTICLE}</article>
    <name>Товар кластера</name>
    <measure>шт</measure>
    <groupId>41</groupId>
    <taxgroupId>2</taxgroupId>
    <barcode><id>4600000990011</id><quantity>1</quantity></barcode>
  </item>
</updateItems>
"""
NEW_FILE = "updateItems_[14]_[I].xml"


def holder_index(cluster: Cluster, resource: str, default: int) -> int:
    holder = cluster.lease_holders().get(resource, f"server-{default + 1}")
    return int(holder.rsplit("-", 1)[1]) - 1


def test_kill_and_stop_servers_while_selling_and_importing(tmp_path, make_db_url):
    cluster = Cluster(tmp_path, make_db_url("cluster"))
    cluster.start()
    try:
        run_chaos(cluster)
    finally:
        cluster.stop()


def run_chaos(cluster: Cluster) -> None:
    cluster.import_files(cluster.base_catalog())
    cluster.wait_catalog()
    before = {t: items(cluster, t) for t in cluster.till_procs}
    sellers = cashiers(cluster)
    loops = [gevent.spawn(c.run, 0.3) for c in sellers]
    gevent.sleep(3)

    victim = holder_index(cluster, "sales.exporter", 0)  # the exporter's holder dies
    cluster.server_procs[victim].kill()
    cluster.import_files({NEW_FILE: NEW_ITEMS})
    gevent.sleep(1.0)
    sleeper = holder_index(cluster, "catalog.import", (victim + 1) % 3)
    if sleeper == victim:
        sleeper = (victim + 1) % 3
    os.kill(cluster.server_procs[sleeper].proc.pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    at_stop = closed_counts(sellers)
    cluster.restart_server(victim)
    gevent.sleep(8)
    cluster.server_procs[victim].kill()  # the same server, a second time
    gevent.sleep(3)
    cluster.restart_server(victim)
    gevent.sleep(max(0.0, 30 - (time.monotonic() - stopped_at)))
    all_sell_again(sellers, "while a server is stopped and another killed twice", at_stop)
    os.kill(cluster.server_procs[sleeper].proc.pid, signal.SIGCONT)
    all_sell_again(sellers, "after the stopped server goes on", closed_counts(sellers))
    for c in sellers:
        c.stop = True
    gevent.joinall(loops, timeout=30)

    for c in sellers:  # how fast is bench's: printed, not asserted
        print(f"{c.till}: {len(c.closed)} receipts, slowest answer {c.slowest:.1f} s")
        assert not c.errors, f"{c.till}: {c.errors[:5]}"

    sold = {(c.till, s, n) for c in sellers for (s, n) in c.closed}
    expect(lambda: on_server(cluster) == Counter(sold), within=90, what="receipts on the server")
    expect(lambda: exported(cluster) == sold, within=90, what="receipts exported")
    with cluster.server_db().connect() as c:
        loads = c.execute(
            sa.text("SELECT status, error, node FROM catalog_load WHERE file = :f"),
            {"f": NEW_FILE},
        ).all()
    assert [r[0] for r in loads] == ["loaded"], loads
    expect(
        lambda: all(items(cluster, t) == before[t] + 1 for t in cluster.till_procs),
        within=60,
        what=f"the new item on every till (before: {before})",
    )
    # a file the killed exporter was writing stays until the lease holder removes it (older
    # than half the 30 s lease, at a renewal: within 30 s of the kill)
    expect(
        lambda: not list((cluster.exchange / "export").glob(".*.tmp")),
        within=90,
        what="no half-written file left",
    )


def items(cluster: Cluster, till: str) -> int:
    return int(cluster.status(cluster.till_procs[till].url)["catalog"].get("items", 0))


def on_server(cluster: Cluster) -> Counter[tuple[str, int, int]]:
    with cluster.server_db().connect() as c:
        rows = c.execute(sa.text("SELECT store, till, shift_num, number FROM sales_receipt"))
        return Counter((f"till-{r[0]}-{r[1]}", r[2], r[3]) for r in rows)


RECEIPT_FILE = re.compile(r"receipt_\[(\w+)\]_\[(\d+)\]_\[(\d+)\]_\[(\d+)\]_\[\d+\]\.xml")


def exported(cluster: Cluster) -> set[tuple[str, int, int]]:
    """(till, shift, number) of every receipt file in the export folder."""
    out = set()
    for f in (cluster.exchange / "export").glob("receipt_*.xml"):
        m = RECEIPT_FILE.fullmatch(f.name)
        assert m is not None, f.name
        store, till, shift, number = m.groups()
        assert store in STORES
        out.add((f"till-{store}-{till}", int(shift), int(number)))
    return out
