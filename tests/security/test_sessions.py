"""Attack: an employee logs out on the cash server (or is disabled), yet the token kept
working on the marketing server for up to a minute, writes included. Defence: the marketing
server asks the cash server ``auth.verify`` on every request and remembers nothing."""

import pytest

from tests.marketing.helpers import api
from tests.nodes.helpers import http, start_node
from ukm_actors.bridge.peers import register_peer
from ukm_actors.nodes.server.admin.auth import create_employee

pytestmark = pytest.mark.timeout(90)

FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0}
CAMPAIGN = {"id": "C1", "name": "Milk -10%", "conditions": {"articles": ["1001"]},
            "action": {"type": "percent", "value": 1000}}  # fmt: skip


@pytest.fixture
def pair(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"), bridge={**FAST, "secret": "s"})
    nodes = [server]
    try:
        with server.ctx.require_db().write() as s:
            register_peer(s, "marketing", "marketing", secret="m-secret")
            create_employee(s, "anna", "manager-pass-1", "manager", "Anna")
            create_employee(s, "boss", "admin-pass-1", "admin", "Boss")
        marketing = start_node(
            "marketing", tmp_path, make_db_url("marketing"), node={"id": "marketing"},
            marketing={"server_auth": True},
            bridge={**FAST, "server_url": server.ctx.url, "secret": "m-secret"},
        )  # fmt: skip
        nodes.append(marketing)
        yield server, marketing
    finally:
        http.clear()
        for node in reversed(nodes):
            node.stop()


def _login(server, login, password):
    status, body = api(server, "POST", "/api/v1/login", {"login": login, "password": password},
                       token=None)  # fmt: skip
    assert status == 200, body
    return body["token"]


def test_a_logout_on_the_cash_server_ends_the_marketing_session_at_once(pair):
    server, marketing = pair
    token = _login(server, "anna", "manager-pass-1")
    assert api(marketing, "POST", "/api/v1/campaigns", CAMPAIGN, token=token)[0] == 201
    assert api(marketing, "GET", "/api/v1/campaigns", token=token)[0] == 200

    assert api(server, "POST", "/api/v1/logout", {}, token=token)[0] == 200
    # The very next requests, a read and a write, are refused.
    status, body = api(marketing, "GET", "/api/v1/campaigns", token=token)
    assert status == 401 and body["code"] == "auth.required"
    changed = {**CAMPAIGN, "name": "Milk -99%"}
    status, body = api(marketing, "PUT", "/api/v1/campaigns/C1", changed, token=token)
    assert status == 401
    status, body = api(marketing, "POST", "/api/v1/campaigns", {**CAMPAIGN, "id": "C2"},
                       token=token)  # fmt: skip
    assert status == 401

    # Nothing changed, and a fresh login works: the system is healthy.
    fresh = _login(server, "anna", "manager-pass-1")
    status, campaigns = api(marketing, "GET", "/api/v1/campaigns", token=fresh)
    assert status == 200
    assert [(c["id"], c["name"]) for c in campaigns["campaigns"]] == [("C1", "Milk -10%")]
    assert http.request("GET", marketing.ctx.url + "/health").status == 200


def test_a_disabled_or_demoted_employee_loses_the_marketing_api_at_once(pair):
    server, marketing = pair
    boss = _login(server, "boss", "admin-pass-1")
    token = _login(server, "anna", "manager-pass-1")
    assert api(marketing, "POST", "/api/v1/campaigns", CAMPAIGN, token=token)[0] == 201

    assert api(server, "PUT", "/api/v1/employees/anna", {"role": "viewer"}, token=boss)[0] == 200
    status, body = api(marketing, "POST", "/api/v1/campaigns/C1/disable", {}, token=token)
    assert status == 403 and "viewer" in body["message"]
    assert api(marketing, "GET", "/api/v1/campaigns", token=token)[0] == 200

    assert api(server, "PUT", "/api/v1/employees/anna", {"enabled": False}, token=boss)[0] == 200
    assert api(marketing, "GET", "/api/v1/campaigns", token=token)[0] == 401
    status, campaign = api(marketing, "GET", "/api/v1/campaigns/C1", token=boss)
    assert status == 200 and campaign["enabled"] is True
