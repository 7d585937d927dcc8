"""The systemd units in deploy/: one per role, restarted on failure, as user ukm."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from ukm_actors.config import ROLES

UNITS = Path(__file__).parents[2] / "deploy" / "systemd"


def unit(role):
    p = configparser.ConfigParser(strict=False, interpolation=None)
    p.optionxform = str
    p.read(UNITS / f"ukm-{role}.service")
    return p


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_unit_that_restarts_on_failure(role):
    u = unit(role)
    assert u["Service"]["Restart"] == "on-failure"
    assert u["Service"]["User"] == "ukm" and u["Service"]["Group"] == "ukm"
    assert int(u["Unit"]["StartLimitBurst"]) >= 3 and int(u["Unit"]["StartLimitIntervalSec"]) > 0
    assert u["Service"]["ExecStart"].endswith(f"ukm node {role} --config /etc/ukm/{role}.toml")
    assert u["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    for f in UNITS.glob("*.service"):
        text = f.read_text().replace("/opt/ukm/venv/bin/ukm", "/bin/true")
        (tmp_path / f.name.replace("@.", "@1.")).write_text(text)  # a template's instance
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "Unknown key" not in r.stderr and "Invalid" not in r.stderr, r.stderr


def test_a_cluster_runs_n_servers_from_one_template_unit():
    p = configparser.ConfigParser(strict=False, interpolation=None)
    p.optionxform = str
    p.read(UNITS / "ukm-server@.service")
    assert p["Service"]["ExecStart"].endswith("ukm node server --config /etc/ukm/server-%i.toml")
    assert p["Service"]["Restart"] == "on-failure" and p["Service"]["User"] == "ukm"
    assert "postgresql.service" in p["Unit"]["After"]
    assert p["Unit"]["RequiresMountsFor"], "the shared exchange folders are mounted first"
