"""Settings from the cash server over the bridge: asked, refreshed, cached for outages;
and the server's side of the asks (who may ask, what they get)."""

import pytest

from tests.integration_module.conftest import drop, make_folders
from tests.nodes.helpers import NodeProcess, get_json, start_node, write_config
from ukm_actors.bridge.errors import RemoteError
from ukm_actors.bridge.peers import register_peer
from ukm_actors.db import Database
from ukm_actors.nodes.server.modules import (
    ModuleRequestError,
    integration_settings,
    module_report,
    set_integration_settings,
    store_tills,
)
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


def settings(node):
    return get_json(node.ctx.url + "/status")[1]["integration"]


def server_process(tmp_path, db_url):
    data = tmp_path / "server"
    data.mkdir()
    config = write_config(
        tmp_path / "server.toml",
        {
            "node": {
                "role": "server",
                "id": "server",
                "data_dir": str(data),
                "ready_file": "ready.json",
            },
            "http": {"host": "127.0.0.1", "port": 0},
            "db": {"url": db_url},
            "log": {"level": "WARNING"},
        },
    )
    return NodeProcess("server", config, data / "ready.json").start()


@pytest.mark.slow
def test_the_module_takes_its_folders_from_the_server_and_follows_changes(tmp_path, make_db_url):
    f = make_folders(tmp_path / "store", 3)
    db_url = make_db_url("server")
    server = server_process(tmp_path, db_url)
    db = Database(db_url)
    nodes = []
    try:
        with db.write() as s:
            secret = register_peer(s, "integration-17", "integration", store="17")
            for n in (1, 2):
                register_peer(s, f"till-17-{n}", "till", store="17")
            set_integration_settings(
                s,
                "17",
                source_dir=str(f.source),
                sales_dir=str(f.sales),
                tills={
                    n: {"folder": str(f.tills[n]), "sales_folder": str(f.outs[n])} for n in (1, 2)
                },
            )
        section = {"store": "17", "settle": 0, "poll": 0.02, "settings_refresh": 0.2}
        bridge = {"server_url": server.url, "secret": secret}

        def start_module():
            node = start_node(
                "integration",
                tmp_path,
                node={"id": "integration-17"},
                bridge=bridge,
                integration=section,
            )
            nodes.append(node)
            return node

        module = start_module()
        expect(lambda: settings(module)["settings"]["from"] == "server", within=30)
        assert settings(module)["source_dir"] == str(f.source)

        def reported():  # what the module says of itself, kept by the server for the console
            with db.read() as s:
                found = module_report(s, "17")
            return found if found and found["report"].get("source_dir") else None

        got = expect(reported, within=30)
        assert got["node_id"] == "integration-17" and got["reported_at"]
        assert got["report"]["source_dir"] == str(f.source)
        assert got["report"]["settings"]["from"] == "server"
        drop(f.source, "a.xml", b"a")
        for n in (1, 2):
            expect(lambda n=n: f.queue(n) == ["000001_a.xml"])

        # A till is added on the server: it gets its own numbering, from 1.
        with db.write() as s:
            register_peer(s, "till-17-3", "till", store="17")
            set_integration_settings(
                s, "17", tills={3: {"folder": str(f.tills[3]), "sales_folder": str(f.outs[3])}}
            )
        expect(lambda: "till-17-3" in settings(module)["tills"], within=30)
        drop(f.source, "b.xml", b"b")
        expect(lambda: f.queue(3) == ["000001_b.xml"])
        expect(lambda: f.queue(1) == ["000001_a.xml", "000002_b.xml"])

        # The server goes away: the module goes on, and after a restart works from its cache.
        server.kill()
        expect(lambda: settings(module)["settings"]["error"], within=30)
        drop(f.source, "c.xml", b"c")
        expect(lambda: f.queue(3) == ["000001_b.xml", "000002_c.xml"])
        module.stop()
        nodes.remove(module)
        module = start_module()
        assert settings(module)["settings"]["from"] == "cache"
        drop(f.source, "d.xml", b"d")
        for n, names in ((1, ["a", "b", "c", "d"]), (3, ["b", "c", "d"])):
            expect(
                lambda n=n, names=names: (
                    f.queue(n) == [f"{i + 1:06d}_{x}.xml" for i, x in enumerate(names)]
                )
            )
    finally:
        for node in reversed(nodes):
            node.stop()
        if server.proc.poll() is None:
            server.kill()
        db.dispose()


def test_the_server_answers_only_the_stores_own_modules(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"))
    module = None
    try:
        with server.ctx.db.write() as s:
            secret = register_peer(s, "integration-17", "integration", store="17")
            register_peer(s, "integration-18", "integration", store="18")
            register_peer(s, "till-17-2", "till", store="17")
            register_peer(s, "till-17-1", "till", store="17")
            register_peer(s, "till-18-1", "till", store="18")
        module = start_node(
            "integration",
            tmp_path,
            node={"id": "integration-17"},
            bridge={"server_url": server.ctx.url, "secret": secret},
            integration={"store": "17"},
        )
        bridge = module.ctx.services.bridge
        reply = bridge.ask(server.ctx.url, "store.tills", {"store": "17"})
        assert [(t["node_id"], t["number"]) for t in reply["tills"]] == [
            ("till-17-1", 1),
            ("till-17-2", 2),
        ]
        reply = bridge.ask(server.ctx.url, "integration.settings", {"store": "17"})
        assert reply == {
            "store": "17",
            "source_dir": "",
            "sales_dir": "",
            "tills": [
                {"number": 1, "node_id": "till-17-1", "folder": "", "sales_folder": ""},
                {"number": 2, "node_id": "till-17-2", "folder": "", "sales_folder": ""},
            ],
        }
        with pytest.raises(RemoteError) as err:
            bridge.ask(server.ctx.url, "integration.settings", {"store": "18"})
        assert err.value.code == "bridge.forbidden"  # the authorisation table
        with pytest.raises(RemoteError) as err:
            bridge.ask(server.ctx.url, "store.tills", {"store": ""})
        assert err.value.code == "modules.bad_request"
    finally:
        if module is not None:
            module.stop()
        server.stop()


def test_settings_are_checked_when_they_are_set(database, tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"))
    try:
        with server.ctx.db.write() as s:
            register_peer(s, "till-17-1", "till", store="17")
            with pytest.raises(ModuleRequestError, match="till number 0"):
                set_integration_settings(s, "17", tills={0: {"folder": "x"}})
            with pytest.raises(ModuleRequestError, match="unknown keys"):
                set_integration_settings(s, "17", tills={1: {"queue": "x"}})
            with pytest.raises(ModuleRequestError, match="NUL"):
                set_integration_settings(s, "17", source_dir="a\x00b")
        with server.ctx.db.write() as s:
            set_integration_settings(s, "17", source_dir="/srv/out", tills={1: {"folder": "/q1"}})
            set_integration_settings(s, "17", sales_dir="/srv/in")
        with server.ctx.db.read() as s:
            got = integration_settings(s, "17")
            assert (got["source_dir"], got["sales_dir"]) == ("/srv/out", "/srv/in")
            assert got["tills"][0]["folder"] == "/q1"
            assert store_tills(s, "99") == []
    finally:
        server.stop()


def test_the_admin_api_is_closed_without_an_employee_login(tmp_path, make_db_url):
    from tests.nodes.helpers import http

    server = start_node("server", tmp_path, make_db_url("server"))
    try:
        code, body = get_json(server.ctx.url + "/api/v1/stores/17/integration")
        assert code == 401 and body["code"] == "auth.required"
        r = http.request(
            "PUT",
            server.ctx.url + "/api/v1/stores/17/integration",
            body=b'{"source_dir": "/srv/out"}',
        )
        assert r.status == 401
        with server.ctx.db.read() as s:
            assert integration_settings(s, "17")["source_dir"] == ""
    finally:
        server.stop()


def test_a_module_with_only_the_servers_and_its_secret_configures_itself(tmp_path, make_db_url):
    """No [integration] store, no folders: the store, the folders and the tills' numbering
    all come from the cash server (the first address listed is down: the next answers)."""
    from tests.bridge.helpers import free_port
    from ukm_actors.bridge.servers import preferred_index

    f = make_folders(tmp_path / "store", 2)
    server = start_node("server", tmp_path, make_db_url("server"))
    module = None
    try:
        with server.ctx.db.write() as s:
            secret = register_peer(s, "integration-17", "integration", store="17")
            for n in (1, 2):
                register_peer(s, f"till-17-{n}", "till", store="17")
            set_integration_settings(
                s,
                "17",
                source_dir=str(f.source),
                sales_dir=str(f.sales),
                tills={
                    n: {"folder": str(f.tills[n]), "sales_folder": str(f.outs[n])} for n in (1, 2)
                },
            )
        down = f"http://127.0.0.1:{free_port()}"
        urls = [down, server.ctx.url]
        if preferred_index("integration-17", 2):
            urls.reverse()  # the module prefers the server that is down
        module = start_node(
            "integration",
            tmp_path,
            node={"id": "integration-17"},
            bridge={"server_urls": urls, "secret": secret},
            integration={"settle": 0, "poll": 0.02},
        )
        expect(lambda: settings(module)["settings"]["from"] == "server", within=30)
        got = settings(module)
        assert got["store"] == "17" and got["source_dir"] == str(f.source)
        assert sorted(got["tills"]) == ["till-17-1", "till-17-2"]
        drop(f.source, "prices.xml", b"<prices/>")
        for n in (1, 2):
            expect(lambda n=n: f.queue(n) == ["000001_prices.xml"])
    finally:
        if module is not None:
            module.stop()
        server.stop()
