"""PostgreSQL restarted under load: the servers say so on /health, reconnect by
themselves, and no receipt the tills closed is lost or doubled (their outboxes keep
them). It restarts this machine's PostgreSQL, so it runs only with
UKM_TEST_PG_RESTART=1 (``.ci/run`` sets it for its PostgreSQL run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import gevent
import pytest

from tests.cluster.procs import HTTP, Cluster, all_sell_again, cashiers, closed_counts
from tests.cluster.test_chaos import exported, on_server
from tests.conftest import PG_URL
from ukm_actors.supervision.testing import expect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL"),
    pytest.mark.skipif(
        os.environ.get("UKM_TEST_PG_RESTART") != "1",
        reason="restarts the machine's PostgreSQL: set UKM_TEST_PG_RESTART=1 to allow it",
    ),
]


def pg_cluster() -> tuple[str, str]:
    """(version, name) of the local PostgreSQL cluster to restart."""
    versions = (
        sorted(p.name for p in Path("/etc/postgresql").iterdir())
        if Path("/etc/postgresql").is_dir()
        else []
    )
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("no pg_ctlcluster here: cannot restart PostgreSQL")
    return versions[-1], "main"


def pg_ctl(action: str) -> None:
    version, name = pg_cluster()
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action]
    if action == "stop":
        cmd += ["--", "-m", "fast"]
    subprocess.run(cmd, check=True, timeout=60, capture_output=True)


def health(url: str) -> int:
    try:
        return HTTP.request("GET", url + "/health").status
    except Exception:  # noqa: BLE001 - not answering counts as not healthy
        return 0


def test_postgresql_restarted_while_selling_loses_and_doubles_nothing(tmp_path, make_db_url):
    pg_cluster()
    cluster = Cluster(tmp_path, make_db_url("dbrestart"), servers=2, tills_per_store=1)
    cluster.start()
    try:
        cluster.import_files(cluster.base_catalog())
        cluster.wait_catalog()
        sellers = cashiers(cluster)
        loops = [gevent.spawn(c.run, 0.3) for c in sellers]
        gevent.sleep(3)
        servers = [p.url for p in cluster.server_procs]
        pg_ctl("stop")
        try:
            expect(
                lambda: all(health(u) == 503 for u in servers),
                within=30,
                what="every server degraded on /health",
            )
            # Degraded may first be for an actor the lost connection broke; the database's
            # own probe names it within its next check.
            expect(
                lambda: (
                    "db: unreachable" in HTTP.request("GET", servers[0] + "/health").data.decode()
                ),
                within=30,
                what="/health names the database",
            )
            all_sell_again(sellers, "while PostgreSQL is down", closed_counts(sellers))
        finally:
            pg_ctl("start")
        expect(lambda: all(health(u) == 200 for u in servers), within=60, what="healthy again")
        all_sell_again(sellers, "after PostgreSQL is back", closed_counts(sellers))
        for c in sellers:
            c.stop = True
        gevent.joinall(loops, timeout=30)
        for c in sellers:  # how fast is bench's: printed, not asserted
            print(f"{c.till}: {len(c.closed)} receipts, slowest answer {c.slowest:.1f} s")
            assert not c.errors, f"{c.till}: {c.errors[:5]}"
        sold = {(c.till, s, n) for c in sellers for (s, n) in c.closed}
        expect(lambda: on_server(cluster) == Counter(sold), within=90, what="receipts on server")
        expect(lambda: exported(cluster) == sold, within=90, what="receipts exported")
    finally:
        cluster.stop()
