"""A printer set on the cash server through its admin API reaches a real till process, prints
its next receipt, and stays after the till is killed (SIGKILL) and started again with the
cash server gone."""

from __future__ import annotations

import pytest

from tests.nodes.helpers import NodeProcess, get_json, http, start_node, write_config
from tests.server.admin.conftest import Api
from tests.server.catalog.conftest import fresh_url, templates  # noqa: F401 - fixtures
from tests.till.helpers import TillClient
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TILL = "till-17-1"
KEFIR = "4600000000015"  # the examples' Кефир 2,5% 900 г, 89.90 in store 17
FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0}
START = 180  # seconds a process may take to start on a loaded machine


def devices(till: NodeProcess) -> dict:
    code, body = get_json(till.url + "/status")
    assert code == 200, body
    return body["devices"]


def printed(path) -> str:
    return path.read_bytes().decode("cp866", errors="replace") if path.exists() else ""


def sell(client: TillClient) -> None:
    client.scan(KEFIR)
    assert client.pay("cash", 10000)["closed"] is not None


def test_a_printer_set_on_the_server_prints_and_survives_a_kill(
    tmp_path, fresh_url, make_db_url  # noqa: F811
):
    own, pushed = tmp_path / "own.prn", tmp_path / "pushed.prn"
    server = start_node("server", tmp_path, fresh_url("staff"), bridge={**FAST, "secret": "s"})
    till = None
    try:
        admin = Api(server.ctx.url).login("admin")
        code, made = admin.post("/api/v1/tills", {"store": "17", "number": 1})
        assert code == 201, made
        data = tmp_path / TILL
        data.mkdir()
        config = write_config(
            tmp_path / "till.toml",
            {
                "node": {"role": "till", "id": TILL, "data_dir": str(data),
                         "ready_file": "ready.json"},
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": make_db_url(TILL)},
                "bridge": {**FAST, "server_url": server.ctx.url, "secret": made["secret"]},
                "till": {"store": "17", "number": 1,
                         "devices": {"printer": {"kind": "file", "path": str(own)}}},
            },
        )  # fmt: skip
        till = NodeProcess("till", config, data / "ready.json").start(START)
        client = TillClient(till.url)

        def catalog_items():
            return get_json(till.url + "/status")[1]["catalog"].get("items")

        expect(catalog_items, within=120, what="the server's catalog at the till")
        assert devices(till)["printer"]["source"] == "file"

        code, answer = admin.put(
            f"/api/v1/tills/{TILL}/settings", {"devices": {"printer": {"kind": "laser"}}}
        )
        assert code == 400 and "printer" in answer["message"], answer
        code, answer = admin.put(
            f"/api/v1/tills/{TILL}/settings",
            {"devices": {"printer": {"kind": "file", "path": str(pushed)}}},
        )
        assert code == 200, answer
        expect(
            lambda: devices(till)["printer"]["source"] == "server",
            within=120,
            what="the server's printer at the till",
        )
        expect(lambda: devices(till)["printer"]["state"] == "running", what="it runs")
        client.login("104", "7741")
        client.post("/shift/open")
        sell(client)
        expect(lambda: "Кефир" in printed(pushed), what="the receipt on the server's printer")
        assert "Кефир" not in printed(own)

        # the cash server goes away and the till is killed: it comes back with the same printer
        http.clear()
        server.stop()
        till.kill()
        till.start(START)
        client = TillClient(till.url)
        got = devices(till)
        assert got["printer"]["source"] == "server", got
        assert str(pushed) in (got["printer"].get("driver") or {}).get("device", ""), got
        client.login("104", "7741")
        sell(client)
        expect(
            lambda: devices(till)["printer"]["driver"]["printed"] == 1,
            what="the offline receipt printed",
        )  # by the server's printer (a file printer starts its file afresh when opened)
        assert "Кефир" in printed(pushed) and "Кефир" not in printed(own)
    finally:
        http.clear()
        if till is not None and till.proc is not None and till.proc.poll() is None:
            till.terminate()
        server.stop()
