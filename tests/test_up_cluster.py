"""``ukm up --servers N --db URL``: the plan of a cluster (files, ports, who knows whom)."""

from __future__ import annotations

import tomllib

import pytest

from tests.conftest import PG_URL
from tests.nodes.helpers import get_json
from ukm_actors.commands.up_plan import ClusterNeedsPostgres, plan
from ukm_actors.errors import UkmError

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/ukm"


def read(path):
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_three_servers_share_one_database_and_every_other_node_knows_them_all(tmp_path):
    planned = plan(tmp_path, "127.0.0.1", 9000, "17", servers=3, server_db=PG)
    servers = [n for n in planned if n.role == "server"]
    assert [(n.node_id, n.port) for n in servers] == [
        ("server", 9000),
        ("server-2", 9007),
        ("server-3", 9008),
    ]
    configs = [read(n.config) for n in servers]
    assert {c["node"]["id"] for c in configs} == {"server"}, "one node to its peers"
    assert [c["server"]["cluster_node"] for c in configs] == ["server-1", "server-2", "server-3"]
    assert {c["db"]["url"] for c in configs} == {PG}
    assert len({c["bridge"]["secret"] for c in configs}) == 1
    urls = ["http://127.0.0.1:9000", "http://127.0.0.1:9007", "http://127.0.0.1:9008"]
    for n in planned:
        if n.role == "server":
            continue
        cfg = read(n.config)
        assert cfg["bridge"]["server_urls"] == urls and "server_url" not in cfg["bridge"]
        if n.role in ("till", "marketing"):
            assert cfg["db"]["url"].startswith("sqlite:///"), "other roles keep their own"


def test_one_server_is_planned_as_before(tmp_path):
    planned = plan(tmp_path, "127.0.0.1", 9000, "17")
    assert [n.node_id for n in planned if n.role == "server"] == ["server"]
    till = read(next(n for n in planned if n.role == "till").config)
    assert till["bridge"]["server_url"] == "http://127.0.0.1:9000"


def test_several_servers_on_sqlite_are_refused_with_what_to_do(tmp_path):
    with pytest.raises(ClusterNeedsPostgres) as e:
        plan(tmp_path, "127.0.0.1", 9000, "17", servers=2)
    assert "PostgreSQL" in e.value.message and "--db postgresql" in (e.value.hint or "")
    assert not (tmp_path / "nodes" / "server-2.toml").exists()


def test_files_kept_from_another_cluster_shape_are_named(tmp_path):
    plan(tmp_path / "a", "127.0.0.1", 9000, "17")
    with pytest.raises(UkmError) as e:
        plan(tmp_path / "a", "127.0.0.1", 9000, "17", servers=3, server_db=PG)
    assert "server.toml keeps another database than --db" in e.value.message
    plan(tmp_path / "b", "127.0.0.1", 9000, "17", server_db=PG)
    with pytest.raises(UkmError) as e:
        plan(tmp_path / "b", "127.0.0.1", 9000, "17", servers=3, server_db=PG)
    assert "names the cash servers ['http://127.0.0.1:9000']" in e.value.message
    assert "another --data folder" in (e.value.hint or "")


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not PG_URL, reason="a cluster of cash servers needs PostgreSQL")
def test_ukm_up_starts_three_servers_prints_each_and_restarts_one_that_dies(tmp_path, make_db_url):
    import os
    import signal

    from tests.test_cli import free_base_port
    from tests.test_up import healthy, start_up, wait_for, wait_up

    base = free_base_port(span=9)
    data = tmp_path / "data"
    proc = start_up(data, base, "--servers", "3", "--db", make_db_url("up"), "--no-emulators")
    try:
        nodes = wait_up(proc, data)
        servers = {n: v for n, v in nodes.items() if n.startswith("server")}
        assert sorted(servers) == ["server", "server-2", "server-3"]
        assert [v["url"] for v in servers.values()] == [
            f"http://127.0.0.1:{base + off}" for off in (0, 7, 8)
        ]
        for v in servers.values():
            wait_for("every server healthy", lambda v=v: healthy(v["url"]), 60)
        holders = {v["url"]: get_json(v["url"] + "/status")[1]["cluster"] for v in servers.values()}
        assert sorted(h["me"] for h in holders.values()) == ["server-1", "server-2", "server-3"]
        victim = servers["server-2"]
        os.kill(victim["pid"], signal.SIGKILL)
        wait_for(
            "server-2 restarted",
            lambda: (
                wait_up(proc, data)["server-2"].get("restarts", 0) >= 1 and healthy(victim["url"])
            ),
            90,
        )
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=90)
    lines = [ln for ln in out.splitlines() if ln.strip().startswith("server")]
    assert len([ln for ln in lines if "http://" in ln]) >= 3, out[-3000:]
