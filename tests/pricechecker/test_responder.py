"""The TCP side: devices connect, ask, get answers; bad input never hurts the server."""

import socket

import pytest

from tests.nodes.helpers import get_json, start_node
from tests.pricechecker.conftest import Device, http_ask
from ukm_actors.codecs.pricechecker import ProtocolSettings, get_protocol
from ukm_actors.config.loader import ConfigError
from ukm_actors.nodes.pricechecker.responder.gate import ConnectionLimits
from ukm_actors.nodes.pricechecker.responder.server import PriceResponder
from ukm_actors.nodes.pricechecker.responder.tills import TillPicker

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def responder(local_tills):
    picker = TillPicker(http_ask, deadline=0.3, dead_for=5.0)
    picker.set_tills([t.ref for t in local_tills])
    bound = {}
    ref = PriceResponder.start(
        "127.0.0.1",
        0,
        get_protocol("line"),
        ProtocolSettings(max_line=32),
        picker,
        ConnectionLimits(idle_timeout=0.5, first_byte_timeout=0.5, max_connections=50),
        on_bound=lambda host, port: bound.update(address=f"tcp://{host}:{port}"),
    )
    yield bound["address"], local_tills
    ref.stop()


def test_a_device_gets_name_and_price_then_not_found(responder):
    address, _ = responder
    d = Device(address)
    assert d.ask("4600000000017") == ["Молоко 3,2% 1 л", "89.90"]
    assert d.ask("2000000000015") == ["Хлеб", "45.00"]
    assert d.ask("999") == ["NOT FOUND 999"]
    d.close()


def test_one_till_stopped_the_next_request_is_answered_by_the_other(responder):
    address, tills = responder
    d = Device(address)
    assert d.ask("2000000000015") == ["Хлеб", "45.00"]
    tills[1].stop()
    for _ in range(3):
        assert d.ask("2000000000015") == ["Хлеб", "45.00"]
    tills[0].stop()
    assert d.ask("2000000000015") == ["price check unavailable: no till is running"]
    d.close()


def test_garbage_gets_an_error_line_and_the_connection_closed(responder):
    address, _ = responder
    d = Device(address)
    d.send(b"\x00\xff\xfe garbage\r\n")
    assert d.read_lines(1) == ["ERROR not a barcode: only printable ASCII is accepted"]
    assert d.closed()
    d2 = Device(address)
    d2.send(b"1" * 5000)
    assert d2.read_lines(1) == ["ERROR line too long (more than 32 bytes)"]
    assert d2.closed()
    d3 = Device(address)  # the server goes on serving
    assert d3.ask("2000000000015") == ["Хлеб", "45.00"]
    d3.close()


def test_an_idle_connection_is_closed_and_a_vanished_device_is_no_harm(responder):
    address, _ = responder
    d = Device(address)
    d.send(b"46000")  # never finishes the line
    assert d.closed()
    gone = Device(address)
    gone.send(b"4600000000017\r\n" * 50)
    gone.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    gone.close()  # RST while answers are being written
    ok = Device(address)
    assert ok.ask("4600000000017") == ["Молоко 3,2% 1 л", "89.90"]
    ok.close()


def test_the_node_publishes_its_tcp_address_and_answers_unavailable_without_tills(tmp_path):
    node = start_node(
        "pricechecker",
        tmp_path,
        node={"ready_file": "ready.json"},
        pricechecker={"store": "17", "tills_refresh": 60},
    )
    try:
        info = node.ready_info()
        assert info["tcp"].startswith("tcp://127.0.0.1:")
        assert '"tcp"' in (tmp_path / "pricechecker" / "ready.json").read_text()
        d = Device(info["tcp"])
        assert d.ask("4600000000017") == ["price check unavailable: no till is running"]
        d.close()
        _, st = get_json(node.ctx.url + "/status")
        pc = st["pricechecker"]
        assert pc["server"]["address"] == info["tcp"] and pc["server"]["requests"] == 1
        assert pc["directory"]["error"]
    finally:
        node.stop()


def test_an_unknown_protocol_or_encoding_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="unknown price-checker protocol 'acme'"):
        start_node("pricechecker", tmp_path, pricechecker={"protocol": "acme"})
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        start_node("pricechecker", tmp_path, pricechecker={"encoding": "klingon"})


def test_a_port_in_use_is_a_clear_start_error(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        with pytest.raises(OSError):
            PriceResponder.start(
                "127.0.0.1",
                busy.getsockname()[1],
                get_protocol("line"),
                ProtocolSettings(),
                TillPicker(http_ask, 0.1, 1.0),
                ConnectionLimits(max_connections=5, max_per_address=5),
            )
    finally:
        busy.close()


def test_the_json_protocol_over_tcp(local_tills):
    import json

    picker = TillPicker(http_ask, deadline=0.3, dead_for=5.0)
    picker.set_tills([t.ref for t in local_tills])
    bound = {}
    ref = PriceResponder.start(
        "127.0.0.1",
        0,
        get_protocol("json"),
        ProtocolSettings(),
        picker,
        ConnectionLimits(idle_timeout=1.0, max_connections=5, max_per_address=5),
        on_bound=lambda host, port: bound.update(port=port),
    )
    try:
        sock = socket.create_connection(("127.0.0.1", bound["port"]), timeout=5)
        f = sock.makefile("rb")
        sock.sendall(b'{"barcode": "2000000000015"}\n{"barcode": "1"}\nnot json\n')
        assert json.loads(f.readline()) == {
            "status": "found",
            "barcode": "2000000000015",
            "name": "Хлеб",
            "price": "45.00",
            "kopecks": 4500,
        }
        assert json.loads(f.readline()) == {"status": "not_found", "barcode": "1"}
        assert json.loads(f.readline()) == {"status": "error", "message": "not a JSON object"}
        assert f.readline() == b""
        sock.close()
    finally:
        ref.stop()
