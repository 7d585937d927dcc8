"""Documents: spooled bodies, streamed reading, file verification, byte ranges."""

import pytest

from ukm_actors.bridge.documents import (
    Document,
    DocumentError,
    parse_document,
    read_document_file,
    split_documents,
)
from ukm_actors.bridge.serving import FileView, Unsatisfiable, parse_range, stream


def doc(seq=1, body=b'{"a": 1}\n{"b": 2}\n', doc_type="test.row"):
    return Document.make(doc_type, body, channel="server>till-17-1", seq=seq)


def test_a_spooled_document_streams_its_body_from_the_file(tmp_path):
    d = doc(body=b"line one\nline two\nlast")
    path = tmp_path / "1.part"
    path.write_bytes(d.render())
    spooled = read_document_file(path)
    assert spooled.path == path and spooled.size == len(d.body)
    assert list(spooled.lines()) == [b"line one\n", b"line two\n", b"last"]
    with spooled.open() as f:
        assert f.read(4) == b"line"
    assert spooled.body == d.body and spooled == d


def test_a_cut_or_padded_file_is_refused_with_the_reason(tmp_path):
    d = doc()
    path = tmp_path / "1.part"
    path.write_bytes(d.render()[:-3])
    with pytest.raises(DocumentError, match="cut or padded; fetch it again"):
        read_document_file(path)
    path.write_bytes(d.render() + b"xx")
    with pytest.raises(DocumentError, match="cut or padded"):
        read_document_file(path)


def test_a_flipped_byte_fails_the_checksum(tmp_path):
    raw = bytearray(doc().render())
    raw[-2] ^= 0x01
    path = tmp_path / "1.part"
    path.write_bytes(bytes(raw))
    with pytest.raises(DocumentError, match="fails its sha256 check"):
        read_document_file(path)
    with pytest.raises(DocumentError, match="sha256"):
        parse_document(bytes(raw))


def test_empty_bodies_are_documents_too():
    d = doc(body=b"")
    assert parse_document(d.render()) == d
    assert split_documents(d.render() + doc(2).render())[0].size == 0


def test_a_batch_splits_back_into_its_documents():
    docs = [doc(i, f"body {i}".encode()) for i in range(1, 6)]
    assert split_documents(b"".join(d.render() for d in docs)) == docs
    with pytest.raises(DocumentError, match="not a UKM transport document"):
        split_documents(b"garbage")


def test_document_needs_a_body_or_a_path():
    with pytest.raises(ValueError):
        Document(doc().header)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("bytes=0-", (0, 99)),
        ("bytes=60-", (60, 99)),
        ("bytes=10-19", (10, 19)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=5-1", None),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_range_headers(value, expected):
    assert parse_range(value, 100) == expected


@pytest.mark.parametrize("value", ["bytes=100-", "bytes=250-300", "bytes=-0"])
def test_ranges_past_the_end_are_unsatisfiable(value):
    with pytest.raises(Unsatisfiable):
        parse_range(value, 100)


def test_streaming_a_range_reads_the_body_in_chunks():
    d = doc(body=bytes(range(256)) * 40)
    view = FileView.of(d.header)
    reads = []

    def read(start, n):
        reads.append((start, n))
        return d.body[start : start + n]

    whole = b"".join(stream(view, 0, view.total - 1, read, 1000))
    assert whole == d.render()
    assert max(n for _, n in reads) == 1000
    part = b"".join(stream(view, 50, 3000, read, 1000))
    assert part == d.render()[50:3001]
    assert view.etag.startswith('"') and FileView.of(d.header).etag == view.etag
