"""Items made and changed in the admin API (a shop without a trade system): the same loaders
as an import, documents to the tills, audited, refused whole when any part is wrong."""

from __future__ import annotations

from sqlalchemy import func, select

from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad

NEW = {
    "article": "555001",
    "name": "Пирожок с капустой",
    "measure": "шт",
    "group_id": "7",
    "taxgroup_id": "2",
    "barcodes": ["2000000555001", {"barcode": "2000000555018", "quantity": 6000}],
    "prices": [{"store": "17", "price": 4500}],
}


def loads(node) -> int:
    with node.ctx.db.read() as s:
        return int(s.execute(select(func.count()).select_from(CatalogLoad)).scalar_one())


def test_a_manager_creates_and_changes_an_item_with_barcodes_and_prices(api, node):
    manager = api("manager")
    code, made = manager.post("/api/v1/items", NEW)
    assert code == 201, made
    assert made["barcodes"] == ["2000000555001", "2000000555018"]
    assert made["prices"] == {"17": 4500}
    _, item = manager.get("/api/v1/items/555001")
    assert item["name"] == "Пирожок с капустой" and item["prices"] == [
        {"store": "17", "price": 4500}
    ]
    assert [b["quantity"] for b in item["barcodes"]] == [1000, 6000]
    assert manager.get("/api/v1/items?find=2000000555018")[1]["items"][0]["article"] == "555001"

    code, changed = manager.put(
        "/api/v1/items/555001",
        {**NEW, "name": "Пирожок с картошкой", "barcodes": ["2000000555001"],
         "prices": [{"store": "17", "price": 4900}]},
    )  # fmt: skip
    assert code == 200, changed
    assert changed["barcodes"] == ["2000000555001"] and changed["prices"] == {"17": 4900}
    assert manager.get("/api/v1/items?find=2000000555018")[1]["total"] == 0

    _, log = api("manager").get("/api/v1/audit")
    actions = [(e["action"], e["target"]) for e in log["entries"][:2]]
    assert actions == [("item.update", "555001"), ("item.create", "555001")]
    assert log["entries"][0]["before"]["name"] == "Пирожок с капустой"
    assert log["entries"][0]["after"]["name"] == "Пирожок с картошкой"


def test_items_are_refused_whole_with_the_field_named(api, node):
    manager = api("manager")
    before = loads(node)
    code, body = manager.post("/api/v1/items", {**NEW, "prices": [{"store": "99", "price": 1}]})
    assert code == 404 and "99" in body["message"]
    code, body = manager.post("/api/v1/items", {**NEW, "barcodes": ["46x"]})
    assert code == 400 and "digits" in body["message"]
    code, body = manager.post("/api/v1/items", {**NEW, "article": "100245"})
    assert code == 409 and "exists" in body["message"]
    taken = {**NEW, "barcodes": ["4600682000419"]}  # the vodka's barcode
    code, body = manager.post("/api/v1/items", taken)
    assert code == 409 and "700501" in body["message"] and body["hint"]
    assert manager.get("/api/v1/items/555001")[0] == 404 and loads(node) == before
    assert api("viewer").post("/api/v1/items", NEW)[0] == 403
    assert api("manager").put("/api/v1/items/nope", NEW)[0] == 404
