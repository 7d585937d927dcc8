"""Monitoring: tills going offline and back, delivery lag, device reports, host, metrics."""

import logging
import re
from contextlib import contextmanager

import gevent
import pytest

from tests.nodes.helpers import get_json, http
from tests.server.tills import ScriptedTill
from ukm_actors.bridge import outbox
from ukm_actors.bridge.peers import disable_peer, register_peer
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.monitoring.metrics import Exposition, escape_label, render
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


def register(node, *node_ids):
    with node.ctx.db.write() as s:
        for node_id in node_ids:
            register_peer(s, node_id, "till", store=node_id.split("-")[1])


def service(node):
    return node.ctx.services.monitoring


def till_view(node, node_id, fresh=True):
    snap = service(node).check() if fresh else service(node).snapshot()
    return next(t for t in snap["tills"] if t["node_id"] == node_id)


def status(node):
    return get_json(node.ctx.url + "/status")[1]["monitoring"]


def kinds(alerts, subject=None):
    return sorted(a["kind"] for a in alerts if subject is None or a["subject"] == subject)


OFFLINE_AFTER = 2.0


@contextmanager
def talking(node, node_id):
    """While inside, the till keeps in touch as a running till does (its ``till.status``
    report, here every 0.1 s): it stays online however long the checks take on a busy
    machine. Outside, it is silent."""
    report = node.ctx.asks.get("till.status")

    def loop():
        while True:
            report({}, node_id)
            gevent.sleep(0.1)

    greenlet = gevent.spawn(loop)
    try:
        yield
    finally:
        greenlet.kill()


def test_monitoring_sees_a_till_go_offline_and_come_back(server_factory, caplog):
    caplog.set_level(logging.INFO, logger="ukm_actors.nodes.server.monitoring.alerts")
    node = server_factory(offline_after=OFFLINE_AFTER, monitor_interval=0.1)
    register(node, "till-17-3", "till-17-4")
    till = ScriptedTill(node, number=3)
    with talking(node, "till-17-3"):
        till.open_shift()
        view = till_view(node, "till-17-3")
        assert view["online"] and view["silent_s"] < OFFLINE_AFTER
        assert view["from_till"]["applied"] == 1
        never = till_view(node, "till-17-4")
        assert not never["online"] and never["last_contact"] is None

    # silent from now on: offline once OFFLINE_AFTER has passed (and the server's first
    # OFFLINE_AFTER seconds, when it raises no offline alert, are over)
    expect(
        lambda: "till-17-3" in status(node)["offline_tills"],
        within=OFFLINE_AFTER + 15,
        what="shown offline",
    )
    st = status(node)
    assert kinds(st["alerts"], "till-17-3") == ["till.offline"]
    assert any("till-17-3 has been silent for" in a["message"] for a in st["alerts"])
    assert any("alert till.offline: till-17-3" in r.getMessage() for r in caplog.records)

    till.receipt()  # back: a document, then its reports again
    with talking(node, "till-17-3"):

        def online_again():
            st = status(node)
            return st if "till-17-3" not in st["offline_tills"] else None

        st = expect(online_again, within=30, what="back online")
        assert kinds(st["alerts"], "till-17-3") == []
        assert any(
            "alert till.offline cleared: till-17-3" in r.getMessage() for r in caplog.records
        )
        assert kinds(st["alerts"], "till-17-4") == ["till.offline"]

    with node.ctx.db.write() as s:
        disable_peer(s, "till-17-4")
    assert kinds(service(node).check()["alerts"], "till-17-4") == []


def test_a_till_status_report_shows_version_outbox_and_devices(server_factory):
    node = server_factory(behind_after=30)
    register(node, "till-17-3")
    report = node.ctx.asks.get("till.status")
    answer = report(
        {
            "version": "0.1.0",
            "outbox": {"pending": 4, "oldest_age_s": 12.5, "last_seq": 88},
            "devices": {
                "printer": {"state": "ok"},
                "scales": {"state": "error", "error": "no answer on /dev/ttyUSB1"},
            },
            "shift": {"open": True, "number": 12},
            "promotions": {"campaigns_version": "v5", "campaigns_received_at": None,
                           "online": True},
        },
        "till-17-3",
    )  # fmt: skip
    assert answer["ok"] is True and answer["report_every"] > 0
    view = till_view(node, "till-17-3")
    assert view["online"] and view["version"] == "0.1.0"
    assert view["promotions"]["campaigns_version"] == "v5"
    assert view["from_till"]["pending"] == 4 and view["from_till"]["oldest_age_s"] >= 12.5
    assert view["devices"]["scales"] == {"state": "error", "error": "no answer on /dev/ttyUSB1"}
    alerts = service(node).check()["alerts"]
    assert [(a["kind"], a["subject"]) for a in alerts] == [("till.device", "till-17-3/scales")]
    assert "no answer on /dev/ttyUSB1" in alerts[0]["message"]

    report({"devices": {"printer": {"state": "ok"}, "scales": {"state": "ok"}}}, "till-17-3")
    assert service(node).check()["alerts"] == []

    for bad, peer in [
        ({"devices": {"printer": "fine"}}, "till-17-3"),
        ({"outbox": {"pending": -1}}, "till-17-3"),
        ({"version": 5}, "till-17-3"),
        ({}, "marketing"),
    ]:
        with pytest.raises(UkmError) as err:
            report(bad, peer)
        assert err.value.code.startswith("monitoring."), bad


def test_documents_waiting_too_long_for_a_till_raise_a_behind_alert(server_factory):
    node = server_factory(behind_after=0.3, offline_after=60)
    register(node, "till-17-3")
    ScriptedTill(node, number=3).open_shift()
    with node.ctx.db.write() as s:
        seq = outbox.put(s, "server>till-17-3", "catalog.delta", b"{}")
    view = till_view(node, "till-17-3")
    assert view["to_till"]["pending"] == 1
    found = expect(
        lambda: (
            kinds(service(node).check()["alerts"]) == ["till.behind"]
            and service(node).snapshot()["alerts"]
        )
    )
    assert "1 to it" in found[0]["message"]
    with node.ctx.db.write() as s:
        outbox.ack(s, "server>till-17-3", seq)
    assert service(node).check()["alerts"] == []
    assert till_view(node, "till-17-3")["to_till"]["pending"] == 0


def test_an_export_folder_that_fails_is_an_alert(server_factory, tmp_path):
    blocked = tmp_path / "share"
    blocked.write_text("")
    node = server_factory(export_dir=str(blocked), export_retry_max=0.2)
    ScriptedTill(node).open_shift()
    expect(lambda: "export.failing" in kinds(service(node).check()["alerts"]))


def test_host_cpu_memory_disk_and_database_size(server):
    snap = service(server).check()
    host = snap["host"]
    assert 0 <= host["cpu_percent"] <= 100 * host["cpu_count"]
    assert host["memory"]["total_bytes"] > host["memory"]["available_bytes"] > 0
    assert host["disk"]["path"] == server.ctx.config.node.data_dir
    assert host["disk"]["total_bytes"] >= host["disk"]["free_bytes"] > 0
    assert snap["database"]["size_bytes"] > 0
    st = status(server)
    assert st["database_size_bytes"] > 0 and "cpu_percent" in st["host"]


SAMPLE = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{([a-z_]+="(\\.|[^"\\])*",?)*\})? (\S+)$')


def test_metrics_are_valid_prometheus_text(server_factory):
    node = server_factory(metrics_token="s3cret")
    register(node, "till-17-3")
    node.ctx.asks.get("till.status")(
        {"devices": {'odd "name"\\x': {"state": "error", "error": "x"}}}, "till-17-3"
    )
    r = http.request("GET", node.ctx.url + "/metrics")
    assert r.status == 401
    auth = {"Authorization": "Bearer s3cret"}

    def scrape():  # a snapshot may be up to a second old
        r = http.request("GET", node.ctx.url + "/metrics", headers=auth)
        return r.status == 200 and "ukm_till_device_ok{" in r.data.decode() and r

    r = expect(scrape, what="the till in the metrics")
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    body = r.data.decode()
    assert body.endswith("\n")
    families, helped, typed = set(), set(), set()
    for ln in body.splitlines():
        if ln.startswith("# HELP "):
            helped.add(ln.split()[2])
        elif ln.startswith("# TYPE "):
            typed.add(ln.split()[2])
            assert ln.split()[3] in ("gauge", "counter")
        else:
            m = SAMPLE.match(ln)
            assert m, ln
            families.add(m.group(1))
            float(m.group(5).replace("+Inf", "inf"))
    assert families <= helped == typed
    assert 'ukm_till_up{node="till-17-3",store="17",till="3"} 1' in body, [
        ln for ln in body.splitlines() if "till-17-3" in ln
    ]
    assert 'device="odd \\"name\\"\\\\x"' in body
    for name in (
        "ukm_host_cpu_percent",
        "ukm_host_memory_bytes",
        "ukm_data_disk_bytes",
        "ukm_database_size_bytes",
        "ukm_export_pending_documents",
        "ukm_alerts",
    ):
        assert name in families, name


def test_exposition_escapes_and_formats_values():
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    e = Exposition()
    e.gauge("x", "help with \\ and\nnewline", [({"k": "v"}, 1.5), ({}, None), ({}, float("inf"))])
    assert e.text() == (
        '# HELP x help with \\\\ and\\nnewline\n# TYPE x gauge\nx{k="v"} 1.5\nx +Inf\n'
    )
    assert "ukm_till_up" in render({"tills": [], "alerts": []})


def test_the_monitoring_api_refuses_anyone_not_logged_in(server):
    for path in (
        "/api/v1/monitoring",
        "/api/v1/monitoring/tills",
        "/api/v1/monitoring/alerts",
        "/api/v1/monitoring/host",
        "/api/v1/monitoring/tills/till-17-3",
    ):
        code, _ = get_json(server.ctx.url + path)
        assert code == 401, path


def test_the_monitoring_api_for_a_logged_in_employee(server, employee_token):
    register(server, "till-17-3")
    base = server.ctx.url
    body = expect(  # a snapshot may be up to a second old
        lambda: (
            (r := get_json(base + "/api/v1/monitoring", headers=employee_token))[0] == 200
            and r[1]["summary"]["tills"] == 1
            and r[1]
        )
    )
    assert {"tills", "alerts", "host", "database", "export"} <= set(body)
    code, one = get_json(base + "/api/v1/monitoring/tills/till-17-3", headers=employee_token)
    assert code == 200 and one["online"] is False
    code, _ = get_json(base + "/api/v1/monitoring/tills/till-99-9", headers=employee_token)
    assert code == 404
    code, alerts = get_json(base + "/api/v1/monitoring/alerts", headers=employee_token)
    assert code == 200
    code, host = get_json(base + "/api/v1/monitoring/host", headers=employee_token)
    assert code == 200 and host["database"]["size_bytes"] > 0


def test_after_a_restart_tills_get_offline_after_seconds_before_an_offline_alert(
    server_factory, caplog
):
    caplog.set_level(logging.WARNING, logger="ukm_actors.nodes.server.monitoring.alerts")
    node = server_factory(offline_after=60, monitor_interval=0.1)
    register(node, "till-17-3")
    snap = service(node).check()
    assert till_view(node, "till-17-3")["online"] is False
    assert snap["alerts"] == [] and not caplog.records, "a just-started server alerts at once"

    from ukm_actors.nodes.server.monitoring.alerts import till_findings

    eight_min = [
        {
            "node_id": "till-17-3",
            "enabled": True,
            "online": False,
            "silent_s": 480.0,
            "last_contact": "2026-01-01T10:00:00+00:00",
            "to_till": {"oldest_age_s": None},
            "from_till": {"oldest_age_s": None},
        }
    ]
    assert till_findings(eight_min, now=1000.0, behind_after=600, offline_grace_until=1060) == []
    late = till_findings(eight_min, now=1061.0, behind_after=600, offline_grace_until=1060)
    assert [f.kind for f in late] == ["till.offline"] and "silent for 8 min" in late[0].message


def test_host_readings_are_kept_for_the_console_charts(tmp_path, db_url):
    from tests.nodes.helpers import start_node

    node = start_node(
        "server",
        tmp_path / "h",
        db_url,
        server={"host_sample_interval": 0.2, "host_history_hours": 1},
    )
    try:
        from ukm_actors.nodes.server.admin import auth

        with node.ctx.db.write() as s:
            auth.create_employee(s, "olga", "correct horse", "viewer")
            token, _, _ = auth.login(s, "olga", "correct horse", hours=1)
        headers = {"Authorization": f"Bearer {token}"}
        base = node.ctx.url + "/api/v1/monitoring/host/history"
        expect(lambda: len(get_json(base, headers=headers)[1]["samples"]) >= 3, within=30)
        code, body = get_json(base + "?hours=1", headers=headers)
        assert code == 200 and body["hours"] == 1
        first = body["samples"][0]
        assert 0 <= first["cpu_percent"] <= 100 and 0 < first["memory_percent"] <= 100
        assert [p["at_ms"] for p in body["samples"]] == sorted(p["at_ms"] for p in body["samples"])
        assert get_json(base + "?hours=500", headers=headers)[0] == 400
        assert get_json(base)[0] == 401
    finally:
        node.stop()


def test_a_refused_import_file_is_an_alert_until_a_later_file_of_its_type_loads(
    server_factory, tmp_path
):
    from ukm_actors.codecs.ukm_samples import catalog_items, write_import_file

    inbox = tmp_path / "import"
    inbox.mkdir()
    node = server_factory(import_dir=str(inbox), import_poll=0.1, import_settle=0.0)
    part = inbox / ".bad.part"
    part.write_text('<?xml version="1.0"?><updateItems fullness="I"><item><article>1', "utf-8")
    part.rename(inbox / "updateItems_[95]_[I].xml")

    def alert():
        found = [a for a in service(node).check()["alerts"] if a["kind"] == "import.failed"]
        return found[0] if found else None

    raised = expect(alert)
    assert raised["subject"] == "updateItems_[95]_[I].xml", raised
    assert "was refused" in raised["message"] and raised["since"], raised
    # its type waits for a full file numbered above it (docs/exchange.md): that one loads
    write_import_file(inbox, "updateItems", catalog_items(3, seed=1), "F", number=96)
    expect(lambda: alert() is None, within=30)


def test_only_the_newest_file_of_a_type_and_store_counts():
    from ukm_actors.nodes.server.monitoring.alerts import import_findings

    rows = [  # newest first
        {"type": "storePrices", "store": "17", "file": "p17b", "status": "loaded", "error": None,
         "finished": 3.0},
        {"type": "storePrices", "store": "18", "file": "p18", "status": "failed", "error": "bad",
         "finished": 2.5},
        {"type": "storePrices", "store": "17", "file": "p17a", "status": "failed", "error": "x",
         "finished": 2.0},
        {"type": None, "store": "", "file": "notes.txt", "status": "ignored", "error": None,
         "finished": 1.0},
    ]  # fmt: skip
    found = import_findings(rows)
    assert [(f.kind, f.subject, f.started) for f in found] == [("import.failed", "p18", 2.5)]


def test_a_tills_exchange_refusal_reads_in_the_readers_language(server, employee_token):
    """The till sends its exchange state's texts translatable (reporting.exchange_state);
    the monitoring API gives each reader their language: Russian by default, English asked."""
    from ukm_actors.nodes.till.exchange.queue import Blocked
    from ukm_actors.nodes.till.reporting import exchange_state

    register(server, "till-17-3")
    blocked = Blocked(1, "000002_updateItems_[13]_[I].xml", "updateItems", "bad XML", line=1)
    state = exchange_state(
        {
            "source": "server",
            "folder": "/srv/ukm/in",
            "refused": {
                "file": blocked.file,
                "line": 1,
                "error": "bad XML",
                "what_to_do": blocked.what_to_do(),
            },
        }
    )
    server.ctx.asks.get("till.status")({"exchange": state}, "till-17-3")
    service(server).check()
    url = server.ctx.url + "/api/v1/monitoring/tills/till-17-3"
    code, ru = get_json(url, headers=employee_token)
    assert code == 200
    assert ru["exchange"]["refused"]["what_to_do"].startswith("пришлите новый полный файл")
    assert ru["exchange"]["refused"]["file"] == blocked.file
    code, en = get_json(url + "?lang=en", headers=employee_token)
    assert en["exchange"]["refused"]["what_to_do"].startswith("send a new full file of")
    code, every = get_json(server.ctx.url + "/api/v1/monitoring/tills", headers=employee_token)
    mine = next(t for t in every["tills"] if t["node_id"] == "till-17-3")
    assert mine["exchange"]["refused"]["what_to_do"] == ru["exchange"]["refused"]["what_to_do"]
