"""Rotating a node's bridge secret (docs/security.md): the old one stops working."""

import subprocess
import sys

from tests.nodes.helpers import write_config
from tests.security.conftest import SignedPeer
from ukm_actors.supervision.testing import expect


def test_ukm_admin_new_secret_locks_out_the_old_one(tmp_path, server, peers):
    """A leaked secret of the marketing server is replaced; the old one gets 401."""
    config = write_config(
        tmp_path / "server.toml",
        {
            "node": {"id": "server", "data_dir": str(tmp_path / "cli")},
            "db": {"url": server.ctx.config.db.url},
        },
    )
    old = peers["marketing"]
    assert old.request("GET", "/mailbox/v1/peers/keys")[0] == 200
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "ukm_actors",
            "admin",
            "new-secret",
            "--config",
            str(config),
            "--node",
            "marketing",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    secret = r.stdout.split("secret:")[1].strip()
    assert secret and secret != old.secret
    expect(
        lambda: old.request("GET", "/mailbox/v1/peers/keys")[0] == 401,
        what="the old secret refused",
    )
    status, answer = old.request("GET", "/mailbox/v1/peers/keys")
    assert answer["message"].startswith("bad signature from 'marketing'")
    new = SignedPeer("marketing", secret, server.ctx.url)
    assert new.request("GET", "/mailbox/v1/peers/keys")[0] == 200

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "ukm_actors",
            "admin",
            "new-secret",
            "--config",
            str(config),
            "--node",
            "till-99-9",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and "no peer 'till-99-9' is registered" in r.stderr
