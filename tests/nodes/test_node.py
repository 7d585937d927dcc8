"""Every node: /health, /status, a degraded tree, root failure, process exit codes."""

import subprocess
import sys
import textwrap

import pykka
import pytest
from lxml import etree

from tests.nodes.helpers import NodeProcess, get_json, http, start_node, write_config
from ukm_actors.runtime import Cooperator
from ukm_actors.supervision import Backoff, ChildSpec, SupervisedActor
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


class FailsToStart(SupervisedActor):
    def on_start(self):
        raise OSError("printer port /dev/ttyUSB0 missing")


@pytest.mark.parametrize("role", ["server", "till", "marketing", "integration", "pricechecker"])
def test_each_role_serves_health_and_status(role, tmp_path, make_db_url):
    db = make_db_url(role) if role in ("server", "till", "marketing") else None
    node = start_node(role, tmp_path, db, till={"store": "17", "number": 1})
    try:
        code, body = get_json(node.ctx.url + "/health")
        assert (code, body) == (200, {"status": "ok"})
        code, st = get_json(node.ctx.url + "/status")
        assert code == 200
        assert st["role"] == role and st["version"] and st["uptime_s"] >= 0
        assert st["runtime"]["gevent"] == "patched"
        names = [c["name"] for c in st["tree"]["children"]]
        assert names[0] == "http" and names[-1] == role
        assert ("db" in names) == (db is not None)
    finally:
        node.stop()


def test_degraded_tree_gives_503_with_the_reason(tmp_path):
    node = start_node("integration", tmp_path)
    try:
        node.root.proxy().start_child(
            ChildSpec("printer", FailsToStart.start, backoff=Backoff(0.2, 1.0))
        ).get()
        code, body = get_json(node.ctx.url + "/health")
        assert code == 503 and body["status"] == "degraded"
        assert any("printer" in r and "ttyUSB0 missing" in r for r in body["reasons"])
        code, st = get_json(node.ctx.url + "/status")
        assert st["status"] == "degraded"
    finally:
        node.stop()


def test_root_failure_stops_the_node_with_exit_code_1(tmp_path):
    node = start_node("integration", tmp_path)
    node.root.proxy().start_child(ChildSpec("crashy", FailsToStart.start)).get()
    expect(lambda: node.stopped.is_set(), what="node stopped after its root gave up")
    assert node.exit_code == 1
    node.stop()


def test_request_body_over_the_limit_gets_413(tmp_path):
    node = start_node("integration", tmp_path, http={"max_body": 1000})
    try:
        r = http.request("POST", node.ctx.url + "/health", body=b"x" * 2000)
        assert r.status == 413 and b"over the limit of 1000 bytes" in r.data
    finally:
        node.stop()


def test_health_answers_while_a_long_xml_parse_runs(tmp_path):
    """CPU-heavy work yields between chunks, so the node keeps answering."""
    big = tmp_path / "big.xml"
    with big.open("w") as f:
        f.write("<updateItems>")
        for i in range(200_000):
            f.write(f"<item><article>{i}</article><name>Item {i}</name></item>")
        f.write("</updateItems>")

    class Parser(SupervisedActor):
        def parse(self, path):
            n = 0
            coop = Cooperator()
            for _, el in etree.iterparse(str(path), tag="item"):
                n += 1
                el.clear()
                coop.tick()
            return n

    node = start_node("integration", tmp_path)
    parser = Parser.start()
    try:
        result = parser.proxy().parse(big)
        answered_during = 0
        for _ in range(10_000):
            code, _ = get_json(node.ctx.url + "/health")
            assert code == 200
            try:
                result.get(timeout=0)
                break
            except pykka.Timeout:
                answered_during += 1
        assert result.get(timeout=60) == 200_000
        assert answered_during >= 1, "/health answered while the parse was still running"
    finally:
        parser.stop()
        node.stop()


def test_node_process_runs_and_stops_cleanly_on_sigterm(tmp_path, make_db_url):
    cfg = write_config(
        tmp_path / "server.toml",
        {
            "node": {"role": "server", "data_dir": str(tmp_path), "ready_file": "ready.json"},
            "http": {"port": 0},
            "db": {"url": make_db_url("server")},
        },
    )
    p = NodeProcess("server", cfg, tmp_path / "ready.json").start()
    code, body = get_json(p.url + "/health")
    assert code == 200
    assert p.terminate() == 0
    assert "stop requested" in p.output()


def test_root_failure_in_a_process_exits_non_zero(tmp_path):
    script = textwrap.dedent(
        """
        from ukm_actors.runtime import patch; patch()
        import sys
        from ukm_actors.config import load_config
        from ukm_actors.nodes.base import Node
        from ukm_actors.supervision import ChildSpec, SupervisedActor

        class Bad(SupervisedActor):
            def on_start(self):
                raise RuntimeError("cannot work")

        node = Node(load_config(None, role="integration", overrides={"http": {"port": 0}}))
        node.start()
        node.root.proxy().start_child(ChildSpec("bad", Bad.start))
        node.stopped.wait(30)
        node.stop()
        sys.exit(node.exit_code)
        """
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "root supervisor failed" in r.stderr


def test_runtime_check_catches_psycopg_imported_before_patching():
    script = "import psycopg\nfrom ukm_actors.runtime import patch, check\npatch()\ncheck()\n"
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "psycopg was imported before gevent patched" in r.stderr


def test_stopped_node_no_longer_answers_kept_alive_connections(tmp_path):
    import urllib3

    node = start_node("integration", tmp_path)
    pool = urllib3.HTTPConnectionPool(
        "127.0.0.1", int(node.ctx.url.rsplit(":", 1)[1]), retries=False
    )
    assert pool.request("GET", "/health").status == 200  # the connection is now kept alive
    node.stop()
    with pytest.raises(urllib3.exceptions.HTTPError):
        pool.request("GET", "/health", timeout=2)


def test_runtime_check_catches_bottle_imported_before_patching():
    script = "import bottle\nfrom ukm_actors.runtime import patch, check\npatch()\ncheck()\n"
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "bottle was imported before gevent patched" in r.stderr
