"""Toledo 8217 scales: the reply parser, and the driver against the TCP emulator."""

import threading

import pytest

from ukm_actors.hw.errors import (
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ScalesOverload,
    ScalesUnderZero,
    ScalesUnstable,
)
from ukm_actors.hw.scales import Scales, Weight, parse_toledo_reply, status_byte


def test_a_stable_gross_weight_in_kilograms():
    assert parse_toledo_reply(b"01.234") == Weight(1234, stable=True)
    assert parse_toledo_reply(b"00.350") == Weight(350, stable=True)
    assert parse_toledo_reply(b"00.000") == Weight(0, stable=True)


def test_a_net_weight_is_marked():
    assert parse_toledo_reply(b"02.500N") == Weight(2500, stable=True, net=True)


def test_status_bytes_become_errors():
    with pytest.raises(ScalesUnstable) as err:
        parse_toledo_reply(b"?" + bytes([status_byte(motion=True)]))
    assert err.value.code == "scales.unstable"
    assert "scales report motion" in str(err.value)
    with pytest.raises(ScalesOverload):
        parse_toledo_reply(b"?" + bytes([status_byte(over=True, motion=True)]))
    with pytest.raises(ScalesUnderZero):
        parse_toledo_reply(b"?" + bytes([status_byte(under=True)]))


def test_the_parity_bit_of_a_status_byte_is_ignored():
    with pytest.raises(ScalesUnstable):
        parse_toledo_reply(b"?" + bytes([0x80 | status_byte(motion=True)]))


def test_pounds_and_foreign_answers_are_refused():
    with pytest.raises(DeviceError) as err:
        parse_toledo_reply(b"002.71")
    assert err.value.code == "scales.units"
    assert "switch the scales to kilograms" in str(err.value)
    with pytest.raises(DeviceError) as err:
        parse_toledo_reply(b"ST,GS,  1.234kg")
    assert err.value.code == "scales.protocol"
    with pytest.raises(DeviceError) as err:
        parse_toledo_reply(b"?" + bytes([status_byte()]))
    assert err.value.code == "scales.protocol"


def test_reads_the_weight_from_the_scales(scales_emulator):
    scales_emulator.set_weight(1234)
    with Scales(scales_emulator.url) as scales:
        assert scales.read_weight(timeout=1.0) == Weight(1234, stable=True)
        scales_emulator.set_weight(350)
        assert scales.read_weight(timeout=1.0).quantity == 350
        assert scales.status()["last_weight"] == 350


def test_line_noise_before_the_frame_is_skipped(scales_emulator):
    scales_emulator.set_weight(5005)
    scales_emulator.noise = b"\x00\xff\r57"
    with Scales(scales_emulator.url) as scales:
        assert scales.read_weight(timeout=1.0).quantity == 5005


def test_motion_raises_unstable(scales_emulator):
    scales_emulator.set_weight(800, stable=False)
    with Scales(scales_emulator.url) as scales, pytest.raises(ScalesUnstable):
        scales.read_weight(timeout=1.0)


def test_wait_stable_asks_again_until_the_weight_settles(scales_emulator):
    scales_emulator.set_weight(800, stable=False)

    def settle():
        scales_emulator.wait_requests(2)
        scales_emulator.set_weight(812)

    helper = threading.Thread(target=settle)
    helper.start()
    with Scales(scales_emulator.url) as scales:
        assert scales.read_weight(timeout=2.0, wait_stable=True) == Weight(812, stable=True)
    helper.join()
    assert scales_emulator.requests >= 3


def test_overload_and_under_zero(scales_emulator):
    with Scales(scales_emulator.url) as scales:
        scales_emulator.set_overload()
        with pytest.raises(ScalesOverload):
            scales.read_weight(timeout=1.0)
        scales_emulator.set_weight(0)
        scales_emulator.set_under_zero()
        with pytest.raises(ScalesUnderZero):
            scales.read_weight(timeout=1.0)


def test_silent_scales_time_out(scales_emulator):
    scales_emulator.silent = True
    with Scales(scales_emulator.url) as scales:
        with pytest.raises(DeviceTimeout) as err:
            scales.read_weight(timeout=0.2)
        assert "did not answer the weight request within 0.2 s" in str(err.value)
        assert err.value.code == "device.timeout"


def test_unreachable_scales_are_unavailable(closed_port):
    with pytest.raises(DeviceUnavailable, match=f"scales on socket://127.0.0.1:{closed_port}"):
        Scales(f"socket://127.0.0.1:{closed_port}").open()


def test_an_unknown_protocol_is_refused():
    with pytest.raises(DeviceError, match="protocol 'cas' is not supported; allowed: toledo8217"):
        Scales("loop://", protocol="cas")
