"""``/api/v1/stores/<store>/integration``: the store's integration folders, its tills'
catalog source and the folders as each till sees them."""

from __future__ import annotations

from ukm_actors.bridge.peers import register_peer


def test_an_admin_sets_the_tills_catalog_source_and_their_own_folders(node, api):
    with node.ctx.db.write() as s:
        register_peer(s, "till-17-1", "till", store="17")
    admin = api("admin")
    code, body = admin.get("/api/v1/stores/17/integration")
    assert code == 200, body
    assert body["catalog_source"] == "server"
    code, body = admin.put(
        "/api/v1/stores/17/integration",
        {
            "catalog_source": "folder",
            "tills": {"1": {"folder": "//till1/in", "till_folder": "/srv/ukm/in"}},
        },
    )
    assert code == 200, body
    till = next(t for t in body["tills"] if t["number"] == 1)
    assert body["catalog_source"] == "folder"
    assert (till["folder"], till["till_folder"], till["till_sales_folder"]) == (
        "//till1/in",
        "/srv/ukm/in",
        "",
    )
    assert api("manager").get("/api/v1/stores/17/integration")[1] == body


def test_a_wrong_catalog_source_or_key_is_refused_and_nothing_changes(node, api):
    admin = api("admin")
    code, body = admin.put("/api/v1/stores/17/integration", {"catalog_source": "files"})
    assert code == 400 and "catalog_source 'files'" in body["message"], body
    code, body = admin.put(
        "/api/v1/stores/17/integration",
        {"sales_dir": "/x", "tills": {"1": {"till_queue": "/q"}}},
    )
    assert code == 400 and "till_queue" in body["message"], body
    assert "till_folder" in body["hint"]
    code, body = admin.get("/api/v1/stores/17/integration")
    assert (body["catalog_source"], body["sales_dir"]) == ("server", "")
    assert api("manager").put("/api/v1/stores/17/integration", {"catalog_source": "both"})[0] == 403
