"""The fiscal register as a till device: supervised, reconnected, its health in /status."""

import pytest

from tests.nodes.helpers import get_json
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator
from ukm_actors.supervision.testing import expect


@pytest.fixture
def register(tmp_path):
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as emulator:
        yield emulator


def _fiscal(node):
    return get_json(node.ctx.url + "/status")[1]["devices"]["fiscal"]


def test_the_register_runs_under_the_device_supervisor_and_reports_its_health(start_till, register):
    node, _ = start_till(devices={"fiscal": {"url": register.url, "check_interval": 0.2}})
    expect(lambda: (_fiscal(node).get("driver") or {}).get("health"), what="health")
    entry = _fiscal(node)
    assert entry["kind"] == "fiscal" and entry["state"] == "running"
    health = entry["driver"]["health"]
    assert health["shift"]["state"] == "closed" and health["paper"] is True
    assert health["fn_serial"] == register.state.fn and health["ofd_unsent"] == 0


def test_a_register_that_is_off_is_retried(start_till, tmp_path):
    emulator = FiscalRegisterEmulator(state_path=tmp_path / "r.json").start()
    port = emulator.port
    emulator.stop()
    node, _ = start_till(devices={"fiscal": {"url": f"http://127.0.0.1:{port}"}})
    expect(lambda: _fiscal(node)["state"] == "restarting", what="restarting")
    with FiscalRegisterEmulator(port=port, state_path=tmp_path / "r.json"):
        expect(lambda: _fiscal(node)["state"] == "running", within=30, what="reconnected")
