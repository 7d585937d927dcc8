"""``ukm up`` as a new user runs it: one launcher per folder, nodes that die with it,
restarts with back-off, PIDs shown, emulated devices at the tills."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import gevent
import psutil
import pytest

from tests.nodes.helpers import get_json
from tests.test_cli import free_base_port
from ukm_actors.commands.up_lock import FolderInUse, FolderLock
from ukm_actors.commands.up_plan import PlannedNode
from ukm_actors.commands.up_procs import BACKOFF_MAX, RESET_AFTER, NodeProcess

pytestmark = pytest.mark.timeout(240)


def test_the_folder_lock_refuses_a_second_holder_and_a_stale_file_never_blocks(tmp_path):
    lock_file = tmp_path / "run" / "up.lock"
    lock_file.parent.mkdir()
    lock_file.write_text("999999 ukm up\n")  # left behind by a launcher that was killed
    with FolderLock(tmp_path, "ukm up"):
        assert lock_file.read_text() == f"{os.getpid()} ukm up\n"
        with pytest.raises(FolderInUse) as err:
            FolderLock(tmp_path, "ukm demo").acquire()
        assert str(err.value) == (
            f"{tmp_path} is in use by PID {os.getpid()}; stop that first or pass another --data"
        )
        assert lock_file.read_text() == f"{os.getpid()} ukm up\n", "the refusal changed the file"
    with FolderLock(tmp_path, "ukm demo"):
        pass


@pytest.mark.slow
def test_a_failing_node_is_restarted_with_a_growing_back_off_and_never_given_up(tmp_path):
    config = tmp_path / "nodes" / "server.toml"
    config.parent.mkdir()
    config.write_text("[http]\nport = 'x'\n")  # the node exits with code 2 at once
    node = PlannedNode("server", "server", 0, config, tmp_path / "run" / "server.json", "", {})
    p = NodeProcess(node, "test")
    p.spawn()
    now = time.monotonic()
    delays = []
    for restart in range(1, 7):
        assert p.proc is not None
        p.proc.wait(timeout=30)
        line = p.check(now)
        assert line is not None and "server stopped (exit code 2)" in line, line
        assert p.state()["state"] == "waiting" and p.state()["pid"] is None
        delays.append(p.backoff)
        assert p.check(now + p.backoff - 0.01) is None, "started before its back-off ended"
        now += p.backoff
        assert p.check(now) == f"server started again (PID {p.pid}, restart {restart})"
    assert all(b > a for a, b in zip(delays, delays[1:], strict=False)), delays
    assert 1.0 <= delays[0] <= 1.1 and 32 <= delays[5] <= 35.2, delays
    state = p.state()
    assert state["restarts"] == 6 and state["last_exit_code"] == 2
    # a run that lasted RESET_AFTER seconds starts the back-off from the first step again
    p.proc.wait(timeout=30)
    p.check(p.started_at + RESET_AFTER)
    assert 1.0 <= p.backoff <= 1.1
    p.terminate()
    assert BACKOFF_MAX == 60


def start_up(data: Path, base: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ukm_actors", "up", "--data", str(data), "--base-port", str(base)]
        + list(extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_up(proc: subprocess.Popen[str], data: Path, stale: str = "") -> dict[str, dict]:
    """The nodes ``ukm up`` lists in run/up.json once every one is ready (not ``stale``,
    what a killed launcher left)."""
    up = data / "run" / "up.json"
    deadline = time.monotonic() + 150
    while not up.exists() or up.read_text() == stale:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "ukm up did not get ready"
        gevent.sleep(0.2)
    return json.loads(up.read_text())


def port_free(port: int) -> bool:
    """A new server could listen on ``port`` (as ours do, with SO_REUSEADDR: connections
    in TIME_WAIT do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def healthy(url: str) -> bool:
    try:
        return get_json(url + "/health")[0] == 200
    except Exception:
        return False


def exchange_of(info: dict) -> dict:
    return get_json(info["url"] + "/status")[1].get("exchange") or {}


def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        gevent.sleep(0.2)


@pytest.mark.slow
def test_ukm_up_one_per_folder_restarts_shows_pids_and_its_nodes_die_with_it(tmp_path):
    base = free_base_port(span=7)
    proc = start_up(tmp_path, base)
    try:
        nodes = wait_up(proc, tmp_path)
        roles = set()
        for node_id, info in nodes.items():
            code, st = get_json(info["url"] + "/status")
            assert code == 200 and st["status"] == "ok", st
            assert st["pid"] == info["pid"] and info["state"] == "running"
            assert st["launcher"] == {
                "by": "ukm up",
                "pid": proc.pid,
                "restarts": 0,
                "backoff_s": 0.0,
                "last_exit_code": None,
            }, node_id
            roles.add(st["role"])
        assert roles == {"server", "till", "marketing", "integration", "pricechecker"}

        # the tills have the emulated bank terminal, scales and fiscal register
        _, devices = get_json(nodes["till-17-1"]["url"] + "/api/v1/devices")
        for kind in ("bank", "scales", "fiscal", "printer"):
            dev = devices["devices"][kind]
            assert dev["state"] == "running" and dev["driver"]["open"], (kind, dev)
        assert "socket://127.0.0.1:" in devices["devices"]["bank"]["driver"]["device"]

        # a decentralised store without settings in the tills' files: the cash server's
        # (catalog_source "both", the integration module's folders under the same DATA)
        store = tmp_path / "integration" / "17"
        for n in (1, 2):
            wait_for(
                f"till-17-{n} takes its folders from the server",
                lambda n=n: (
                    exchange_of(nodes[f"till-17-{n}"]).get("folder")
                    == str(store / "tills" / str(n) / "in")
                ),
            )
        got = exchange_of(nodes["till-17-1"])
        assert (got["source"], got["catalog_source"]) == ("server", "both"), got
        assert got["sales_folder"] == str(store / "tills" / "1" / "out")
        taxes = Path(__file__).parent.parent / "docs" / "examples" / "import" / "taxes_[12]_[F].xml"
        (store / "from-trade" / "taxes_[12]_[F].xml").write_bytes(taxes.read_bytes())
        for n in (1, 2):
            wait_for(
                f"till-17-{n} loads the trade system's file",
                lambda n=n: exchange_of(nodes[f"till-17-{n}"]).get("position") == 1,
                60,
            )

        # a second ukm up on the same folder: one line, and nothing of the first one touched
        before = sorted(p.name for p in (tmp_path / "run").iterdir())
        second = subprocess.run(
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
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and second.stdout == ""
        assert second.stderr == (
            f"ukm up: {tmp_path} is in use by PID {proc.pid}; stop that first or pass another "
            "--data\n"
        )
        assert sorted(p.name for p in (tmp_path / "run").iterdir()) == before

        # a node that dies is started again, and says so
        old = nodes["till-17-2"]["pid"]
        os.kill(old, signal.SIGKILL)
        wait_for(
            "till-17-2 restarted",
            lambda: (
                json.loads((tmp_path / "run" / "up.json").read_text())["till-17-2"]["pid"]
                not in (None, old)
            ),
        )
        again = json.loads((tmp_path / "run" / "up.json").read_text())["till-17-2"]
        assert again["restarts"] == 1 and again["last_exit_code"] == -signal.SIGKILL
        wait_for("till-17-2 ready again", lambda: healthy(again["url"]))
        _, st = get_json(again["url"] + "/status")
        assert st["pid"] == again["pid"] and st["launcher"]["restarts"] == 1
        assert st["launcher"]["last_exit_code"] == -9 and st["launcher"]["backoff_s"] >= 1.0

        # SIGKILL the launcher: every node stops by itself and every port is freed
        pids = [info["pid"] for info in nodes.values() if info["node"] != "till-17-2"]
        pids.append(again["pid"])
        proc.kill()
        proc.wait(timeout=10)
        wait_for("nodes gone", lambda: not any(psutil.pid_exists(p) for p in pids), 60)
        wait_for("ports free", lambda: all(port_free(base + i) for i in range(7)), 60)
        out = proc.stdout.read() if proc.stdout else ""
        assert "till-17-2 stopped (killed by SIGKILL)" in out and "starting it again in" in out
        assert "till-17-2 started again (PID" in out
        assert "PID" in out and str(nodes["server"]["pid"]) in out, "the table shows PIDs"
        assert "emulated bank socket://" in out and "emulated scales socket://" in out
        assert "emulated fiscal http://127.0.0.1:" in out
        assert (tmp_path / "run" / "till-17-1-fiscal.json").is_file(), "the register's storage"
        assert f"{nodes['till-17-1']['url']}/   customer display: " in out, "cashier screens"
        assert "Traceback" not in out

        # the lock died with the launcher: the same folder starts again at once
        stale = (tmp_path / "run" / "up.json").read_text()
        proc = start_up(tmp_path, base, "--no-emulators")
        nodes = wait_up(proc, tmp_path, stale)
        _, devices = get_json(nodes["till-17-1"]["url"] + "/api/v1/devices")
        assert set(devices["devices"]) == {"printer"}
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "Stopped." in out
        assert "setup plugin" not in out, "alembic's plugin lines are back"
        assert "till.offline" not in out, "an ordinary restart raised offline alerts"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_port_taken_by_another_program_is_one_line_before_anything_starts(tmp_path):
    base = free_base_port(span=7)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 3))
        taken.listen()
        r = subprocess.run(
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
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (
        f"ukm up: port {base + 3} on 127.0.0.1 (till-17-2) cannot be used: Address already in "
        "use; stop the program using it or pass another --base-port\n"
    )
    assert not (tmp_path / "nodes").exists() and not (tmp_path / "db").exists()
