"""The receipt printer through python-escpos: Dummy, a real TCP printer, files, errors."""

import pytest

from tests.hw.samples import sale
from ukm_actors.hw.errors import DeviceError, DeviceUnavailable
from ukm_actors.hw.printer import PrinterConfig, ReceiptPrinter

CUT_PART = b"\x1dV\x01"
QR_STORE = b"\x1d(k"
CODE128 = b"\x1dkI"
DRAWER_PIN2 = b"\x1bp\x00\x32\x32"
DRAWER_PIN5 = b"\x1bp\x01\x32\x32"


@pytest.fixture
def dummy():
    with ReceiptPrinter({"kind": "dummy"}) as printer:
        yield printer


def test_a_receipt_on_the_dummy_has_its_lines_qr_and_cut(dummy):
    dummy.print_receipt(sale())
    out = dummy.output
    assert out.startswith(b"\x1b@")
    assert "ИТОГО                               206.97".encode("cp866") in out
    assert "Молоко 3.2% 1л".encode("cp866") in out
    assert b"\x1bE\x01" in out  # bold on for the total
    assert b"\x1ba\x01" in out  # centred header
    assert QR_STORE + b"\x1b\x001P0t=20240312T1405&s=206.97" in out
    assert out.endswith(CUT_PART)
    assert dummy.printed == 1


def test_a_code128_receipt_barcode(dummy):
    dummy.print_receipt(sale(code="0012-0003-0015-0042", code_symbology="code128"))
    out = dummy.output
    code = b"{B0012-0003-0015-0042"
    assert CODE128 + bytes([len(code)]) + code in out
    assert QR_STORE not in out


def test_a_code128_that_is_not_ascii_sends_nothing(dummy):
    with pytest.raises(DeviceError) as err:
        dummy.print_receipt(sale(code="чек 42", code_symbology="code128"))
    assert err.value.code == "printer.code"
    assert dummy.output == b""


def test_the_drawer_kick_is_esc_p_on_the_configured_pin(dummy):
    dummy.kick_drawer()
    assert dummy.output == DRAWER_PIN2
    with ReceiptPrinter(PrinterConfig(kind="dummy", drawer_pin=5)) as p5:
        p5.kick_drawer()
        assert p5.output == DRAWER_PIN5


def test_a_forced_codepage_is_selected_once_after_init():
    with ReceiptPrinter({"kind": "dummy", "codepage": "CP866"}) as printer:
        printer.print_receipt(sale())
        assert printer.output.startswith(b"\x1b@\x1bt\x11")


def test_a_dummy_is_online_while_open(dummy):
    assert dummy.is_online()
    assert dummy.status()["online"] is True
    dummy.close()
    assert not dummy.is_online()


def test_printing_on_a_closed_printer_is_unavailable():
    printer = ReceiptPrinter({"kind": "dummy"})
    with pytest.raises(DeviceUnavailable, match="printer on memory is not open"):
        printer.print_receipt(sale())


def test_a_network_printer_receives_the_receipt(printer_emulator):
    config = {"kind": "network", "host": "127.0.0.1", "port": printer_emulator.port, "timeout": 2.0}
    with ReceiptPrinter(config) as printer:
        printer.print_receipt(sale())
        printer.kick_drawer()
        assert printer_emulator.wait_for(DRAWER_PIN2)
    received = printer_emulator.received()
    assert "СДАЧА                                93.03".encode("cp866") in received
    assert CUT_PART + DRAWER_PIN2 in received


def test_a_network_printer_reports_online_and_paper(printer_emulator):
    config = {"kind": "network", "host": "127.0.0.1", "port": printer_emulator.port}
    with ReceiptPrinter(config) as printer:
        assert printer.is_online(timeout=1.0)
        printer_emulator.paper = "near-end"
        assert printer.paper(timeout=1.0) == "near-end"
        printer_emulator.online = False
        status = printer.status(timeout=1.0)
        assert status["online"] is False and status["open"] is True


def test_a_silent_network_printer_counts_as_offline(printer_emulator):
    printer_emulator.answers_status = False
    config = {"kind": "network", "host": "127.0.0.1", "port": printer_emulator.port}
    with ReceiptPrinter(config) as printer:
        assert not printer.is_online(timeout=0.1)
        assert printer.is_open


def test_a_network_printer_on_a_closed_port_is_unavailable(closed_port):
    config = {"kind": "network", "host": "127.0.0.1", "port": closed_port, "timeout": 0.5}
    printer = ReceiptPrinter(config)
    with pytest.raises(DeviceUnavailable) as err:
        printer.open()
    assert f"printer on 127.0.0.1:{closed_port} cannot be reached" in str(err.value)
    assert "check the cable" in str(err.value)
    assert not printer.is_open


def test_a_file_printer_writes_the_bytes(tmp_path):
    path = tmp_path / "lp0"
    with ReceiptPrinter({"kind": "file", "path": str(path)}) as printer:
        printer.print_receipt(sale())
    assert path.read_bytes().endswith(CUT_PART)


def test_a_file_printer_in_a_missing_folder_is_unavailable(tmp_path):
    printer = ReceiptPrinter({"kind": "file", "path": str(tmp_path / "no" / "lp0")})
    with pytest.raises(DeviceUnavailable, match="cannot be reached"):
        printer.open()


def test_a_missing_serial_printer_is_unavailable():
    printer = ReceiptPrinter({"kind": "serial", "device": "/dev/ttyNOSUCH7"})
    with pytest.raises(DeviceUnavailable, match="printer on /dev/ttyNOSUCH7 cannot be reached"):
        printer.open()


def test_a_serial_printer_behind_a_serial_to_ethernet_converter(printer_emulator):
    """A serial printer's ``url`` takes what pyserial's serial_for_url takes, as every other
    serial device's does: here a converter's TCP port (socket://)."""
    url = f"socket://127.0.0.1:{printer_emulator.port}"
    with ReceiptPrinter({"kind": "serial", "url": url, "timeout": 2.0}) as printer:
        assert printer.name == f"printer on {url}"
        printer.print_receipt(sale())
        printer.kick_drawer()
        assert printer_emulator.wait_for(DRAWER_PIN2)
        printer_emulator.paper = "near-end"
        assert printer.paper(timeout=1.0) == "near-end"
    change = "СДАЧА                                93.03".encode("cp866")
    assert change in printer_emulator.received()


def test_a_serial_printer_in_a_till_table_names_its_port_url():
    """In ``[till.devices.<name>]`` ``device`` says what the table is (printer), so a serial
    printer's port is ``url`` there; a table with neither is refused naming ``url``."""
    from ukm_actors.hw.devconfig import parse_devices

    [config] = parse_devices(
        {"receipts": {"device": "printer", "kind": "serial", "url": "/dev/ttyUSB0"}}
    )
    assert config.kind == "printer" and config.settings["url"] == "/dev/ttyUSB0"
    with pytest.raises(Exception, match="'url'"):
        parse_devices({"printer": {"kind": "serial"}})


def test_a_usb_printer_without_pyusb_is_unavailable():
    from escpos.printer import Usb

    if Usb.is_usable():
        pytest.skip("pyusb is installed here")
    printer = ReceiptPrinter({"kind": "usb", "usb_vendor": 0x04B8, "usb_product": 0x0202})
    with pytest.raises(DeviceUnavailable, match="needs the pyusb package"):
        printer.open()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"kind": "laser"}, "'kind' is 'laser'; allowed: dummy, network, serial, usb, file"),
        ({"kind": "network"}, "a network printer needs 'host'"),
        ({"kind": "usb"}, "needs 'usb_vendor' and 'usb_product'"),
        ({"kind": "dummy", "port": "9100"}, "'port' must be int, not '9100'"),
        ({"kind": "dummy", "widht_chars": 48}, "unknown keys ['widht_chars']"),
        ({"kind": "dummy", "drawer_pin": 3}, "'drawer_pin' is 3; allowed: 2, 5"),
        ({"kind": "dummy", "width_chars": 10}, "width_chars must be at least 20"),
    ],
)
def test_bad_printer_settings_are_named(settings, message):
    with pytest.raises(DeviceError) as err:
        ReceiptPrinter(settings)
    assert message in str(err.value)
    assert err.value.code == "device.config"


def test_timeout_accepts_an_integer():
    assert PrinterConfig.from_mapping({"kind": "dummy", "timeout": 3}).timeout == 3.0
