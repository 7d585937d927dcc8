"""Attack: guess an employee's password on the admin API as fast as it answers (~22 guesses
a second, no limit, no trace). Defence (``nodes/server/admin/logins.py``): per-login and
per-address back-off, a lock after 10 failures in a row that an admin lifts, every failure
logged and audited, and failed logins counted in ``/metrics``.

The guard's clock is stepped by the test instead of waiting: the rule is about time, and the
test must not sleep for minutes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import urllib3

from tests.nodes.helpers import start_node, write_config
from ukm_actors.domain.throttle import guesses_within
from ukm_actors.nodes.server.admin.auth import create_employee
from ukm_actors.nodes.server.admin.logins import ADDRESS_POLICY, GUARD, login_policy

pytestmark = pytest.mark.timeout(120)

DAY = 86_400.0


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def step(self, seconds: float) -> None:
        self.now += seconds


class Client:
    """JSON over HTTP from one source address (127.0.0.1 or 127.0.0.2)."""

    def __init__(self, url: str, source: str) -> None:
        self.url = url
        self.http = urllib3.PoolManager(retries=False, source_address=(source, 0))
        self.token: str | None = None

    def call(self, method: str, path: str, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        r = self.http.request(method, self.url + path, headers=headers,
                              body=None if body is None else json.dumps(body).encode())  # fmt: skip
        ctype = r.headers.get("Content-Type", "")
        data = json.loads(r.data) if ctype.startswith("application/json") else r.data.decode()
        return r.status, data, r.headers

    def login(self, login: str, password: str):
        return self.call("POST", "/api/v1/login", {"login": login, "password": password})

    def close(self) -> None:
        self.http.clear()


@pytest.fixture
def server(tmp_path, db_url):
    node = start_node("server", tmp_path, db_url, server={"import_poll": 60.0})
    with node.ctx.require_db().write() as s:
        create_employee(s, "anna", "anna-password-1", "manager", "Anna")
        create_employee(s, "boss", "boss-password-1", "admin", "Boss")
    clock = Clock()
    node.ctx.services[GUARD].clock = clock
    attacker = Client(node.ctx.url, "127.0.0.1")
    office = Client(node.ctx.url, "127.0.0.2")
    yield node, clock, attacker, office
    attacker.close()
    office.close()
    node.stop()


def test_password_guessing_is_slowed_then_locked_and_an_admin_lifts_the_lock(server):
    node, clock, attacker, office = server
    statuses = [attacker.login("anna", f"guess-{n}")[0] for n in range(30)]
    # 3 free failures, the 4th makes the login wait 1 s: the other 26 are refused unchecked.
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429] * 26
    status, body, headers = attacker.login("anna", "anna-password-1")  # right, but too soon
    assert status == 429 and body["code"] == "auth.throttled"
    assert headers["Retry-After"] == "1" and "wait 1 s" in body["message"]

    # Guessing on as fast as allowed: waits 1, 2, 4, 8, 16, 32 s; the 10th failure locks.
    for wait in (1, 2, 4, 8, 16, 32):
        clock.step(wait)
        assert attacker.login("anna", "still guessing")[0] == 401
    status, body, _ = attacker.login("anna", "anna-password-1")
    assert status == 429 and "locked after 10 failed passwords" in body["message"]
    assert "wait 15 min" in body["message"] and "ukm admin unlock" in body["hint"]
    clock.step(64)
    status, body, _ = office.login("anna", "anna-password-1")  # from anywhere
    assert status == 429 and "wait 14 min" in body["message"]

    # Every checked failure is audited (never the password), and counted.
    status, boss, _ = office.login("boss", "boss-password-1")
    assert status == 200
    office.token = boss["token"]
    _, audit, _ = office.call("GET", "/api/v1/audit?who=anna")
    failed = [e for e in audit["entries"] if e["action"] == "login.failed"]
    assert len(failed) == 10 and {e["target"] for e in failed} == {"127.0.0.1"}
    assert failed[0]["after"]["locked"] is True and "guess" not in json.dumps(audit)
    _, metrics, _ = office.call("GET", "/metrics")
    assert 'ukm_login_failures_total{reason="password"} 10' in metrics
    assert 'ukm_login_failures_total{reason="throttled"} 29' in metrics
    assert "ukm_logins_locked 1" in metrics

    # The admin sees the lock and lifts it; anna logs in; nothing else changed.
    _, locks, _ = office.call("GET", "/api/v1/login-locks")
    assert locks["locks"][0] == {**locks["locks"][0], "kind": "login", "key": "anna",
                                 "failures": 10, "locked": True}  # fmt: skip
    assert office.call("DELETE", "/api/v1/login-locks/login/anna")[0] == 200
    assert office.call("DELETE", "/api/v1/login-locks/login/anna")[0] == 404
    office.token = None
    assert office.login("anna", "anna-password-1")[0] == 200
    assert attacker.login("anna", "anna-password-1")[0] == 200
    assert http_health(node) == 200


def test_guessing_across_many_logins_from_one_address_is_slowed_by_the_address(server):
    _, clock, attacker, office = server
    statuses = [attacker.login(f"user{n}", "guess")[0] for n in range(14)]
    assert statuses[:11] == [401] * 11 and statuses[11:] == [429] * 3
    assert office.login("anna", "anna-password-1")[0] == 200  # others are not affected
    clock.step(1)
    assert attacker.login("user99", "guess")[0] == 401


def test_ukm_admin_lists_and_lifts_locks(server, tmp_path, db_url):
    node, clock, attacker, _ = server
    for wait in (0, 0, 0, 0, 1, 2, 4, 8, 16, 32):
        clock.step(wait)
        attacker.login("anna", "nope")
    cfg = write_config(tmp_path / "server.toml", {"db": {"url": db_url}})

    def ukm(*args):
        return subprocess.run([sys.executable, "-m", "ukm_actors", "admin", *args, "-c", str(cfg)],
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    listed = ukm("login-locks")
    assert listed.returncode == 0, listed.stderr
    assert "anna" in listed.stdout and "LOCKED" in listed.stdout and "127.0.0.1" in listed.stdout
    assert ukm("unlock", "--login", "anna").returncode == 0
    assert ukm("unlock", "--login", "anna").returncode == 1
    assert ukm("unlock", "--address", "127.0.0.1").returncode == 0
    assert attacker.login("anna", "anna-password-1")[0] == 200
    status, audit, _ = attacker.call("GET", "/api/v1/audit")
    # anna (manager) may read the audit log: the CLI's lifts are in it.
    attacker.token = attacker.login("anna", "anna-password-1")[1]["token"]
    _, audit, _ = attacker.call("GET", "/api/v1/audit")
    assert [e["target"] for e in audit["entries"] if e["action"] == "login.unlock"] == [
        "address:127.0.0.1", "login:anna"]  # fmt: skip


def test_the_figures_in_docs_security():
    """The brute-force rates docs/security.md states, from the rule itself."""
    per_login = guesses_within(login_policy(15), DAY)
    per_address = guesses_within(ADDRESS_POLICY, DAY)
    assert per_login == 105 and per_address == 1456  # was ~22/s: 1,900,800 a day


def http_health(node) -> int:
    return urllib3.PoolManager().request("GET", node.ctx.url + "/health").status
