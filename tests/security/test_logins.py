"""Attack: guess an employee's password on the admin API as fast as it answers (~22 guesses
a second, no limit, no trace). Defence (``nodes/server/admin/logins.py``): per-login and
per-address back-off, a lock after 10 failures in a row that an admin lifts, every failure
logged and audited, and failed logins counted in ``/metrics``.

The guard's clock is stepped by the test instead of waiting: the rule is about time, and the
test must not sleep for minutes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import urllib3

from tests.nodes.helpers import start_node, write_config
from ukm_actors.domain.throttle import guesses_within
from ukm_actors.nodes.server.admin.auth import create_employee
from ukm_actors.nodes.server.admin.logins import ADDRESS_POLICY, login_policy

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
    node.ctx.services.login_guard.clock = clock
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
    # A new password set by an admin lifts a lock as well.
    for wait in (0, 0, 0, 0, 1, 2, 4, 8, 16, 32):
        clock.step(wait)
        attacker.login("anna", "nope")
    assert attacker.login("anna", "anna-password-1")[0] == 429
    set_pw = subprocess.run(
        [sys.executable, "-m", "ukm_actors", "admin", "set-password", "--login", "anna",
         "-c", str(cfg)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "UKM_ADMIN_PASSWORD": "anna-password-2"},
    )  # fmt: skip
    assert set_pw.returncode == 0, set_pw.stderr
    clock.step(60)  # the address (20 failures) still waits a little
    status, anna, _ = attacker.login("anna", "anna-password-2")
    assert status == 200
    # anna (manager) may read the audit log: the CLI's lifts are in it.
    attacker.token = anna["token"]
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


# -- the till: 4-digit cashier passwords --------------------------------------------------

from tests.till.conftest import start_till  # noqa: E402, F401 - the till fixture
from tests.till.helpers import PASSWORD_HASH, apply_catalog, base_records, catalog_body, put  # noqa: E402
from ukm_actors.domain.passwords import hash_password  # noqa: E402
from ukm_actors.nodes.server.monitoring.metrics import render  # noqa: E402
from ukm_actors.nodes.till.reporting import build_report  # noqa: E402
from ukm_actors.nodes.till.sale.logins import ADDRESS_POLICY as TILL_ADDRESS  # noqa: E402
from ukm_actors.nodes.till.sale.logins import code_policy  # noqa: E402


class TillUser(Client):
    """The till's API from one address, in Russian (the default) unless told."""

    def __init__(self, url: str, source: str, language: str = "ru") -> None:
        super().__init__(url + "/api/v1", source)
        self.language = language

    def call(self, method: str, path: str, body=None):
        r = self.http.request(method, self.url + path, body=json.dumps(body or {}).encode(),
                              headers={"Content-Type": "application/json",
                                       "Accept-Language": self.language})  # fmt: skip
        return r.status, json.loads(r.data) if r.data else None, r.headers

    def login(self, code: str, password: str):
        return self.call("POST", "/login", {"code": code, "password": password})


@pytest.fixture
def till(start_till):  # noqa: F811
    node, _ = start_till()
    clock = Clock()
    node.ctx.services.auth.guard.clock = clock
    attacker = TillUser(node.ctx.url, "127.0.0.1")
    screen = TillUser(node.ctx.url, "127.0.0.2")
    yield node, clock, attacker, screen
    attacker.close()
    screen.close()


def test_a_4_digit_password_cannot_be_brute_forced_and_a_supervisor_unlocks(till):
    node, clock, attacker, screen = till
    statuses = [attacker.login("1", f"{pin:04d}")[0] for pin in range(2000, 2050)]
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429] * 46
    status, body, headers = attacker.login("1", "1111")  # the right one, too soon: not checked
    assert status == 429 and body["code"] == "auth.throttled" and headers["Retry-After"] == "1"
    assert body["message"] == "слишком много неверных паролей; подождите 1 с и попробуйте снова"

    for wait in (1, 2, 4, 8, 16, 32):
        clock.step(wait)
        assert attacker.login("1", "0000")[0] == 401
    status, body, _ = attacker.login("1", "1111")
    assert status == 429 and body["message"] == (
        "кассир 1 заблокирован после 10 неверных паролей подряд; подождите 30 мин "
        "или попросите старшего кассира разблокировать"
    )
    english = TillUser(node.ctx.url, "127.0.0.2", language="en")
    assert "wait 30 min or ask a supervisor" in english.login("1", "1111")[1]["message"]
    english.close()

    # Another cashier works on; the supervisor unlocks cashier 1, who logs in.
    assert screen.login("9", "9999")[0] == 200
    unlock = {"code": "1", "supervisor": {"code": "9", "password": "9999"}}
    status, body, _ = screen.call("POST", "/login/unlock", unlock)
    assert status == 200 and body == {"unlocked": "1", "by": "9"}
    assert screen.call("POST", "/login/unlock", unlock)[0] == 400  # nothing left to lift
    assert screen.login("1", "1111")[0] == 200

    sale = json.loads(urllib3.PoolManager().request("GET", node.ctx.url + "/status").data)["sale"]
    assert sale["logins"] == {"failed": 10, "refused": 49, "locked_cashiers": []}
    report = build_report(node.ctx)
    assert report["logins"]["failed"] == 10
    till_row = {"node_id": "till-17-1", "store": "17", "number": 1, "online": True,
                "silent_s": 1.0, "to_till": {"pending": 0, "oldest_age_s": None},
                "from_till": {"pending": 0, "oldest_age_s": None}, "devices": {},
                "logins": {**report["logins"], "locked_cashiers": ["1"]}}  # fmt: skip
    text = render({"tills": [till_row]})
    assert 'ukm_till_failed_logins_total{node="till-17-1",store="17",till="1"} 10' in text
    assert 'ukm_till_locked_cashiers{node="till-17-1",store="17",till="1"} 1' in text


def test_a_new_password_from_the_server_lifts_the_lock(till):
    node, clock, attacker, _ = till
    for wait in (0, 0, 0, 0, 1, 2, 4, 8, 16, 32):
        clock.step(wait)
        assert attacker.login("1", "0000")[0] == 401
    assert attacker.login("1", "1111")[0] == 429
    new = hash_password("4321", scheme="pbkdf2-sha256", cost=1000)
    records = [put("cashier", code="1", name="Иванова", inn=None, password_hash=new,
                   rights=["sell"], enabled=True)]  # fmt: skip
    apply_catalog(node, catalog_body(records, full=False), seq=2, full=False)
    assert attacker.login("1", "1111")[0] == 401  # the old password is gone
    clock.step(1)  # the address's 11th failure made it wait a second
    assert attacker.login("1", "4321")[0] == 200
    assert PASSWORD_HASH["9999"] and base_records


def test_supervisor_confirmations_are_throttled_too(till):
    _, clock, attacker, _ = till
    assert attacker.login("1", "1111")[0] == 200
    body = {"supervisor": {"code": "9", "password": "0000"}}  # cashier 1 may not cancel
    statuses = [attacker.call("POST", "/receipt/cancel", body)[0] for _ in range(6)]
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429] * 2
    clock.step(1)
    body["supervisor"]["password"] = "9999"
    assert attacker.call("POST", "/receipt/cancel", body)[0] not in (401, 429)


def test_the_till_figures_in_docs_security():
    per_cashier = guesses_within(code_policy(30), DAY)
    per_address = guesses_within(TILL_ADDRESS, DAY)
    assert per_cashier == 57 and per_address == 306  # was all 10,000 PINs in ~2 minutes


# -- the marketing API: bearer tokens only ------------------------------------------------

from tests.marketing.helpers import TOKEN, start_marketing  # noqa: E402


def test_guessing_the_marketing_token_is_slowed_per_address(tmp_path, make_db_url):
    node = start_marketing(tmp_path, make_db_url("marketing"), server_auth=False)
    clock = Clock()
    node.ctx.services.token_guard.clock = clock
    attacker, office = Client(node.ctx.url, "127.0.0.1"), Client(node.ctx.url, "127.0.0.2")
    try:
        statuses = []
        for n in range(14):
            attacker.token = f"guess-{n}"
            statuses.append(attacker.call("GET", "/api/v1/campaigns")[0])
        assert statuses[:11] == [401] * 11 and statuses[11:] == [429] * 3
        attacker.token = TOKEN  # right, but this address must wait: not even checked
        status, body, headers = attacker.call("GET", "/api/v1/campaigns")
        assert status == 429 and headers["Retry-After"] == "1" and "wait 1 s" in body["message"]
        office.token = TOKEN
        assert office.call("GET", "/api/v1/campaigns")[0] == 200
        clock.step(1)
        assert attacker.call("GET", "/api/v1/campaigns")[0] == 200
        status = json.loads(urllib3.PoolManager().request("GET", node.ctx.url + "/status").data)
        assert status["marketing"]["wrong_tokens"] == {"failed": 11, "refused": 4}
    finally:
        attacker.close()
        office.close()
        node.stop()
