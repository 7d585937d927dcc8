"""A till reports its devices and outbox to the cash server (ask till.status)."""

import socket

import pytest

from tests.nodes.helpers import http, start_node
from ukm_actors.bridge.peers import register_peer
from ukm_actors.hw.emulators import ScalesEmulator
from ukm_actors.nodes.server.monitoring import _service
from ukm_actors.supervision.testing import expect

FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0}


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.timeout(90)
def test_the_server_sees_the_tills_devices_and_outbox(tmp_path, make_db_url):
    scales = ScalesEmulator().start()
    server = start_node("server", tmp_path, make_db_url("server"), bridge={**FAST, "secret": "s"})
    nodes = [server]
    try:
        with server.ctx.require_db().write() as s:
            register_peer(s, "till-17-1", "till", store="17", secret="t-secret")
        devices = {
            "printer": {
                "kind": "network",
                "host": "127.0.0.1",
                "port": closed_port(),
                "timeout": 0.3,
            },
            "scales": {"url": scales.url},
        }
        till = start_node(
            "till", tmp_path, make_db_url("till"), node={"id": "till-17-1"},
            till={"store": "17", "number": 1, "devices": devices},
            bridge={**FAST, "server_url": server.ctx.url, "secret": "t-secret"},
        )  # fmt: skip
        nodes.append(till)

        def reported():
            for t in _service(server.ctx).snapshot(max_age=0)["tills"]:
                if t["node_id"] == "till-17-1" and t.get("devices"):
                    return t
            return None

        seen = expect(reported, within=30, what="the till's report on the server")
        assert seen["devices"]["scales"]["state"] == "ok"
        assert seen["devices"]["printer"]["state"] == "error"
        assert "cannot be reached" in seen["devices"]["printer"]["error"]
        assert seen["version"]
    finally:
        http.clear()
        for node in reversed(nodes):
            node.stop()
        scales.stop()
