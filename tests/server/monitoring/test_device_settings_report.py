"""A till's device settings in its ``till.status`` report: each device's ``source`` and
``device_settings`` (a change waiting for the receipt to close, a refusal, when the last
change was applied) reach ``/api/v1/monitoring/tills/{id}`` in the reader's language; a
refusal is an alert; an older till's report (without them) is taken as before; a malformed
one is refused saying what is wrong."""

from __future__ import annotations

import pytest

from tests.nodes.helpers import get_json
from ukm_actors.errors import UkmError
from ukm_actors.hw.devconfig import DeviceSettingsError, check_devices
from ukm_actors.i18n import _
from ukm_actors.nodes.till.devices.service import PendingChange, SettingsState
from ukm_actors.nodes.till.reporting import device_settings_state

pytestmark = pytest.mark.timeout(60)

NODE = "till-17-3"
SINCE = "2026-12-05T12:03:00+00:00"


def _register(server) -> None:
    from ukm_actors.bridge.peers import register_peer

    with server.ctx.db.write() as s:
        register_peer(s, NODE, "till", store="17")


def _report(server, message: dict) -> None:
    server.ctx.asks.get("till.status")(message, NODE)
    server.ctx.services.monitoring.check()


def _view(server, headers, lang: str | None = None) -> dict:
    url = server.ctx.url + f"/api/v1/monitoring/tills/{NODE}" + (f"?lang={lang}" if lang else "")
    code, body = get_json(url, headers=headers)
    assert code == 200, body
    return body


def _refusal() -> str:
    try:
        check_devices({"printer": {"enabled": 3}})
    except DeviceSettingsError as exc:
        return str(exc)  # as the till's DeviceSettings keeps it
    raise AssertionError("the value was taken")


def test_a_waiting_change_reads_in_the_readers_language(server, employee_token):
    _register(server)
    state = SettingsState(server=True, applied_at="2026-12-05T11:00:00+00:00")
    state.pending = PendingChange(
        [], {}, {"printer": "replace"}, SINCE, _("receipt {number} is open", number=15)
    )
    devices = {"printer": {"state": "ok", "kind": "printer", "source": "server"}}
    _report(server, {"devices": devices, "device_settings": device_settings_state(state.to_json())})

    ru = _view(server, employee_token)
    assert ru["devices"]["printer"]["source"] == "server"
    settings = ru["device_settings"]
    assert settings["server"] is True and settings["refused"] is None
    assert settings["pending"]["waits_for"] == "открыт чек 15"
    assert settings["pending"]["since"] == SINCE
    assert settings["pending"]["changes"] == {"printer": "replace"}
    assert settings["applied_at"] == "2026-12-05T11:00:00+00:00"
    en = _view(server, employee_token, "en")
    assert en["device_settings"]["pending"]["waits_for"] == "receipt 15 is open"
    code, every = get_json(server.ctx.url + "/api/v1/monitoring/tills", headers=employee_token)
    mine = next(t for t in every["tills"] if t["node_id"] == NODE)
    assert mine["device_settings"]["pending"]["waits_for"] == "открыт чек 15"
    code, alerts = get_json(server.ctx.url + "/api/v1/monitoring/alerts", headers=employee_token)
    assert not [a for a in alerts["alerts"] if a["kind"] == "till.devices"], alerts


def test_a_refusal_reads_in_the_readers_language_and_is_an_alert(server, employee_token):
    _register(server)
    state = SettingsState(server=True, refused=_refusal())
    devices = {"printer": {"state": "ok", "kind": "printer", "source": "file"}}
    _report(server, {"devices": devices, "device_settings": device_settings_state(state.to_json())})

    ru = _view(server, employee_token)
    assert ru["devices"]["printer"]["source"] == "file"
    refused = ru["device_settings"]["refused"]
    assert refused == "устройство printer: enabled должно быть true или false, а не 3", refused
    assert ru["device_settings"]["pending"] is None
    en = _view(server, employee_token, "en")
    assert (
        en["device_settings"]["refused"] == "device printer: enabled must be true or false, not 3"
    )
    url = server.ctx.url + "/api/v1/monitoring/alerts"
    code, alerts = get_json(url, headers=employee_token)
    found = [a for a in alerts["alerts"] if a["kind"] == "till.devices"]
    assert [a["subject"] for a in found] == [NODE], alerts
    assert "enabled должно быть true или false" in found[0]["message"]
    code, alerts = get_json(url + "?lang=en", headers=employee_token)
    found = [a for a in alerts["alerts"] if a["kind"] == "till.devices"]
    assert found[0]["message"].startswith(f"{NODE} does not use the devices set on this server")

    # the till takes the next value: the alert clears
    _report(server, {"devices": devices, "device_settings": {"server": True}})
    code, alerts = get_json(url, headers=employee_token)
    assert not [a for a in alerts["alerts"] if a["kind"] == "till.devices"], alerts


def test_an_older_tills_report_is_taken_as_before(server, employee_token):
    _register(server)
    _report(server, {"version": "0.1.0", "devices": {"printer": {"state": "ok"}}})
    view = _view(server, employee_token)
    assert view["devices"] == {"printer": {"state": "ok"}}
    assert view["device_settings"] is None


def test_a_newer_tills_extra_fields_are_kept_when_plain(server, employee_token):
    _register(server)
    pending = {"since": SINCE, "changes": {"fiscal": "replace"}, "waits_for": "busy",
               "unresolved": 2, "detail": {"nested": True}}  # fmt: skip
    _report(server, {"device_settings": {"server": True, "pending": pending, "later": 1}})
    got = _view(server, employee_token)["device_settings"]["pending"]
    assert got["unresolved"] == 2 and "detail" not in got and got["waits_for"] == "busy"


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ("yes", "device_settings must be an object"),
        ({"server": "yes"}, "device_settings.server must be true or false"),
        ({"refused": 5}, "device_settings.refused must be a text"),
        ({"pending": []}, "device_settings.pending must be an object"),
        ({"pending": {"changes": {"printer": 1}}}, "device_settings.pending.changes"),
        ({"pending": {"since": 12}}, "device_settings.pending.since must be an ISO time"),
    ],
)
def test_a_malformed_device_settings_is_refused_saying_what(server, settings, says):
    _register(server)
    with pytest.raises(UkmError) as caught:
        server.ctx.asks.get("till.status")({"device_settings": settings}, NODE)
    assert caught.value.code == "monitoring.report"
    assert says in str(caught.value)
    with pytest.raises(UkmError, match='"source" must be a text'):
        server.ctx.asks.get("till.status")({"devices": {"p": {"state": "ok", "source": 1}}}, NODE)
