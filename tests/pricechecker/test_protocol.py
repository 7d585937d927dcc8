"""The price-checker wire protocols (pure)."""

import json

import pytest

from ukm_actors.codecs.pricechecker import (
    UNAVAILABLE,
    Answer,
    BadInput,
    ProtocolSettings,
    Request,
    UnknownProtocol,
    get_protocol,
    protocol_names,
    register_protocol,
)


def line(**kw):
    return get_protocol("line")(ProtocolSettings(**kw))


def test_a_barcode_line_is_a_request_whatever_the_line_end():
    p = line()
    assert p.feed(b"4600000000017\r\n") == [Request("4600000000017")]
    assert p.feed(b"123\n456\r789\r\n") == [Request("123"), Request("456"), Request("789")]


def test_a_line_split_across_reads_and_a_crlf_split_in_two():
    p = line()
    assert p.feed(b"46000") == []
    assert p.feed(b"00000017\r") == [Request("4600000000017")]
    assert p.feed(b"\n") == []
    assert p.feed(b"\r\n\r\n  ABC-123  \r\n") == [Request("ABC-123")]


def test_an_overlong_line_is_refused_before_its_end_arrives():
    p = line(max_line=16)
    assert p.feed(b"1234567890123456") == []
    events = p.feed(b"7")
    assert events == [BadInput("line too long (more than 16 bytes)")]


def test_a_request_before_garbage_in_one_read_is_still_answered():
    p = line()
    assert p.feed(b"123\r\n\xff\xfe\r\n") == [
        Request("123"),
        BadInput("not a barcode: only printable ASCII is accepted"),
    ]


@pytest.mark.parametrize("garbage", [b"\x00\x01\x02\r\n", b"12 34\r\n", "штрихкод\r\n".encode()])
def test_garbage_is_bad_input(garbage):
    assert isinstance(line().feed(garbage)[0], BadInput)


def test_answers_are_lines_in_the_configured_encoding():
    p = line()
    assert p.encode(Answer.found("1", "Молоко 3,2%", 8990)) == "Молоко 3,2%\r\n89.90\r\n".encode()
    assert p.encode(Answer.not_found("4600000000017")) == b"NOT FOUND 4600000000017\r\n"
    assert p.encode(Answer.unavailable()) == (UNAVAILABLE + "\r\n").encode()
    assert UNAVAILABLE == "price check unavailable: no till is running"
    assert p.encode(Answer.error("line too long")) == b"ERROR line too long\r\n"
    cp866 = line(encoding="cp866", display_width=6)
    assert cp866.encode(Answer.found("1", "Молоко\r\nжирное", 5)) == "Молоко\r\n0.05\r\n".encode(
        "cp866"
    )
    assert line(encoding="ascii").encode(Answer.found("1", "Сыр", 100)) == b"???\r\n1.00\r\n"


def test_the_json_protocol():
    p = get_protocol("json")(ProtocolSettings())
    assert p.feed(b'{"barcode": "123"}\n') == [Request("123")]
    assert isinstance(p.feed(b"[1, 2]\n")[0], BadInput)
    body = json.loads(p.encode(Answer.found("123", "Хлеб", 4500)))
    assert body == {
        "status": "found",
        "barcode": "123",
        "name": "Хлеб",
        "price": "45.00",
        "kopecks": 4500,
    }
    assert json.loads(p.encode(Answer.unavailable()))["status"] == "unavailable"


def test_protocols_are_registered_by_name():
    assert {"line", "json"} <= set(protocol_names())
    with pytest.raises(UnknownProtocol, match="known: .*line"):
        get_protocol("metrologic")
    with pytest.raises(ValueError, match="already registered"):
        register_protocol("line", lambda s: line())
