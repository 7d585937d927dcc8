"""The ``ukm`` command line, and ``ukm up`` as a new user runs it."""

import os
import random
import socket
import subprocess
import sys

import pytest

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


def test_config_explains_every_setting_in_whole_sentences_with_the_device_tables():
    out = run("config", "till").stdout
    assert "# (the server's ``weight_barcode`` overrides it)" not in out
    assert "digit (the server's till setting ``weight_barcode`` overrides it)." in out
    assert "# [till.devices.bank]" in out and "# [till.devices.printer]" in out
    assert all(len(line) <= 82 for line in out.splitlines() if line.startswith("#"))


def test_output_into_a_closed_pipe_is_not_a_traceback():
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as after `| head -1`
    proc = subprocess.Popen(
        [sys.executable, "-m", "ukm_actors", "config", "till"],
        stdout=write,
        stderr=subprocess.PIPE,
    )
    os.close(write)
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert proc.returncode == 141


def free_base_port(span=7):
    """The first of ``span`` free ports, from a random start (tests of several worktrees
    run on this machine at once), below the ephemeral range clients and emulators use."""
    for base in random.sample(range(20000, 32000, 16), 200):
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
