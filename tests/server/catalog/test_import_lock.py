"""The import lock is per database schema: two chains (or test runs) in two schemas of one
PostgreSQL database load files at the same time; two servers of one schema still take turns."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import PG_URL
from tests.server.catalog.conftest import EXAMPLES, load
from ukm_actors.db import Database
from ukm_actors.db.locks import key_of, try_transaction_lock
from ukm_actors.nodes.server.catalog.loader import IMPORT_LOCK

pytestmark = pytest.mark.skipif(not PG_URL, reason="advisory locks are PostgreSQL's")


@pytest.fixture
def two(fresh_url):
    a, b = Database(fresh_url("empty")), Database(fresh_url("empty"))
    yield a, b
    a.dispose()
    b.dispose()


def test_import_lock_of_one_schema_does_not_block_another(two, tmp_path):
    a, b = two
    path = tmp_path / "taxes_[12]_[F].xml"
    shutil.copy(EXAMPLES / path.name, path)
    with a.write() as holder:
        assert try_transaction_lock(holder, IMPORT_LOCK)
        # the same schema: another server's load answers busy and loads nothing
        assert load(a, path).status == "busy"
        # another schema of the same database: loads at once
        assert load(b, path).status == "loaded"
    assert load(a, path).status == "loaded"


def test_lock_keys_differ_by_schema_and_name(two):
    a, b = two
    with a.read() as sa_, b.read() as sb:
        assert key_of(sa_, IMPORT_LOCK) == key_of(sa_, IMPORT_LOCK)
        assert key_of(sa_, IMPORT_LOCK) != key_of(sb, IMPORT_LOCK)
        assert key_of(sa_, IMPORT_LOCK) != key_of(sa_, "ukm.migrations.server")
