"""From settings tables to opened drivers; bad settings are named."""

import pytest

from ukm_actors.hw.bank import LineProtocolTerminal
from ukm_actors.hw.display import CustomerDisplay
from ukm_actors.hw.errors import DeviceError, DeviceUnavailable
from ukm_actors.hw.factory import build_device, open_device
from ukm_actors.hw.printer import ReceiptPrinter
from ukm_actors.hw.scales import Scales, Weight
from ukm_actors.hw.scanner import BarcodeScanner


def test_each_kind_builds_its_driver_unopened():
    assert isinstance(build_device("printer", {"kind": "dummy"}), ReceiptPrinter)
    scanner = build_device("scanner", {"url": "loop://", "suffix": "\t"})
    assert isinstance(scanner, BarcodeScanner) and scanner.suffix == b"\t"
    scales = build_device("scales", {"url": "loop://", "parity": "N", "bytesize": 8})
    assert isinstance(scales, Scales) and scales.link.parity == "N"
    display = build_device("display", {"url": "loop://", "code_table": 17})
    assert isinstance(display, CustomerDisplay) and display.code_table == 17
    bank = build_device("bank", {"url": "loop://", "baudrate": 115200})
    assert isinstance(bank, LineProtocolTerminal) and bank.link.baudrate == 115200
    assert not any(d.status()["open"] for d in (scanner, scales, display, bank))


def test_open_device_opens_it(scales_emulator):
    scales_emulator.set_weight(250)
    scales = open_device("scales", {"url": scales_emulator.url})
    try:
        assert scales.read_weight(timeout=1.0) == Weight(250, stable=True)
    finally:
        scales.close()
    display = open_device("display", {"url": "loop://"})
    assert display.status()["open"]
    display.close()


def test_open_device_on_a_missing_port_is_unavailable():
    with pytest.raises(DeviceUnavailable, match="scanner on /dev/ttyNOSUCH3"):
        open_device("scanner", {"url": "/dev/ttyNOSUCH3"})


@pytest.mark.parametrize(
    ("kind", "settings", "message"),
    [
        ("drawer", {}, "device kind 'drawer' is not known; allowed: printer, scanner, scales"),
        ("scanner", {}, "scanner settings need 'url'"),
        ("scanner", {"url": "loop://", "baud": 9600}, "unknown keys ['baud']; allowed: "),
        ("scales", {"url": "loop://", "baudrate": "9600"}, "'baudrate' must be int, not '9600'"),
        ("scales", {"url": "loop://", "baudrate": True}, "'baudrate' must be int, not True"),
        ("scales", {"url": "loop://", "parity": "X"}, "'parity' is 'X'; allowed: N, E, O"),
        ("scales", {"url": "loop://", "protocol": "cas"}, "allowed: toledo8217"),
        (
            "bank",
            {"url": "loop://", "protocol": "sber"},
            "'protocol' is 'sber'; allowed: jsonlines",
        ),
        ("display", {"url": 5}, "display setting 'url' must be str, not 5"),
        ("scanner", {"url": "loop://", "suffix": "№"}, "'suffix' must be ASCII"),
        ("printer", {"kind": "cups"}, "allowed: dummy, network, serial, usb, file"),
    ],
)
def test_bad_settings_name_the_setting_and_the_allowed_values(kind, settings, message):
    with pytest.raises(DeviceError) as err:
        build_device(kind, settings)
    assert message in str(err.value)
    assert err.value.code == "device.config"
