"""The barcode scanner driver on pyserial loop:// and on a real local TCP scanner."""

import pytest

from ukm_actors.hw.errors import DeviceUnavailable
from ukm_actors.hw.scanner import BarcodeScanner


@pytest.fixture
def scanner():
    with BarcodeScanner("loop://") as s:
        yield s


def test_one_scan_terminated_by_cr(scanner):
    scanner.link.write(b"4600000000000\r")
    assert scanner.read_barcode(timeout=1.0) == "4600000000000"
    assert scanner.status()["scans"] == 1


def test_lf_and_crlf_terminate_and_empty_lines_are_skipped(scanner):
    scanner.link.write(b"\r\n\r\n 4607001 \r\n4607002\n\n")
    assert scanner.read_barcode(timeout=1.0) == "4607001"
    assert scanner.read_barcode(timeout=1.0) == "4607002"
    assert scanner.read_barcode(timeout=0.05) is None


def test_no_scan_within_timeout_is_none(scanner):
    assert scanner.read_barcode(timeout=0.05) is None


def test_a_partial_scan_waits_for_its_terminator(scanner):
    scanner.link.write(b"46070")
    assert scanner.read_barcode(timeout=0.05) is None
    scanner.link.write(b"01\r")
    assert scanner.read_barcode(timeout=1.0) == "4607001"


def test_binary_garbage_is_skipped_and_counted(scanner):
    scanner.link.write(b"\xff\x00\xfe\r4607001\r")
    assert scanner.read_barcode(timeout=1.0) == "4607001"
    assert scanner.status()["rejected_binary"] == 1


def test_overlong_lines_are_dropped_and_counted(scanner):
    scanner.link.write(b"9" * 129 + b"\r" + b"1" * 128 + b"\r")
    assert scanner.read_barcode(timeout=1.0) == "1" * 128
    assert scanner.rejected_overlong == 1


def test_an_overlong_line_arriving_in_pieces_is_dropped_whole(scanner):
    scanner.link.write(b"9" * 100)
    assert scanner.read_barcode(timeout=0.05) is None
    scanner.link.write(b"9" * 100 + b"\r4607001\r")
    assert scanner.read_barcode(timeout=1.0) == "4607001"
    assert scanner.rejected_overlong == 1


def test_gs1_group_separator_is_kept_for_marked_goods(scanner):
    datamatrix = b"0104600000000000215abcDEF\x1d93Ab12"
    scanner.link.write(datamatrix + b"\r")
    assert scanner.read_barcode(timeout=1.0) == datamatrix.decode("ascii")


def test_a_custom_suffix_terminates_too():
    with BarcodeScanner("loop://", suffix=b"\t") as s:
        s.link.write(b"123\t456\r")
        assert s.read_barcode(timeout=1.0) == "123"
        assert s.read_barcode(timeout=1.0) == "456"


def test_reading_a_closed_scanner_is_unavailable():
    s = BarcodeScanner("loop://")
    with pytest.raises(DeviceUnavailable, match="scanner on loop:// is not open"):
        s.read_barcode(timeout=0.01)


def test_a_missing_port_is_unavailable():
    s = BarcodeScanner("/dev/ttyNOSUCH9")
    with pytest.raises(DeviceUnavailable, match="scanner on /dev/ttyNOSUCH9 cannot be opened"):
        s.open()


def test_scans_from_a_tcp_scanner(scanner_emulator):
    with BarcodeScanner(scanner_emulator.url) as s:
        assert scanner_emulator.wait_clients(1)
        scanner_emulator.scan("4600000000000")
        scanner_emulator.send_raw(b"46070")
        assert s.read_barcode(timeout=1.0) == "4600000000000"
        scanner_emulator.send_raw(b"01\r\n")
        assert s.read_barcode(timeout=1.0) == "4607001"


def test_a_scanner_that_goes_away_is_unavailable(scanner_emulator):
    s = BarcodeScanner(scanner_emulator.url)
    s.open()
    assert scanner_emulator.wait_clients(1)
    scanner_emulator.stop()
    with pytest.raises(DeviceUnavailable, match="stopped answering"):
        s.read_barcode(timeout=1.0)
    assert not s.link.is_open
