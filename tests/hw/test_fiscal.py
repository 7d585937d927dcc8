"""The ATOL web-server client against the fiscal register emulator (real HTTP on 127.0.0.1)."""

import json
import re
import uuid

import pytest
import urllib3

from ukm_actors.hw.atol import AtolWebRegister, FiscalRequestUnknown, receipt_task
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator
from ukm_actors.hw.errors import DeviceUnavailable
from ukm_actors.hw.factory import build_device
from ukm_actors.hw.fiscal import (
    FiscalItem,
    FiscalPayment,
    FiscalReceipt,
    FiscalRefused,
    FiscalUnknown,
    qr_text,
)


def rid():
    return str(uuid.uuid4())


def bread(paid=10000, kind="sell", amount=9180):
    return FiscalReceipt(
        kind,
        "Иванова А.",
        (FiscalItem("Хлеб", 4590, 2000, amount, "vat10"),),
        (FiscalPayment("cash", paid),),
    )


@pytest.fixture
def register(fiscal_emulator):
    reg = AtolWebRegister(fiscal_emulator.url, poll=0.01)
    reg.open()
    yield reg
    reg.close()


@pytest.fixture
def opened(register):
    register.open_shift("Иванова А.", rid(), 5)
    return register


def test_a_receipt_gets_its_fiscal_data_and_the_qr_string(opened, fiscal_emulator):
    result = opened.register(bread(), rid(), 5)
    assert result.fd == 2 and result.shift == 1 and result.number == 1
    assert re.fullmatch(r"\d{10}", result.fp) and result.total == 9180
    assert result.fn == fiscal_emulator.state.fn
    qr = qr_text(result, "sell")
    assert re.fullmatch(rf"t=\d{{8}}T\d{{4}}&s=91\.80&fn={result.fn}&i=2&fp={result.fp}&n=1", qr)
    assert fiscal_emulator.state.cash == 9180


def test_the_same_request_id_never_registers_twice(opened, fiscal_emulator):
    request = rid()
    first = opened.register(bread(), request, 5)
    again = opened.register(bread(), request, 5)
    assert again == first
    assert opened.outcome(request, 2) == first
    assert len(fiscal_emulator.receipts()) == 1


def test_the_fiscal_sign_is_deterministic(fiscal_emulator):
    m = fiscal_emulator.machine
    assert m.fiscal_sign(5, "2024-01-01T10:00:00+03:00", 100, "sell") == m.fiscal_sign(
        5, "2024-01-01T10:00:00+03:00", 100, "sell"
    )
    assert m.fiscal_sign(5, "2024-01-01T10:00:00+03:00", 100, "sell") != m.fiscal_sign(
        6, "2024-01-01T10:00:00+03:00", 100, "sell"
    )


@pytest.mark.parametrize(
    ("setup", "receipt", "code", "register_code"),
    [
        ({"paper": False}, bread(), "fiscal.paper_out", 44),
        ({"shift_age_hours": 25}, bread(), "fiscal.shift_expired", 68),
        ({"fn_capacity": 1}, bread(), "fiscal.fn_full", 121),
        ({}, bread(paid=9000), "fiscal.sum", 66),
        ({}, bread(amount=9999), "fiscal.sum", 227),
        ({"fail_next": [2, "Нет связи"]}, bread(), "fiscal.offline", 2),
    ],
)
def test_refusals_register_nothing(opened, fiscal_emulator, setup, receipt, code, register_code):
    fiscal_emulator.control(setup)
    with pytest.raises(FiscalRefused) as info:
        opened.register(receipt, rid(), 5)
    assert info.value.code == code and info.value.register_code == register_code
    assert info.value.hint and info.value.description
    assert fiscal_emulator.receipts() == []


def test_a_closed_shift_refuses_and_an_open_one_cannot_be_opened_again(register):
    with pytest.raises(FiscalRefused) as info:
        register.register(bread(), rid(), 5)
    assert info.value.code == "fiscal.shift_closed"
    register.open_shift("A", rid(), 5)
    with pytest.raises(FiscalRefused) as again:
        register.open_shift("A", rid(), 5)
    assert again.value.code == "fiscal.shift_open"
    closed = register.close_shift("A", rid(), 5)
    assert closed.shift == 1 and register.shift_state(2).state == "closed"


def test_cash_in_out_and_x_report(opened):
    assert opened.cash("in", 50000, "A", rid(), 5) == 50000
    assert opened.cash("out", 20000, "A", rid(), 5) == 30000
    with pytest.raises(FiscalRefused) as info:
        opened.cash("out", 90000, "A", rid(), 5)
    assert info.value.code == "fiscal.no_cash"
    opened.x_report("A", rid(), 5)


def test_a_return_needs_cash_in_the_drawer(opened):
    with pytest.raises(FiscalRefused):
        opened.register(bread(kind="sellReturn"), rid(), 5)
    opened.register(bread(), rid(), 5)
    back = opened.register(bread(paid=9180, kind="sellReturn"), rid(), 5)
    assert qr_text(back, "sellReturn").endswith("&n=2")


def test_a_held_answer_is_unknown_until_released_then_the_outcome_is_known(opened, fiscal_emulator):
    fiscal_emulator.control({"hold": True})
    request = rid()
    with pytest.raises(FiscalUnknown) as info:
        opened.register(bread(), request, 0.5)
    assert info.value.request_id == request
    assert len(fiscal_emulator.receipts()) == 1  # registered, answer not given yet
    with pytest.raises(FiscalUnknown):
        opened.outcome(request, 1)
    fiscal_emulator.release()
    result = opened.outcome(request, 1)
    assert result is not None and result.total == 9180
    assert opened.last_document(2) == result


def test_a_hung_server_is_an_unknown_outcome(opened, fiscal_emulator):
    fiscal_emulator.control({"hang_http": True})
    with pytest.raises(FiscalUnknown):
        opened.register(bread(), rid(), 0.5)
    fiscal_emulator.release()


def test_a_request_the_server_never_got_is_unknown_to_it(opened):
    with pytest.raises(FiscalRequestUnknown):
        opened.outcome(rid(), 1)


def test_a_refused_request_has_no_outcome(opened, fiscal_emulator):
    fiscal_emulator.control({"paper": False})
    request = rid()
    with pytest.raises(FiscalRefused):
        opened.register(bread(), request, 5)
    assert opened.outcome(request, 1) is None


def test_state_survives_a_restart_of_the_register(tmp_path):
    path = tmp_path / "register.json"
    with FiscalRegisterEmulator(state_path=path) as emulator:
        reg = AtolWebRegister(emulator.url)
        reg.open()
        reg.open_shift("A", rid(), 5)
        request = rid()
        first = reg.register(bread(), request, 5)
        reg.close()
    with FiscalRegisterEmulator(state_path=path) as emulator:
        reg = AtolWebRegister(emulator.url)
        reg.open()
        assert reg.shift_state(2).state == "opened"
        assert reg.outcome(request, 2) == first
        assert reg.register(bread(), rid(), 5).fd == first.fd + 1
        reg.close()


def test_health_reports_unsent_documents_and_fn_expiry(opened, fiscal_emulator):
    fiscal_emulator.control({"unsent_since_hours": 30, "fn_valid_until": "2099-01-31"})
    opened.register(bread(), rid(), 5)
    health = opened.health(3)
    assert health.unsent_count == 2 and health.unsent_oldest
    assert health.fn_valid_until == "2099-01-31" and "ofdTimeout" in health.fn_warnings
    assert health.shift.state == "opened" and health.paper
    fiscal_emulator.control({"ofd_online": True})
    assert opened.health(3).unsent_count == 0


def test_the_control_endpoint_speaks_http(fiscal_emulator, register):
    http = urllib3.PoolManager()
    answer = http.request(
        "POST", fiscal_emulator.url + "/emulator/control", body=json.dumps({"paper": False})
    )
    assert answer.status == 200 and answer.json()["register"]["paper"] is False
    bad = http.request("POST", fiscal_emulator.url + "/emulator/control", body=b'{"nope": 1}')
    assert bad.status == 400
    assert http.request("GET", fiscal_emulator.url + "/emulator/state").json()["documents"] == 0


def test_malformed_requests_are_refused_by_the_server(fiscal_emulator):
    http = urllib3.PoolManager()
    url = fiscal_emulator.url + "/api/v2/requests"
    assert http.request("POST", url, body=b"{").status == 400
    assert http.request("POST", url, body=json.dumps({"uuid": "x", "request": []})).status == 400
    assert http.request("POST", url, body=json.dumps({"uuid": "x", "request": [1]})).status == 201
    results = http.request("GET", url + "/x").json()["results"]
    assert results[0]["status"] in ("wait", "inProgress", "error")


def test_an_unreachable_register_is_unavailable(closed_port):
    reg = AtolWebRegister(f"http://127.0.0.1:{closed_port}", connect_timeout=0.5)
    with pytest.raises(DeviceUnavailable):
        reg.open()


def test_the_wire_format_uses_decimal_roubles():
    task = receipt_task(bread())
    assert task["type"] == "sell" and task["total"] == 91.8
    item = task["items"][0]
    assert item["quantity"] == 2.0 and item["price"] == 45.9 and item["tax"] == {"type": "vat10"}
    assert task["payments"] == [{"type": "cash", "sum": 100.0}]


def test_the_factory_builds_it_and_checks_the_url():
    reg = build_device("fiscal", {"url": "http://127.0.0.1:16732", "taxation": "usnIncome"})
    assert isinstance(reg, AtolWebRegister) and reg.taxation == "usnIncome"
    from ukm_actors.hw.errors import DeviceError

    with pytest.raises(DeviceError, match="http://host:port"):
        build_device("fiscal", {"url": "socket://x:1"})
