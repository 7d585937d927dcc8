"""deploy/haproxy/haproxy.cfg in front of two cash servers: one address, a server taken
out when it stops, every document applied once. Needs PostgreSQL and Debian's haproxy
(``.ci/run`` installs it; skipped with the reason when it is not there)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.bridge.conftest import TILL_SECRET, start_server, stop_nodes
from tests.bridge.helpers import bridge_node, free_port, put_many, till_sections
from tests.conftest import PG_URL
from tests.nodes.helpers import get_json
from ukm_actors.bridge.testing import rows
from ukm_actors.supervision.testing import expect

EXAMPLE = Path(__file__).parents[2] / "deploy" / "haproxy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
)

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="servers sharing a database need PostgreSQL"),
    pytest.mark.skipif(
        HAPROXY is None, reason="haproxy is not installed (apt-get install -y haproxy)"
    ),
]
UP = "till-17-1>server"


def config_for(port: int, servers: list[str]) -> str:
    """The example with its frontend on ``port`` and ``servers`` as the backend."""
    text = EXAMPLE.read_text()
    text = re.sub(r"bind 127\.0\.0\.1:\d+", f"bind 127.0.0.1:{port}", text)
    text = re.sub(r"\n    server server-\d .*", "", text)
    lines = [f"    server server-{i} {urlsplit(u).netloc} check" for i, u in enumerate(servers, 1)]
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def test_the_example_is_valid():
    r = subprocess.run([HAPROXY, "-c", "-f", str(EXAMPLE)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_one_address_in_front_of_two_servers_survives_one_stopping(tmp_path, server_db_url):
    a = start_server(tmp_path / "a", server_db_url)
    b = bridge_node("server", tmp_path / "b", server_db_url)
    port = free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(config_for(port, [a.ctx.url, b.ctx.url]))
    log = open(tmp_path / "haproxy.log", "wb")  # noqa: SIM115
    proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)], stdout=log, stderr=log)
    vip = f"http://127.0.0.1:{port}"
    till = None
    try:
        expect(lambda: _health(vip) == 200, within=30)
        till = bridge_node(
            "till",
            tmp_path,
            f"sqlite:///{tmp_path / 'till.db'}",
            **till_sections(vip, TILL_SECRET),
        )
        put_many(till, "server", 40)
        expect(lambda: [r[1] for r in rows(a.ctx.db, UP)] == list(range(1, 41)), within=20)
        a.stop()
        logged = tmp_path / "haproxy.log"
        expect(lambda: "server-1 is DOWN" in logged.read_text(errors="replace"), within=30)
        put_many(till, "server", 40)
        expect(lambda: [r[1] for r in rows(b.ctx.db, UP)] == list(range(1, 81)), within=30)
        assert _health(vip) == 200
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        log.close()
        stop_nodes(*(n for n in (till, b, a) if n is not None))


def _health(url: str) -> int | None:
    try:
        status, _ = get_json(url + "/health")
    except Exception:  # noqa: BLE001 - not up yet
        return None
    return int(status)
