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


def test_settings_the_tills_would_refuse_are_refused_before_they_are_saved(node, api):
    with node.ctx.db.write() as s:
        for n in (1, 2):
            register_peer(s, f"till-17-{n}", "till", store="17")
    admin = api("admin")
    put = lambda body: admin.put("/api/v1/stores/17/integration", body)  # noqa: E731
    # a queue folder nothing would read: the store's catalog comes from the server
    code, body = put({"tills": {"1": {"till_folder": "C:/ukm/in"}}})
    assert code == 400 and "nothing would read it" in body["message"], body
    assert "\"folder\" or \"both\"" in body["hint"]
    # a till reading its own sales
    code, body = put(
        {"catalog_source": "both", "tills": {"1": {"folder": "/q", "sales_folder": "/q"}}}
    )
    assert code == 400 and "one folder /q" in body["message"], body
    # the trade system's folder, and two tills with one folder
    code, body = put(
        {"catalog_source": "both", "source_dir": "/x", "tills": {"2": {"folder": "/x"}}}
    )
    assert code == 400 and "trade system's folder" in body["message"], body
    code, body = put(
        {"catalog_source": "both", "tills": {"1": {"folder": "/q"}, "2": {"folder": "/q"}}}
    )
    assert code == 400 and "tills 1 and 2" in body["message"], body
    # nothing of the refused changes was saved
    code, body = admin.get("/api/v1/stores/17/integration")
    assert (body["catalog_source"], body["source_dir"]) == ("server", "")
    assert {(t["folder"], t["till_folder"]) for t in body["tills"]} == {("", "")}
    # the same, made consistent, is taken
    code, body = put(
        {"catalog_source": "both", "tills": {"1": {"folder": "/q1", "sales_folder": "/o1"}}}
    )
    assert code == 200, body
