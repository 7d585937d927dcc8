"""What the cashier screen reads besides the sale: its setup, the event stream, the lock."""

from __future__ import annotations

import json

import gevent

from tests.nodes.helpers import http
from tests.till.helpers import MILK, base_records, put


def test_the_screen_mode_and_language_come_from_the_server_setting_over_the_config(start_till):
    node, till = start_till(ui_mode="keyboard")
    ui = till.get("/ui")
    assert (ui["mode"], ui["language"], ui["languages"]) == ("keyboard", "ru", ["ru", "en"])
    assert ui["till"] == {"node": "till-17-1", "name": "till-17-1", "store": "17", "number": 1}
    records = [
        *base_records(),
        put("settings", key="ui", value={"mode": "touch", "language": "en"}),
    ]
    node2, till2 = start_till(records=records, number=2)
    assert (till2.get("/ui")["mode"], till2.get("/ui")["language"]) == ("touch", "en")


def test_changes_are_pushed_to_the_event_stream_with_their_revision(start_till):
    node, till = start_till()
    till.login()
    till.post("/shift/open")
    stream = http.request("GET", node.ctx.url + "/api/v1/events", preload_content=False, timeout=5)
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert stream.read(13) == b"retry: 1000\n\n"
    status, body = till.call("POST", "/receipt/lines", {"barcode": MILK})
    assert status == 201
    node.ctx.services.sale_flows.scan(MILK)  # the till's own scanner
    seen = b""
    with gevent.Timeout(5):
        while b'"kind": "scan"}\n\n' not in seen:
            seen += stream.read(1)
    events = [json.loads(x.split(b"data: ")[1]) for x in seen.split(b"\n\n") if b"data: " in x]
    revisions = [e["revision"] for e in events]
    assert revisions == sorted(revisions) and status == 201
    assert node.ctx.services.ui_events.revision == revisions[-1]
    stream.release_conn()


def test_the_lock_keeps_who_locked_and_any_cashier_may_log_in(start_till):
    node, till = start_till()
    till.login()
    assert till.post("/lock")["locked_by"]["code"] == "1"
    assert till.get("/login") == {"cashier": None, "locked_by": till.get("/login")["locked_by"]}
    assert till.fail("POST", "/receipt/lines", {"barcode": MILK})[1]["code"] == "auth.required"
    till.login("9", "9999")
    assert till.get("/login")["locked_by"] is None
