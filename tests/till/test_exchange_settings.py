"""A till's folders from the cash server's integration settings of its store: followed
within one refresh, a contradiction refused (the settings in force stay), and kept in
the till's database for a start while the server is unreachable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.nodes.helpers import get_json, http, start_node
from tests.till.helpers import apply_catalog, base_records, catalog_body
from ukm_actors.bridge.peers import register_peer
from ukm_actors.config import load_config
from ukm_actors.nodes.server.modules import set_integration_settings
from ukm_actors.nodes.till.catalog.tables import CatItem, CatSetting, CatTax
from ukm_actors.nodes.till.exchange.settings import FolderSettings, SettingsRefused, from_answer
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(120)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import"
TAXES = "taxes_[12]_[F].xml"
CLASSIF = "classif_[12]_[F].xml"


def exchange(node, query: str = "") -> dict:
    code, body = get_json(node.ctx.url + "/status" + query)
    assert code == 200, body
    return body["exchange"]


def start_till(tmp_path, db_url, server_url, secret, **till):
    return start_node(
        "till",
        tmp_path,
        db_url,
        node={"id": "till-17-1"},
        bridge={"server_url": server_url, "secret": secret},
        till={
            "store": "17",
            "number": 1,
            "settings_refresh": 0.2,
            "exchange_settle": 0,
            "exchange_poll": 0.1,
            **till,
        },
    )


def test_the_till_follows_the_servers_folders_and_keeps_them_offline(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"))
    till_url = make_db_url("till-17-1")
    queue, queue2, out = tmp_path / "q1", tmp_path / "q2", tmp_path / "out"
    queue.mkdir()
    queue2.mkdir()
    till = None
    try:
        with server.ctx.db.write() as s:
            secret = register_peer(s, "till-17-1", "till", store="17")
        till = start_till(tmp_path, till_url, server.ctx.url, secret)
        # nothing set on the server: a centralised till, as before
        expect(lambda: exchange(till)["settings"]["answered_at"], within=30)
        assert exchange(till)["folder"] is None and exchange(till)["source"] == "server"
        with server.ctx.db.write() as s:
            set_integration_settings(
                s,
                "17",
                catalog_source="both",
                tills={1: {"folder": "//module-view/q1", "till_folder": str(queue)}},
            )
        expect(lambda: exchange(till)["folder"] == str(queue), within=30)
        got = exchange(till)
        assert got["catalog_source"] == "both" and got["source"] == "server"
        # an empty sales folder: the integration module's default under the data folder
        assert got["sales_folder"] == str(tmp_path / "till-17-1" / "integration/17/tills/1/out")
        shutil.copyfile(EXAMPLES / TAXES, queue / f"000001_{TAXES}")
        expect(lambda: exchange(till).get("position") == 1, within=30)
        assert exchange(till)["queue"] == {"next": 2, "waiting": 0}

        # changed on the server: followed within one refresh
        with server.ctx.db.write() as s:
            set_integration_settings(
                s, "17", tills={1: {"till_folder": str(queue2), "sales_folder": str(out)}}
            )
        expect(lambda: exchange(till)["folder"] == str(queue2), within=30)
        assert exchange(till)["sales_folder"] == str(out)
        shutil.copyfile(EXAMPLES / CLASSIF, queue2 / f"000002_{CLASSIF}")
        expect(lambda: exchange(till).get("position") == 2, within=30)
        assert exchange(till)["last_loaded"]["file"] == f"000002_{CLASSIF}"

        # a contradiction is refused: the settings in force stay, /status says what to do
        with server.ctx.db.write() as s:
            set_integration_settings(s, "17", catalog_source="server")
        expect(lambda: exchange(till)["settings"]["refused"], within=30)
        refused = exchange(till)["settings"]["refused"]
        assert "catalog_source is 'server'" in refused["error"]
        assert '"catalog_source": "both"' in refused["hint"]
        assert exchange(till)["folder"] == str(queue2)
        with server.ctx.db.write() as s:
            set_integration_settings(s, "17", catalog_source="folder")
        expect(lambda: exchange(till)["settings"]["refused"] is None, within=30)
        assert exchange(till)["catalog_source"] == "folder"

        # the server goes away: the till keeps them, and starts with them offline
        server.stop()
        server = None
        expect(lambda: exchange(till)["settings"]["error"], within=30)
        assert exchange(till)["folder"] == str(queue2)
        till.stop()
        http.clear()
        till = start_till(tmp_path, till_url, "http://127.0.0.1:9", secret)
        # a catalog document from the server at once: the saved "folder" is already in force
        apply_catalog(till, catalog_body(base_records()), seq=1)
        assert count(till, CatItem) == 0 and count(till, CatSetting) == 2
        assert count(till, CatTax) > 0  # the file's taxes stay
        got = exchange(till)
        assert got["settings"]["from"] == "saved"
        assert (got["folder"], got["catalog_source"]) == (str(queue2), "folder")
        assert got["position"] == 2
        (queue2 / "000003_note.xml").write_bytes(b"<updateItems><item></updateItems>")
        expect(lambda: exchange(till)["refused"], within=30)
        refused = exchange(till)["refused"]
        assert refused["file"] == "000003_note.xml" and refused["line"] == 1
        # in the reader's language: Russian by default, English when asked
        assert "снова 000003_note.xml (исправленный)" in refused["what_to_do"]
        assert refused["error"].startswith("000003_note.xml, строка 1: XML повреждён")
        refused = exchange(till, "?lang=en")["refused"]
        assert "again (corrected)" in refused["what_to_do"]
        assert refused["error"].startswith("000003_note.xml line 1: the XML is malformed")
    finally:
        http.clear()
        if till is not None:
            till.stop()
        if server is not None:
            server.stop()


def count(node, model) -> int:
    with node.ctx.db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_till_whose_file_sets_its_folders_does_not_ask(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"))
    till = None
    try:
        with server.ctx.db.write() as s:
            secret = register_peer(s, "till-17-1", "till", store="17")
            set_integration_settings(s, "17", catalog_source="folder")
        till = start_till(
            tmp_path, make_db_url("till"), server.ctx.url, secret, sales_folder=str(tmp_path / "o")
        )
        got = exchange(till)
        assert got["source"] == "file" and "settings" not in got
        assert (got["catalog_source"], got["folder"]) == ("server", None)
        assert till.ctx.names.find("exchange_settings") is None
    finally:
        http.clear()
        if till is not None:
            till.stop()
        server.stop()


def _cfg(tmp_path):
    return load_config(
        None, role="till", overrides={"node": {"data_dir": str(tmp_path)}, "till": {"store": "17"}}
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"store": "18", "number": 1}, "till 1 of store '18'"),
        ({"store": "17", "number": 1, "catalog_source": "files"}, "'files' is not one of"),
        (
            {"store": "17", "number": 1, "catalog_source": "server", "folder": "/q"},
            "nothing would read it",
        ),
        (
            {
                "store": "17",
                "number": 1,
                "catalog_source": "both",
                "folder": "q",
                "sales_folder": "q",
            },
            "would read its own sales",
        ),
        ({"store": "17", "number": 1, "catalog_source": "both", "folder": 5}, "not a folder"),
        ([], "not an object"),
    ],
)
def test_contradictory_answers_are_refused(tmp_path, answer, message):
    cfg = _cfg(tmp_path)
    with pytest.raises(SettingsRefused, match=message):
        from_answer(answer, cfg.till, cfg.resolve)


def test_a_server_catalog_with_a_sales_folder_only_is_fine(tmp_path):
    cfg = _cfg(tmp_path)
    got = from_answer(
        {"store": "17", "number": 1, "catalog_source": "server", "sales_folder": "out"},
        cfg.till,
        cfg.resolve,
    )
    assert got == FolderSettings("server", "server", None, (tmp_path / "out").absolute())
