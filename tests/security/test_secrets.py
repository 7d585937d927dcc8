"""Attack: any user of a store's machine reads a node's bridge secret from its TOML file, or
cashier password hashes and every node's secret from the SQLite database (both were 0644).
Defence: configuration files, databases, the first admin's password file and the bridge
spool are written 0600 in 0700 folders (``config/private.py``); ``ukm node`` warns, with
the command to run, about a configuration file with secrets that others can read."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import PG_URL
from tests.nodes.helpers import NodeProcess, write_config
from ukm_actors.commands.up import plan, register
from ukm_actors.config.private import exposure, warn_if_exposed
from ukm_actors.db import Database

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(os.name != "posix", reason="POSIX file modes"),
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask():
    old = os.umask(0o022)  # what a shell gives: new files 0644 unless we say otherwise
    yield
    os.umask(old)


def ukm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ukm_actors", *args], capture_output=True, text=True, timeout=60
    )


def test_ukm_up_writes_configs_databases_and_the_password_file_for_the_owner_only(tmp_path):
    data = tmp_path / "data"
    planned = plan(data, "127.0.0.1", 8430, "17")
    installed = register(planned)
    assert mode(data / "nodes") == 0o700 and mode(data / "db") == 0o700
    for node in planned:
        assert mode(node.config) == 0o600, node.config
        assert exposure(node.config) is None
    server_db = data / "db" / "server.db"
    assert mode(server_db) == 0o600
    for extra in ("-wal", "-shm"):
        side = server_db.with_name(server_db.name + extra)
        assert not side.exists() or mode(side) == 0o600
    assert mode(Path(installed["admin_password_file"])) == 0o600

    # An install made before (files 0644, folder 0755) is narrowed by the next `ukm up`,
    # and nothing in it changes.
    till = planned[2].config
    before = till.read_text()
    os.chmod(till, 0o644)
    os.chmod(data / "nodes", 0o755)
    again = plan(data, "127.0.0.1", 8430, "17")
    assert mode(till) == 0o600 and mode(data / "nodes") == 0o700
    assert till.read_text() == before
    assert [n.secret for n in again] == [n.secret for n in planned]


@pytest.mark.skipif(bool(PG_URL), reason="SQLite files; PostgreSQL keeps its own files")
def test_a_node_database_is_created_0600_and_an_old_one_narrowed(tmp_path, caplog):
    path = tmp_path / "new" / "till.db"
    db = Database(f"sqlite:///{path}")
    with db.write() as s:
        s.execute(text("CREATE TABLE t2 (x INTEGER)"))
    assert mode(path.parent) == 0o700 and mode(path) == 0o600
    for extra in ("-wal", "-shm"):
        assert mode(path.with_name(path.name + extra)) == 0o600
    db.dispose()

    os.chmod(path, 0o644)
    with caplog.at_level(logging.INFO, logger="ukm_actors.db.engine"):
        db = Database(f"sqlite:///{path}")
    assert mode(path) == 0o600
    assert "readable by its owner only" in caplog.text
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM t2")).scalar_one() == 0
    db.dispose()
    # A database in a folder that existed (perhaps shared) leaves the folder alone.
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    Database(f"sqlite:///{shared / 'x.db'}").dispose()
    assert mode(shared) == 0o755 and mode(shared / "x.db") == 0o600


def test_ukm_config_output_is_private_and_check_does_not_print_secrets(tmp_path):
    target = tmp_path / "etc" / "till.toml"
    r = ukm("config", "till", "-o", str(target))
    assert r.returncode == 0, r.stderr
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    text = target.read_text().replace('secret = ""', 'secret = "very-secret-value"')
    target.write_text(text)
    r = ukm("config", "till", "--check", str(target))
    assert r.returncode == 0, r.stderr
    assert "very-secret-value" not in r.stdout and "'secret': '***'" in r.stdout


def test_ukm_node_warns_once_about_a_config_others_can_read(tmp_path, caplog):
    sections = {
        "node": {"role": "pricechecker", "id": "pricechecker-17", "data_dir": str(tmp_path),
                 "ready_file": "ready.json"},
        "http": {"host": "127.0.0.1", "port": 0},
        "bridge": {"secret": "stolen-if-readable"},
        "pricechecker": {"tcp_port": 0},
    }  # fmt: skip
    cfg = write_config(tmp_path / "pc.toml", sections)
    os.chmod(cfg, 0o644)
    why = exposure(cfg)
    assert why is not None and f"chmod 600 {cfg}" in why and "[bridge] secret" in why
    with caplog.at_level(logging.WARNING):
        assert warn_if_exposed(cfg)
    assert caplog.text.count("chmod 600") == 1

    node = NodeProcess("pricechecker", cfg, tmp_path / "ready.json").start()
    try:
        assert node.output().count(f"run `chmod 600 {cfg}`") == 1
    finally:
        assert node.terminate() == 0

    os.chmod(cfg, 0o600)
    assert exposure(cfg) is None
    cfg.write_text("[http]\nport = 0\n")  # no secret in it: nothing to warn about
    os.chmod(cfg, 0o644)
    assert exposure(cfg) is None
    server = tmp_path / "server.toml"
    server.write_text('[db]\nurl = "postgresql+psycopg://ukm:pw@db.local/ukm"\n')
    os.chmod(server, 0o644)
    assert "[db] url (with a password)" in (exposure(server) or "")
    server.write_text('[db]\nurl = "postgresql+psycopg://ukm@db.local/ukm"\n')
    assert exposure(server) is None
