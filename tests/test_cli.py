"""The ``ukm`` command line, and ``ukm up`` as a new user runs it."""

import json
import signal
import socket
import subprocess
import sys
import time

import gevent
import pytest

from tests.nodes.helpers import get_json

pytestmark = pytest.mark.timeout(180)


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "ukm_actors", *args], capture_output=True, text=True, timeout=60
    )


def test_help_explains_every_command():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("up", "node", "config", "status"):
        assert cmd in r.stdout
    r = run("node", "--help")
    assert "Restart=on-failure" in r.stdout and "--config" in r.stdout


def test_config_prints_a_file_that_loads(tmp_path):
    r = run("config", "till")
    assert r.returncode == 0 and "[till]" in r.stdout
    f = tmp_path / "till.toml"
    f.write_text(r.stdout)
    assert run("config", "till", "--check", str(f)).returncode == 0


def test_bad_config_is_a_clear_error_not_a_traceback(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[http]\nport = 'x'\n")
    r = run("node", "server", "--config", str(f))
    assert r.returncode == 2
    assert "bad.toml: [http] port: 'x' is not an integer" in r.stderr
    assert "Traceback" not in r.stderr


def free_base_port(span=7):
    for base in range(20000, 60000, 97):
        socks = []
        try:
            for i in range(span):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


@pytest.mark.slow
def test_ukm_up_starts_five_roles_healthy_and_stops_on_ctrl_c(tmp_path):
    base = free_base_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ukm_actors",
            "up",
            "--data",
            str(tmp_path),
            "--base-port",
            str(base),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        up = tmp_path / "run" / "up.json"
        deadline = time.monotonic() + 120
        while not up.exists():
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "ukm up did not get ready"
            gevent.sleep(0.2)
        nodes = json.loads(up.read_text())
        roles = set()
        for info in nodes.values():
            code, st = get_json(info["url"] + "/status")
            assert code == 200 and st["status"] == "ok", st
            roles.add(st["role"])
        assert roles == {"server", "till", "marketing", "integration", "pricechecker"}
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert "UKM is running" in out and "Stopped." in out
        for info in nodes.values():
            assert info["url"].startswith("http://127.0.0.1:")
    finally:
        if proc.poll() is None:
            proc.kill()
