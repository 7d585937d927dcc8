"""The emulators' own wire behaviour, seen through raw sockets."""

import json
import socket
import threading

import pytest

from ukm_actors.hw.bank import LineProtocolTerminal
from ukm_actors.hw.emulators import NetworkPrinterEmulator
from ukm_actors.hw.errors import DeviceError


def ask(emulator, data, size=4096):
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=2.0) as conn:
        conn.sendall(data)
        reply = b""
        while not reply.endswith((b"\n", b"\r")):
            chunk = conn.recv(size)
            if not chunk:
                break
            reply += chunk
        return reply


def test_the_bank_emulator_answers_malformed_requests_with_errors(bank_emulator):
    assert json.loads(ask(bank_emulator, b"not json\n"))["status"] == "error"
    answer = json.loads(ask(bank_emulator, b'{"id":"a","op":"pay","amount":0,"ref":"R"}\n'))
    assert answer == {
        "v": 1,
        "id": "a",
        "status": "error",
        "message": "amount must be a positive integer of kopecks",
    }
    answer = json.loads(ask(bank_emulator, b'{"id":"b","op":"teleport"}\n'))
    assert answer["message"] == "unknown op 'teleport'"
    assert bank_emulator.ledger() == []


def test_the_scales_emulator_answers_other_commands_with_its_status(scales_emulator):
    assert ask(scales_emulator, b"Z") == b"\x02?\x50\r"  # always-1 bit + centre of zero
    scales_emulator.set_weight(1500)
    assert ask(scales_emulator, b"W") == b"\x0201.500\r"


def test_the_printer_emulator_refuses_an_unknown_paper_state():
    with pytest.raises(ValueError, match="paper must be one of"):
        NetworkPrinterEmulator(paper="jammed")


class OneShotTerminal:
    """A terminal that answers the first request with garbage, then with ``fields``."""

    def __init__(self, **fields):
        self.fields = fields
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def serve(self):
        conn, _ = self.listener.accept()
        with conn:
            request = json.loads(conn.makefile("rb").readline())
            answer = {"v": 1, "id": request["id"], **self.fields}
            conn.sendall(b"\xff garbage\r\n[1, 2]\n" + json.dumps(answer).encode() + b"\r\n")
            conn.recv(1024)

    def close(self):
        self.listener.close()
        self.thread.join(timeout=2.0)


def test_the_driver_skips_garbage_and_reports_a_terminal_error():
    terminal_side = OneShotTerminal(status="error", message="amount is required")
    terminal = LineProtocolTerminal(f"socket://127.0.0.1:{terminal_side.port}")
    try:
        terminal.open()
        with pytest.raises(DeviceError, match="answered the payment .* with 'error'"):
            terminal.pay(100, "R-1", timeout=2.0)
        assert terminal.status()["garbage_lines"] == 2
    finally:
        terminal.close()
        terminal_side.close()
