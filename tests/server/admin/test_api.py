"""The admin API: logins, roles, directories, cashiers, tills, restrictions, audit, OpenAPI."""

import re

import bottle
import pytest
from sqlalchemy import select

from tests.nodes.helpers import start_node
from tests.server.admin.conftest import PASSWORD, Api
from ukm_actors.bridge.models import Blob, OutboxEntry
from ukm_actors.codecs import catalogdoc
from ukm_actors.nodes.server import admin
from ukm_actors.nodes.server.admin.openapi import spec

pytestmark = pytest.mark.timeout(60)


def test_login_is_needed_and_wrong_passwords_are_refused_alike(api):
    anon = api(None)
    code, body = anon.get("/api/v1/items")
    assert code == 401 and body["code"] == "auth.required" and "POST /api/v1/login" in body["hint"]
    wrong = anon.post("/api/v1/login", {"login": "admin", "password": "nope"})
    nobody = anon.post("/api/v1/login", {"login": "ghost", "password": "nope"})
    assert wrong[0] == nobody[0] == 401 and wrong[1]["message"] == nobody[1]["message"]
    code, _ = anon.get("/api/v1/items", token="made-up")
    assert code == 401


def test_a_login_request_that_is_not_a_json_login_gets_a_login_error(api):
    anon = api(None)
    for raw, says in [
        (b"login=admin&password=x", "not JSON"),  # a form post, as curl -d without JSON
        (b"", "not JSON"),
        (b'["admin", "x"]', "JSON object"),
        (b'{"login": "admin"}', '"password"'),
        (b'{"login": 5, "password": "x"}', '"login"'),
    ]:
        code, body = anon.post("/api/v1/login", raw)
        assert code == 400 and body["code"] == "auth.bad_request", (raw, body)
        assert says in body["message"] and '{"login"' in body["hint"], body
    code, body = anon.post("/api/v1/login", {"login": "admin", "password": "nope"})
    assert code == 401, "a well-formed wrong login is still 401"


def test_a_token_works_until_logout(api):
    viewer = api("viewer")
    assert viewer.get("/api/v1/me") == (
        200,
        {"id": 3, "login": "viewer", "name": "Viewer", "role": "viewer"},
    )
    assert viewer.post("/api/v1/logout")[0] == 200
    assert viewer.get("/api/v1/me")[0] == 401


def test_roles_decide_who_may_write(api):
    viewer, manager, boss = api("viewer"), api("manager"), api("admin")
    store = {"code": "31", "name": "Новый магазин", "timezone": "Europe/Samara"}
    code, body = viewer.post("/api/v1/stores", store)
    assert code == 403 and body["code"] == "auth.forbidden"
    assert manager.post("/api/v1/stores", store)[0] == 201
    assert manager.post("/api/v1/stores", store)[0] == 409
    assert manager.get("/api/v1/employees")[0] == 403
    assert manager.post("/api/v1/tills", {"store": "17", "number": 7})[0] == 403
    assert (
        boss.post(
            "/api/v1/employees", {"login": "olga", "password": "long enough", "role": "viewer"}
        )[0]
        == 201
    )
    assert Api(boss.url).login("olga", "long enough").get("/api/v1/stores")[0] == 200


def test_bad_requests_say_what_is_wrong(api):
    manager = api("manager")
    code, body = manager.call("POST", "/api/v1/stores", b"{not json")
    assert code == 400 and "not JSON" in body["message"]
    code, body = manager.post("/api/v1/stores", {"code": "1 7", "name": "x"})
    assert code == 400 and "letters and digits" in body["message"]
    code, body = manager.post("/api/v1/stores", {"code": "32"})
    assert code == 400 and body["message"] == '"name" is required'


def test_items_are_searched_by_name_in_any_case_by_barcode_and_by_article(api):
    viewer = api("viewer")
    code, body = viewer.get("/api/v1/items?q=КЕФИР")
    assert code == 200 and [i["article"] for i in body["items"]] == ["100245"]
    assert viewer.get("/api/v1/items?barcode=4600682000419")[1]["items"][0]["article"] == "700501"
    assert viewer.get("/api/v1/items?article=000304")[1]["total"] == 1
    page = viewer.get("/api/v1/items?per_page=2&page=2")[1]
    assert page["total"] == 7 and page["page"] == 2 and len(page["items"]) == 2
    assert (
        viewer.get("/api/v1/items?q=50%25")[1]["total"] == 0
    )  # "%" is a character, not a wildcard


def test_one_search_box_finds_an_article_a_barcode_or_a_part_of_the_name(api, monkeypatch):
    from ukm_actors.nodes.server.admin import routes_catalog

    viewer = api("viewer")
    by_barcode = viewer.get("/api/v1/items?find=4600682000419")[1]
    assert [i["article"] for i in by_barcode["items"]] == ["700501"] and by_barcode["total_exact"]
    assert [i["article"] for i in viewer.get("/api/v1/items?find=000304")[1]["items"]] == [
        "000304"
    ]
    assert [i["article"] for i in viewer.get("/api/v1/items?find=кеф")[1]["items"]] == ["100245"]
    # a name search counts up to COUNT_CAP matches, then says there are more
    everything = viewer.get("/api/v1/items?find=о&per_page=500")[1]
    matches = everything["total"]
    assert everything["total_exact"] and matches == len(everything["items"]) >= 5
    monkeypatch.setattr(routes_catalog, "COUNT_CAP", 3)
    page = viewer.get("/api/v1/items?find=о&per_page=2")[1]
    assert (page["total"], page["total_exact"], len(page["items"])) == (3, False, 2)
    last_page = (matches + 1) // 2
    last = viewer.get(f"/api/v1/items?find=о&per_page=2&page={last_page}")[1]
    assert last["total_exact"] and last["total"] == matches


def test_one_item_has_its_barcodes_and_prices(api):
    viewer = api("viewer")
    code, item = viewer.get("/api/v1/items/100245")
    assert code == 200
    assert item["name"].startswith("Кефир") and item["group_name"] == "Кефир"
    assert item["barcodes"] == [{"barcode": "4600000000015", "quantity": 1000}]
    assert item["prices"] == [{"store": "17", "price": 8990}]
    assert item["additional_prices"] == [
        {"store": "17", "price_type": "2", "name": "Цена по карте", "price": 8490}
    ]
    code, body = viewer.get("/api/v1/items/nothing")
    assert code == 404 and body["code"] == "catalog.not_found"


def docs_of(node, node_id):
    db = node.ctx.db
    with db.read() as s:
        out = []
        for e in s.execute(
            select(OutboxEntry)
            .where(OutboxEntry.channel == f"server>{node_id}")
            .order_by(OutboxEntry.seq)
        ).scalars():
            meta, recs = catalogdoc.decode(
                bytes(s.get(Blob, e.sha256).body).splitlines(keepends=True)
            )
            out.append((e.doc_type, list(recs)))
        return out


def test_a_till_is_registered_gets_its_catalog_settings_and_resync(node, api):
    boss, viewer = api("admin"), api("viewer")
    code, till = boss.post(
        "/api/v1/tills", {"store": "17", "number": 3, "settings": {"header": ["ООО Ромашка"]}}
    )
    assert code == 201 and till["node_id"] == "till-17-3" and len(till["secret"]) > 20
    assert viewer.get("/api/v1/tills?store=17")[1]["tills"][0]["node_id"] == "till-17-3"
    first = docs_of(node, "till-17-3")
    assert [t for t, _ in first] == ["catalog.full"]
    assert ("settings", "header") in [(r.kind, r.data.get("key")) for r in first[0][1]]
    assert boss.put("/api/v1/tills/till-17-3/settings", {"footer": ["Спасибо!"]})[0] == 200
    assert viewer.get("/api/v1/tills/till-17-3/settings") == (200, {"footer": ["Спасибо!"]})
    assert boss.post("/api/v1/tills/till-17-3/resync")[0] == 200
    assert [t for t, _ in docs_of(node, "till-17-3")] == [
        "catalog.full",
        "catalog.delta",
        "catalog.full",
    ]
    code, new = boss.post("/api/v1/tills/till-17-3/secret")
    assert code == 200 and new["secret"] != till["secret"]
    assert boss.post("/api/v1/tills", {"store": "404", "number": 1})[0] == 404


def test_cashiers_are_created_given_rights_and_disabled_and_tills_hear_of_it(node, api):
    boss, manager = api("admin"), api("manager")
    boss.post("/api/v1/tills", {"store": "17", "number": 4})
    new = {"id": 301, "name": "Новикова Ирина", "role_id": 1, "password": "4321"}
    code, cashier = manager.post("/api/v1/stores/17/cashiers", new)
    assert code == 201 and cashier["source"] == "admin" and "password" not in cashier
    assert manager.put("/api/v1/stores/17/cashiers/301", {"rights": ["sell", "void_line"]})[1][
        "rights"
    ] == ["sell", "void_line"]
    code, body = manager.put("/api/v1/stores/17/cashiers/301", {"rights": ["fly"]})
    assert code == 400 and "'fly'" in body["message"]
    assert manager.post("/api/v1/stores/17/cashiers/301/disable")[1]["enabled"] is False
    puts = [
        r.data for t, recs in docs_of(node, "till-17-4")[1:] for r in recs if r.kind == "cashier"
    ]
    assert [(c["code"], c["rights"], c["enabled"]) for c in puts] == [
        ("301", ["cash_in", "close_shift", "open_shift", "reprint", "sell", "x_report"], True),
        ("301", ["sell", "void_line"], True),
        ("301", ["sell", "void_line"], False),
    ]
    assert 301 in [c["id"] for c in manager.get("/api/v1/stores/17/cashiers")[1]["cashiers"]]


def test_a_role_change_reaches_every_cashier_of_the_role(node, api):
    boss = api("admin")
    boss.post("/api/v1/tills", {"store": "17", "number": 5})
    code, role = boss.put("/api/v1/cashier-roles/1", {"rights": ["sell", "return"]})
    assert code == 200 and role["rights"] == ["return", "sell"]
    ((kind, recs),) = docs_of(node, "till-17-5")[1:]
    assert sorted((r.data["code"], tuple(r.data["rights"])) for r in recs) == [
        ("104", ("return", "sell")),
        ("105", ("return", "sell")),
    ]
    assert boss.put("/api/v1/cashier-roles/20", {"name": "Стажёр", "rights": ["sell"]})[0] == 200
    assert [r["id"] for r in boss.get("/api/v1/cashier-roles")[1]["roles"]] == [1, 2, 13, 20]


def test_restrictions_are_made_listed_and_removed(node, api):
    boss, manager = api("admin"), api("manager")
    boss.post("/api/v1/tills", {"store": "18", "number": 1})
    code, rule = manager.post(
        "/api/v1/restrictions", {"kind": "age", "group_id": "8", "min_age": 21}
    )
    assert code == 201 and rule["store"] is None and rule["till_id"].startswith("*:")
    code, body = manager.post(
        "/api/v1/restrictions", {"kind": "time", "store": "17", "from": "25:00", "to": "08:00"}
    )
    assert code == 400 and "HH:MM" in body["message"]
    code, t = manager.post(
        "/api/v1/restrictions",
        {"kind": "time", "store": "17", "group_id": "7", "from": "22:00", "to": "9:00"},
    )
    assert code == 201 and (t["from"], t["to"]) == ("22:00", "09:00")
    listed = manager.get("/api/v1/restrictions?store=18")[1]["restrictions"]
    assert [r["id"] for r in listed] == [rule["id"]]  # chain-wide ones count for store 18 too
    assert manager.delete(f"/api/v1/restrictions/{rule['id']}")[0] == 200
    deltas = [
        [(r.op, r.kind, r.data["id"]) for r in recs] for _t, recs in docs_of(node, "till-18-1")[1:]
    ]
    assert deltas == [[("put", "agerule", rule["till_id"])], [("del", "agerule", rule["till_id"])]]


def test_every_write_is_audited_without_secrets(api):
    boss, manager, viewer = api("admin"), api("manager"), api("viewer")
    manager.post(
        "/api/v1/stores/17/cashiers", {"id": 302, "name": "Ким", "role_id": 1, "password": "9876"}
    )
    manager.put("/api/v1/stores/17/cashiers/302", {"name": "Ким Анна"})
    boss.post("/api/v1/tills", {"store": "17", "number": 6})
    assert viewer.get("/api/v1/audit")[0] == 403
    code, log = manager.get("/api/v1/audit")
    assert code == 200 and log["total"] == 3
    newest, update, create = log["entries"]
    assert (newest["who"], newest["action"], newest["target"]) == ("admin", "till.register", "17/6")
    assert "secret" not in str(newest["after"])
    assert (update["who"], update["action"]) == ("manager", "cashier.update")
    assert update["before"]["name"] == "Ким" and update["after"]["name"] == "Ким Анна"
    assert create["before"] is None and "9876" not in str(log)
    assert re.match(r"\d{4}-\d\d-\d\dT", create["at"])


def test_the_openapi_document_describes_every_route(node):
    app = bottle.Bottle()
    admin.routes(app, node.ctx)
    ours = {
        (r.method.lower(), re.sub(r"<(\w+)(?::\w+)?>", r"{\1}", r.rule))
        for r in app.routes
        if r.rule.startswith("/api/v1")
    }
    doc = spec()
    described = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert ours == described
    assert doc["openapi"].startswith("3.1")
    code, served = Api(node.ctx.url).get("/api/v1/openapi.json")
    assert code == 200 and served["paths"].keys() >= doc["paths"].keys()


def test_a_token_from_one_server_works_on_another_sharing_the_database(node, server_url, tmp_path):
    other = start_node("server", tmp_path / "b", server_url, server={"import_poll": 60.0})
    try:
        token = Api(node.ctx.url).login("viewer").token
        assert Api(other.ctx.url).get("/api/v1/stores", token=token)[0] == 200
    finally:
        other.stop()
    assert PASSWORD
