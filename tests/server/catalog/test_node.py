"""The CatalogLoader in a real server node, and in a real OS process that is killed."""

import shutil

import pytest
from sqlalchemy import text

from tests.nodes.helpers import NodeProcess, get_json, start_node, write_config
from tests.server.catalog.conftest import EXAMPLES
from ukm_actors.codecs.ukm_samples import (
    catalog_items,
    sample_classif,
    sample_taxes,
    write_import_file,
)
from ukm_actors.db import Database
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(120)


def count(url, sql):
    db = Database(url)
    try:
        with db.read() as s:
            return s.execute(text(sql)).scalar()
    finally:
        db.dispose()


def test_a_new_user_drops_the_example_files_and_the_node_loads_them(fresh_url, tmp_path):
    url = fresh_url("empty")
    node = start_node("server", tmp_path, url, server={"import_poll": 0.05, "import_settle": 0.0})
    try:
        inbox = node.ctx.config.resolve(node.ctx.config.server.import_dir)
        for p in EXAMPLES.glob("*.xml"):
            shutil.copy(p, inbox / p.name)
        expect(lambda: not list(inbox.glob("*.xml")), within=30, what="every file taken")
        failed = [(p.name, p.read_text()) for p in (inbox / "failed").glob("*.txt")]
        assert failed == []
        assert len(list((inbox / "processed").glob("*.xml"))) == len(list(EXAMPLES.glob("*.xml")))
        assert count(url, "SELECT count(*) FROM catalog_item") == 7
        code, st = get_json(node.ctx.url + "/status")
        assert code == 200 and st["import"]["current"] is None
        assert {r["file"] for r in st["import"]["last"]} >= {"updateItems_[12]_[F].xml"}
        assert st["import"]["waiting_types"] == []
    finally:
        node.stop()


def test_health_answers_while_a_big_file_loads(fresh_url, tmp_path):
    url = fresh_url("empty")
    node = start_node("server", tmp_path, url, server={"import_poll": 0.05, "import_settle": 0.0})
    try:
        inbox = node.ctx.config.resolve(node.ctx.config.server.import_dir)
        staging = tmp_path / "staging"
        staging.mkdir()
        write_import_file(staging, "taxes", sample_taxes(), "F", number=1)
        write_import_file(staging, "classif", sample_classif(50), "F", number=1)
        write_import_file(staging, "updateItems", catalog_items(20_000), "F", number=1)
        for p in staging.iterdir():
            shutil.move(p, inbox / p.name)

        def loading():
            code, st = get_json(node.ctx.url + "/status")
            cur = st["import"]["current"]
            return (  # read from (position) and counted (records): the first chunk is read
                cur  # before its first record is counted, which can last under load
                if cur
                and cur["file"].startswith("updateItems")
                and cur["position"] > 0
                and cur["records"] > 0
                else None
            )

        cur = expect(loading, within=60, what="the big file being loaded")
        assert 0 < cur["position"] <= cur["total"] and cur["records"] > 0
        answered_while_loading = 0
        for _ in range(200):
            assert get_json(node.ctx.url + "/health")[0] == 200
            if not loading():
                break
            answered_while_loading += 1  # /status still shows the load after this answer
        assert answered_while_loading >= 1
        expect(lambda: count(url, "SELECT count(*) FROM catalog_item") == 20_000, within=90)
    finally:
        node.stop()


@pytest.mark.slow
def test_a_server_killed_in_the_middle_of_a_file_loads_it_whole_after_the_restart(
    fresh_url, tmp_path
):
    url = fresh_url("empty")
    data = tmp_path / "srv"
    inbox = data / "exchange" / "import"
    inbox.mkdir(parents=True)
    cfg = write_config(
        tmp_path / "server.toml",
        {
            "node": {
                "role": "server",
                "id": "server",
                "data_dir": str(data),
                "ready_file": "ready.json",
            },
            "http": {"host": "127.0.0.1", "port": 0},
            "db": {"url": url},
            "server": {"import_poll": 0.05, "import_settle": 0.0},
        },
    )
    write_import_file(inbox, "taxes", sample_taxes(), "F", number=1)
    write_import_file(inbox, "classif", sample_classif(50), "F", number=1)
    staged = write_import_file(tmp_path, "updateItems", catalog_items(20_000), "F", number=1)
    proc = NodeProcess("server", cfg, data / "ready.json").start()
    try:
        expect(lambda: count(url, "SELECT count(*) FROM catalog_group") == 50, within=60)
        shutil.move(staged, inbox / staged.name)

        def deep_inside():
            cur = get_json(proc.url + "/status")[1]["import"]["current"]
            return cur and cur["file"] == staged.name and cur["records"] > 2000

        expect(deep_inside, within=60, what="thousands of items read")
        proc.kill()
        assert count(url, "SELECT count(*) FROM catalog_item") == 0
        assert count(url, "SELECT count(*) FROM catalog_barcode") == 0
        assert count(url, "SELECT count(*) FROM catalog_load WHERE type = 'updateItems'") == 0
        assert (inbox / staged.name).exists()
        proc.start()
        expect(lambda: (inbox / "processed" / staged.name).exists(), within=90)
        assert count(url, "SELECT count(*) FROM catalog_item") == 20_000
        assert count(url, "SELECT count(*) FROM catalog_load WHERE type = 'updateItems'") == 1
    finally:
        if proc.proc is not None and proc.proc.poll() is None:
            proc.terminate()
