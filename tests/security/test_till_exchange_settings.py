"""``till.exchange_settings``: a till asks the cash server for its own folders only."""

from __future__ import annotations

import pytest

from ukm_actors.nodes.server.modules import set_integration_settings


def _set(server) -> None:
    with server.ctx.db.write() as s:
        set_integration_settings(
            s,
            "17",
            catalog_source="both",
            tills={
                1: {"folder": "//till1/ukm/in", "till_folder": "C:/ukm/in", "sales_folder": "o"},
                2: {"folder": "//till2/ukm/in"},
            },
        )


def test_a_till_gets_its_own_entry_as_it_sees_the_folders(server, peers):
    status, answer = peers["till-17-1"].ask("till.exchange_settings", {"node_id": "till-17-1"})
    assert status == 200, answer
    assert answer["reply"] == {
        "store": "17",
        "number": 1,
        "node_id": "till-17-1",
        "catalog_source": "server",
        "folder": "",
        "sales_folder": "",
    }
    _set(server)
    _, answer = peers["till-17-1"].ask("till.exchange_settings", {"node_id": "till-17-1"})
    assert answer["reply"]["catalog_source"] == "both"
    assert (answer["reply"]["folder"], answer["reply"]["sales_folder"]) == ("C:/ukm/in", "o")
    _, answer = peers["till-17-2"].ask("till.exchange_settings", {"node_id": "till-17-2"})
    assert (answer["reply"]["folder"], answer["reply"]["sales_folder"]) == ("//till2/ukm/in", "")


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ("till-17-2", {"node_id": "till-17-1"}),  # another till of its store
        ("till-18-1", {"node_id": "till-17-1"}),  # another store's till
        ("integration-17", {"node_id": "till-17-1"}),  # not a till
        ("pricechecker-17", {"node_id": "pricechecker-17"}),
    ],
)
def test_no_one_else_gets_a_tills_folders(server, peers, node, message):
    _set(server)
    status, answer = peers[node].ask("till.exchange_settings", message)
    assert status == 403 and answer["error"]["code"] == "bridge.forbidden", answer


def test_a_malformed_ask_is_refused_by_the_handler(server, peers):
    status, answer = peers["till-17-1"].ask("till.exchange_settings", {})
    assert status == 403 and answer["error"]["code"] == "modules.forbidden", answer
