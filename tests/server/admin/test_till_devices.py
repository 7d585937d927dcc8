"""A till's ``devices`` setting: the server refuses a value the till could not use, with the
device and the setting named, and changes nothing; a good value reaches the till."""

from __future__ import annotations

from tests.server.admin.test_api import docs_of

PRINTER = {"printer": {"kind": "file", "path": "receipts.prn"}}


def test_a_devices_value_the_till_could_not_use_is_refused_and_nothing_changes(node, api):
    boss = api("admin")
    boss.post("/api/v1/tills", {"store": "17", "number": 7, "settings": {"header": ["A"]}})
    sent = len(docs_of(node, "till-17-7"))
    bad = [
        ([1, 2], "devices must be an object"),
        ({"printer": "file"}, "device printer must be an object"),
        ({"coffee": {}}, "device kind 'coffee' is not known"),
        ({"p": {"device": "printer"}, "printer": {}}, "a second printer"),
        ({"printer": {"kind": "laser"}}, "'kind'"),
        ({"scanner": {"baudrate": 9600}}, "scanner settings need 'url'"),
        ({"bank": {"url": "socket://127.0.0.1:1", "pay_timeout": -1}}, "pay_timeout"),
        ({"printer": {"enabled": "no"}}, "enabled must be true or false"),
        ({"settings": {"device": "printer"}}, "may not be named"),
    ]
    for value, words in bad:
        code, answer = boss.put("/api/v1/tills/till-17-7/settings", {"devices": value})
        assert code == 400, (value, answer)
        assert answer["code"] == "settings.devices", answer
        assert words in answer["message"] and "devices" in answer["message"], (words, answer)
        assert answer.get("hint"), answer
    assert boss.get("/api/v1/tills/till-17-7/settings")[1] == {"header": ["A"]}
    assert len(docs_of(node, "till-17-7")) == sent  # nothing queued for the till

    code, answer = boss.post(
        "/api/v1/tills", {"store": "17", "number": 8, "settings": {"devices": {"coffee": {}}}}
    )
    assert code == 400 and "coffee" in answer["message"], answer

    good = {"devices": {**PRINTER, "scanner": {"enabled": False}}}
    assert boss.put("/api/v1/tills/till-17-7/settings", good)[0] == 200
    _doc_type, recs = docs_of(node, "till-17-7")[-1]
    puts = {r.data["key"]: r.data["value"] for r in recs if r.kind == "settings" and r.op == "put"}
    assert puts["devices"] == good["devices"]


def test_a_type_and_a_tills_own_devices_are_checked_together(node, api):
    boss = api("admin")
    boss.post("/api/v1/tills", {"store": "17", "number": 9})
    code, answer = boss.put("/api/v1/till-types/EXPRESS", {"settings": {"devices": {"x": {}}}})
    assert code == 400 and "till type EXPRESS" in answer["message"], answer
    assert boss.put("/api/v1/till-types/EXPRESS", {"settings": {"devices": PRINTER}})[0] == 200
    assert boss.put("/api/v1/tills/till-17-9/type", {"type": "EXPRESS"})[0] == 200
    # the till's own second printer next to its type's one: two printers in force
    second = {"devices": {"receipt": {"device": "printer", "kind": "dummy"}}}
    code, answer = boss.put("/api/v1/tills/till-17-9/settings", second)
    assert code == 400 and "a second printer" in answer["message"], answer
    assert "till-17-9" in answer["message"], answer
    # the same name replaces the type's table: fine
    own = {"devices": {"printer": {"kind": "dummy"}}}
    assert boss.put("/api/v1/tills/till-17-9/settings", own)[0] == 200
    _doc_type, recs = docs_of(node, "till-17-9")[-1]
    puts = {r.data["key"]: r.data["value"] for r in recs if r.kind == "settings" and r.op == "put"}
    assert puts["devices"] == {"printer": {"kind": "dummy"}}
    # a type change that would give a till two printers is refused too
    code, answer = boss.put(
        "/api/v1/till-types/EXPRESS",
        {"settings": {"devices": {"receipt2": {"device": "printer"}}}},
    )
    assert code == 400 and "till-17-9" in answer["message"], answer
