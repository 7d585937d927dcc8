"""A decentralised store set up in one place, real processes: the store's folders are set
on the cash server through its admin API; the integration module and a till whose file
names no folder both take them from there. The till loads the trade system's files from
its queue folder and writes its sales to its sales folder; the folders are changed and
both follow; the cash server is killed and the till, killed and started again, goes on
with the settings it saved."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import gevent
import pytest

from tests.integration_module.conftest import drop
from tests.nodes.helpers import NodeProcess, get_json, http, write_config
from tests.till.test_decentralised import CATALOG, EXAMPLES, sell_day, wait
from ukm_actors.nodes.server.bootstrap import register_local_install

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
START = 180  # seconds a process may take to start on a loaded machine

TILL = "till-17-1"
MORE = "updateItems_[13]_[I].xml"


def node_config(tmp_path: Path, name: str, role: str, **sections: dict) -> tuple[Path, Path]:
    data = tmp_path / name
    data.mkdir(parents=True, exist_ok=True)
    cfg = write_config(
        tmp_path / f"{name}.toml",
        {
            "node": {"role": role, "id": name, "data_dir": str(data), "ready_file": "ready.json"},
            "http": {"host": "127.0.0.1", "port": 0},
            "log": {"level": "INFO"},
            **sections,
        },
    )
    return cfg, data / "ready.json"


def exchange(node: NodeProcess) -> dict:
    code, body = get_json(node.url + "/status")
    assert code == 200, body
    return body["exchange"]


def module_till(module: NodeProcess, till: str = "till-17-1") -> dict:
    """The integration module's /status entry of ``till`` (its queue folder, numbering)."""
    code, body = get_json(module.url + "/status")
    assert code == 200, body
    return dict(body.get("integration", {}).get("tills", {}).get(till) or {})


def put_settings(server: NodeProcess, password: str, body: dict) -> dict:
    r = http.request(
        "POST",
        server.url + "/api/v1/login",
        body=json.dumps({"login": "admin", "password": password}).encode(),
    )
    assert r.status == 200, r.data
    token = json.loads(r.data)["token"]
    r = http.request(
        "PUT",
        server.url + "/api/v1/stores/17/integration",
        body=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert r.status == 200, r.data
    return json.loads(r.data)


def sales(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def test_the_store_is_set_up_on_the_cash_server_alone(tmp_path, make_db_url):
    trade_out, trade_in = tmp_path / "trade" / "out", tmp_path / "trade" / "in"
    q1, o1 = tmp_path / "till1" / "in", tmp_path / "till1" / "out"
    q2, o2 = tmp_path / "till1" / "in2", tmp_path / "till1" / "out2"
    for p in (trade_out, trade_in):
        p.mkdir(parents=True)
    till_secret, module_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    server_cfg, server_ready = node_config(
        tmp_path, "server", "server", db={"url": make_db_url("server")}
    )
    made = register_local_install(
        server_cfg,
        [
            (TILL, "till", till_secret, {"store": "17", "number": 1}),
            ("integration-17", "integration", module_secret, {"store": "17"}),
        ],
    )
    password = Path(made["admin_password_file"]).read_text(encoding="utf-8").strip()
    server = NodeProcess("server", server_cfg, server_ready).start(START)
    nodes = [server]
    try:
        put_settings(
            server,
            password,
            {
                "catalog_source": "folder",
                "source_dir": str(trade_out),
                "sales_dir": str(trade_in),
                "tills": {"1": {"folder": str(q1), "sales_folder": str(o1)}},
            },
        )
        bridge = {"server_url": server.url}
        module = NodeProcess(
            "integration",
            *node_config(
                tmp_path,
                "integration-17",
                "integration",
                bridge={**bridge, "secret": module_secret},
                integration={"store": "17", "settle": 0, "poll": 0.05, "settings_refresh": 0.5},
            ),
        ).start(START)
        nodes.append(module)
        till_cfg = node_config(
            tmp_path,
            TILL,
            "till",
            db={"url": make_db_url(TILL)},
            bridge={**bridge, "secret": till_secret},
            till={
                "store": "17",
                "number": 1,
                "settings_refresh": 0.5,
                "exchange_settle": 0,
                "exchange_poll": 0.2,
            },
        )
        till = NodeProcess("till", *till_cfg).start(START)
        nodes.append(till)

        # the till's file names no folder: they come from the server
        wait(lambda: exchange(till)["folder"] == str(q1), 120, "the server's folders")
        got = exchange(till)
        assert (got["source"], got["catalog_source"], got["sales_folder"]) == (
            "server",
            "folder",
            str(o1),
        )
        for name in CATALOG:
            drop(trade_out, name, (EXAMPLES / name).read_bytes())
        wait(lambda: exchange(till).get("position") == len(CATALOG), 120, "the catalog loaded")
        assert exchange(till)["queue"] == {"next": len(CATALOG) + 1, "waiting": 0}
        sell_day(till, 1, close=False)
        first = {"shiftOpen_[17]_[1]_[1]_[1].xml", "receipt_[17]_[1]_[1]_[1]_[1].xml"}
        wait(lambda: sales(trade_in) >= first, 120, "the first sales at the trade system")
        assert sales(o1) >= first

        # changed on the server: the module and the till follow within a refresh
        put_settings(
            server, password, {"tills": {"1": {"folder": str(q2), "sales_folder": str(o2)}}}
        )
        wait(lambda: exchange(till)["folder"] == str(q2), 120, "the new folders")
        assert exchange(till)["sales_folder"] == str(o2)
        # the module follows on its own refresh: a file dropped before it has would go to q1
        wait(lambda: module_till(module).get("folder") == str(q2), 120, "the module's new folder")
        drop(trade_out, MORE, (EXAMPLES / MORE).read_bytes())
        wait(lambda: exchange(till).get("position") == len(CATALOG) + 1, 120, "a file in q2")
        assert exchange(till)["last_loaded"]["file"].endswith(MORE)
        sell_day(till, 1, close=False)
        second = "receipt_[17]_[1]_[1]_[2]_[1].xml"
        wait(lambda: second in sales(trade_in), 120, "a sale through the new sales folder")
        assert second in sales(o2) and second not in sales(o1)

        # the cash server is gone: the till keeps its settings, also across kill -9
        server.kill()
        wait(lambda: exchange(till)["settings"]["error"], 120, "the ask failing")
        till.kill()
        till.start(START)
        got = exchange(till)
        assert got["settings"]["from"] == "saved"
        assert (got["folder"], got["sales_folder"]) == (str(q2), str(o2))
        sell_day(till, 1, close=True)
        last = {"receipt_[17]_[1]_[1]_[3]_[1].xml", "shift_[17]_[1]_[1]_[1].xml"}
        wait(lambda: sales(trade_in) >= last, 120, "sales made offline")
        gevent.sleep(1.0)  # anything copied twice would show now
        assert sales(trade_in) == first | {second} | last
    finally:
        http.clear()
        for node in reversed(nodes):
            if node.proc is not None and node.proc.poll() is None:
                node.terminate()
