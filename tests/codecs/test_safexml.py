"""Safe parsing: no DTDs or entities, UTF-8 only, size limits, syntax errors with lines."""

import io

import pytest

from ukm_actors.codecs.safexml import (
    XmlFormatError,
    check_prolog,
    open_limited,
    parse_bytes,
    safe_iterparse,
    safe_parser,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE updateItems [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<updateItems fullness="F"><version>1.5</version><item><name>&xxe;</name></item></updateItems>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE classif SYSTEM "http://example.invalid/classif.dtd">
<classif fullness="F"/>
"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_any_doctype_is_refused_before_parsing(doc):
    with pytest.raises(XmlFormatError, match="DOCTYPE") as err:
        parse_bytes(doc, max_bytes=10_000)
    assert err.value.line == 2
    with pytest.raises(XmlFormatError, match="DOCTYPE"):
        list(safe_iterparse(io.BytesIO(doc)))


def test_doctype_after_comments_and_lowercase_is_still_found():
    doc = b"<?xml version='1.0'?>\n<!-- hi -->\n<?pi x?>\n<!doctype a>\n<a/>"
    with pytest.raises(XmlFormatError, match="DOCTYPE") as err:
        check_prolog(doc)
    assert err.value.line == 4


def test_parser_itself_resolves_nothing_even_without_the_prolog_check():
    """Second line of defence: the parser options alone keep entities unexpanded."""
    from lxml import etree

    root = etree.fromstring(EXTERNAL_ENTITY, safe_parser())
    name = root.find("item/name")
    assert "root:" not in etree.tostring(name, encoding="unicode")
    lolz = etree.fromstring(BILLION_LAUGHS, safe_parser())
    assert len(etree.tostring(lolz)) < 200
    with pytest.raises(XmlFormatError, match="malformed"):
        parse_bytes(b"<a>&undeclared;</a>", max_bytes=100)


def test_utf8_with_and_without_bom():
    for prefix in (b"", b"\xef\xbb\xbf"):
        doc = prefix + '<?xml version="1.0" encoding="utf-8"?><a>Кефир</a>'.encode()
        root = parse_bytes(doc, max_bytes=100)
        assert root.text == "Кефир"
        events = list(safe_iterparse(io.BytesIO(prefix + "<a>Сыр</a>".encode())))
        assert events[-1][1].text == "Сыр"


def test_declared_other_encoding_is_refused():
    with pytest.raises(XmlFormatError, match="windows-1251.*UTF-8"):
        parse_bytes(b'<?xml version="1.0" encoding="windows-1251"?><a/>', max_bytes=100)


def test_utf16_is_refused():
    with pytest.raises(XmlFormatError, match="UTF-16"):
        parse_bytes("\ufeff<a/>".encode("utf-16-le"), max_bytes=100)


def test_not_xml_at_all():
    with pytest.raises(XmlFormatError, match="does not look like XML"):
        parse_bytes(b"\x1f\x8b\x08\x00gzip", max_bytes=100)
    with pytest.raises(XmlFormatError, match="no root element"):
        parse_bytes(b"  \n ", max_bytes=100)


def test_size_limit_checked_before_parsing_from_a_seekable_file():
    with pytest.raises(XmlFormatError, match="above the limit of 10 bytes"):
        open_limited(io.BytesIO(b"<a>" + b"x" * 100 + b"</a>"), max_bytes=10)


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, b):
        chunk = self._data.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)


def test_size_limit_enforced_while_reading_a_stream():
    doc = b"<a>" + b"<b>x</b>" * 20_000 + b"</a>"
    with pytest.raises(XmlFormatError, match="larger than the limit"):
        list(safe_iterparse(io.BufferedReader(_Unseekable(doc)), max_bytes=100_000))
    assert len(list(safe_iterparse(io.BufferedReader(_Unseekable(doc)), max_bytes=len(doc))))


def test_syntax_error_reports_its_line():
    with pytest.raises(XmlFormatError, match="malformed") as err:
        list(safe_iterparse(io.BytesIO(b"<a>\n<b>\n</a>")))
    assert err.value.line == 3
    with pytest.raises(XmlFormatError) as err:
        parse_bytes(b"<a>\n\n<b></c></a>", max_bytes=100)
    assert err.value.line == 3


def test_limited_reader_counts_bytes():
    doc = b"<a>" + b"<b/>" * 10 + b"</a>"
    reader = open_limited(io.BytesIO(doc), max_bytes=1000)
    assert reader.total == len(doc)
    list(safe_iterparse(reader))
    assert reader.bytes_read == len(doc)


def test_tag_filter():
    doc = b"<a><b/><c/><b/></a>"
    assert [el.tag for _, el in safe_iterparse(io.BytesIO(doc), tag="b")] == ["b", "b"]


def test_iterparse_from_a_path_checks_the_size_first(tmp_path):
    path = tmp_path / "a.xml"
    path.write_bytes(b"<a><b/><b/></a>")
    assert [el.tag for _, el in safe_iterparse(path, tag="b")] == ["b", "b"]
    with pytest.raises(XmlFormatError, match="above the limit of 5 bytes"):
        next(safe_iterparse(str(path), max_bytes=5))
