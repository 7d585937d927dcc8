"""Till types: settings shared by the tills of a type, a till's own winning key by key; every
change reaches exactly the tills concerned as settings records (a key gone is deleted)."""

from __future__ import annotations

from tests.server.admin.test_api import docs_of

EXPRESS = {
    "name": "Экспресс-касса",
    "settings": {"footer": ["Касса экспресс: до 10 товаров"], "ui": {"mode": "touch"}},
}


def _settings(node, node_id: str) -> tuple[dict, list[str]]:
    """The last catalog document's settings records: (put key → value, deleted keys)."""
    doc_type, recs = docs_of(node, node_id)[-1]
    assert doc_type == "catalog.delta", doc_type
    puts = {r.data["key"]: r.data["value"] for r in recs if r.kind == "settings" and r.op == "put"}
    gone = [r.data["key"] for r in recs if r.kind == "settings" and r.op == "del"]
    return puts, gone


def test_a_type_gives_its_tills_its_settings_and_a_tills_own_win(node, api):
    boss = api("admin")
    own = {"header": ["Своя шапка"], "ui": {"language": "en"}}
    boss.post("/api/v1/tills", {"store": "17", "number": 3, "settings": own})
    boss.post("/api/v1/tills", {"store": "17", "number": 4})
    assert boss.put("/api/v1/till-types/EXPRESS", EXPRESS)[0] == 200
    assert len(docs_of(node, "till-17-3")) == 1  # no till has the type yet: nothing sent

    code, answer = boss.put("/api/v1/tills/till-17-3/type", {"type": "EXPRESS"})
    assert code == 200 and answer == {"node_id": "till-17-3", "type": "EXPRESS"}
    puts, gone = _settings(node, "till-17-3")
    assert puts == {"header": ["Своя шапка"], "footer": ["Касса экспресс: до 10 товаров"],
                    "ui": {"mode": "touch", "language": "en"}}, puts  # fmt: skip
    assert gone == []
    assert len(docs_of(node, "till-17-4")) == 1  # another till: nothing

    changed = {**EXPRESS, "settings": {"ui": {"mode": "keyboard"}}}  # the footer goes
    assert boss.put("/api/v1/till-types/EXPRESS", changed)[0] == 200
    puts, gone = _settings(node, "till-17-3")
    assert puts == {"header": ["Своя шапка"], "ui": {"mode": "keyboard", "language": "en"}}
    assert gone == ["footer"]
    listed = boss.get("/api/v1/till-types")[1]["till_types"]
    assert [(t["id"], t["tills"]) for t in listed] == [("EXPRESS", ["till-17-3"])]
    assert boss.get("/api/v1/tills/till-17-3")[1]["type"] == "EXPRESS"

    code, refused = boss.delete("/api/v1/till-types/EXPRESS")
    assert code == 409 and "till-17-3" in refused["message"], refused
    assert boss.put("/api/v1/tills/till-17-3/type", {"type": None})[0] == 200
    puts, gone = _settings(node, "till-17-3")
    assert puts == {"header": ["Своя шапка"], "ui": {"language": "en"}} and gone == []
    assert boss.delete("/api/v1/till-types/EXPRESS")[0] == 200
    assert boss.get("/api/v1/till-types")[1] == {"till_types": []}
    actions = [e["action"] for e in boss.get("/api/v1/audit?action=till")[1]["entries"]]
    assert "till_type.put" not in actions  # the prefix is "till." for tills
    assert {"till_type.put", "till_type.delete"} <= {
        e["action"] for e in boss.get("/api/v1/audit")[1]["entries"]}  # fmt: skip


def test_a_setting_removed_from_a_till_is_deleted_there(node, api):
    boss = api("admin")
    boss.post("/api/v1/tills", {"store": "17", "number": 5, "settings": {"header": ["A"]}})
    assert boss.put("/api/v1/tills/till-17-5/settings", {"footer": ["B"]})[0] == 200
    puts, gone = _settings(node, "till-17-5")
    assert puts == {"footer": ["B"]} and gone == ["header"]  # the till prints no old header


def test_till_types_are_refused_clearly_and_only_admins_change_them(api):
    boss, manager, viewer = api("admin"), api("manager"), api("viewer")
    assert viewer.get("/api/v1/till-types")[0] == 200
    assert manager.put("/api/v1/till-types/X", {"settings": {}})[0] == 403
    assert manager.delete("/api/v1/till-types/X")[0] == 403
    assert manager.put("/api/v1/tills/till-17-1/type", {"type": None})[0] == 403
    code, bad = boss.put("/api/v1/till-types/no%20spaces", {"settings": {}})
    assert code == 400 and "letters, digits" in bad["message"], bad
    code, bad = boss.put("/api/v1/till-types/X", {"settings": ["not", "an", "object"]})
    assert code == 400 and "settings" in bad["message"], bad
    boss.post("/api/v1/tills", {"store": "17", "number": 6})
    code, bad = boss.put("/api/v1/tills/till-17-6/type", {"type": "NOPE"})
    assert code == 404 and bad["code"] == "catalog.not_found", bad
    assert boss.delete("/api/v1/till-types/NOPE")[0] == 404
