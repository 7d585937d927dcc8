"""The marketing server's admin API accepts cash server logins (ask auth.verify)."""

import pytest

from tests.marketing.helpers import api
from tests.nodes.helpers import http, start_node
from ukm_actors.bridge.errors import RemoteError
from ukm_actors.bridge.peers import register_peer
from ukm_actors.nodes.server.admin.auth import create_employee

FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0}


@pytest.mark.timeout(90)
def test_a_server_login_opens_the_marketing_admin_api_by_role(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"), bridge={**FAST, "secret": "s"})
    nodes = [server]
    try:
        with server.ctx.require_db().write() as s:
            register_peer(s, "marketing", "marketing", secret="m-secret")
            register_peer(s, "till-17-1", "till", store="17", secret="t-secret")
            create_employee(s, "anna", "manager-pass-1", "manager", "Anna")
            create_employee(s, "vera", "viewer-pass-1", "viewer", "Vera")
        marketing = start_node(
            "marketing", tmp_path, make_db_url("marketing"), node={"id": "marketing"},
            marketing={"server_auth": True},
            bridge={**FAST, "server_url": server.ctx.url, "secret": "m-secret"},
        )  # fmt: skip
        nodes.append(marketing)

        def token(login, password):
            status, body = api(server, "POST", "/api/v1/login",
                               {"login": login, "password": password}, token=None)  # fmt: skip
            assert status == 200, body
            return body["token"]

        manager, viewer = token("anna", "manager-pass-1"), token("vera", "viewer-pass-1")
        campaign = {"id": "C1", "name": "Milk -10%", "conditions": {"articles": ["1001"]},
                    "action": {"type": "percent", "value": 1000}}  # fmt: skip
        assert api(marketing, "POST", "/api/v1/campaigns", campaign, token=manager)[0] == 201
        assert api(marketing, "GET", "/api/v1/campaigns", token=viewer)[0] == 200
        status, body = api(marketing, "POST", "/api/v1/campaigns", {**campaign, "id": "C2"},
                           token=viewer)  # fmt: skip
        assert status == 403 and "vera" in body["message"]
        status, body = api(marketing, "GET", "/api/v1/campaigns", token="not-a-login")
        assert status == 401 and "not valid" in body["message"]

        # Only the marketing server may check logins.
        till = start_node(
            "till", tmp_path, make_db_url("till"), node={"id": "till-17-1"},
            till={"store": "17", "number": 1},
            bridge={**FAST, "server_url": server.ctx.url, "secret": "t-secret"},
        )  # fmt: skip
        nodes.append(till)
        with pytest.raises(RemoteError) as refused:
            till.ctx.services.bridge.ask(server.ctx.url, "auth.verify", {"token": manager})
        assert refused.value.code == "bridge.forbidden"  # the authorisation table
    finally:
        http.clear()
        for node in reversed(nodes):
            node.stop()
