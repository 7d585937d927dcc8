"""The cash server killed (SIGKILL) in the middle of an ingest: nothing lost, nothing twice."""

import pytest

from tests.bridge.conftest import TILL_SECRET
from tests.bridge.helpers import (
    SERVER_SECRET,
    BridgeProcess,
    free_port,
    migrate,
    put_many,
    register,
)
from ukm_actors.bridge.testing import rows
from ukm_actors.db import Database
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

N = 600
UP = "till-17-1>server"


def test_a_server_killed_during_ingest_loses_nothing_and_applies_nothing_twice(
    tmp_path, server_db_url, make_till
):
    migrate(server_db_url, "server")
    register(server_db_url, "till-17-1", "till", "17", TILL_SECRET)
    port = free_port()
    server = BridgeProcess.write(
        tmp_path,
        "server",
        {
            "node": {"role": "server", "id": "server"},
            "http": {"host": "127.0.0.1", "port": port},
            "db": {"url": server_db_url},
            "bridge": {"secret": SERVER_SECRET},
        },
    )
    server.start()
    db = Database(server_db_url)
    try:
        till = make_till(f"http://127.0.0.1:{port}", TILL_SECRET, batch_docs=25)
        put_many(till, "server", N, "test.slow", per_txn=200)
        expect(
            lambda: len(rows(db, UP)) >= 40, within=30, every=0.005, what="the ingest has started"
        )
        server.kill()
        killed_at = len(rows(db, UP))
        assert killed_at < N, "the kill came after the ingest (make it slower)"
        server.start()
        expect(lambda: len(rows(db, UP)) == N, within=60, what="everything applied")
        seqs = [r[1] for r in rows(db, UP)]
        assert seqs == list(range(1, N + 1)), "each document applied exactly once, in order"
    finally:
        db.dispose()
        server.stop()
