"""Transport documents: one text file each, a header and a body.

::

    UKM-DOC/1
    type: catalog.delta
    version: 1
    channel: server>till-17-1
    seq: 42
    created: 2026-12-01T08:00:00Z
    length: 12345
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

    <body: exactly `length` bytes, whose SHA-256 is `sha256`>

The header is ASCII, one ``key: value`` per line, ended by an empty line.
The body is the codec of its type (JSON, or JSON lines for catalogs).
Receivers check length and checksum before applying anything.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from ukm_actors.errors import UkmError

MAGIC = b"UKM-DOC/1\n"
HEADER_FIELDS = ("type", "version", "channel", "seq", "created", "length", "sha256")
MAX_HEADER = 4096


class DocumentError(UkmError):
    """A transport document that is malformed or does not match its checksum."""

    code = "bridge.document"


def channel_name(sender: str, receiver: str) -> str:
    """The channel from ``sender`` to ``receiver``: ``"server>till-17-1"``."""
    for part in (sender, receiver):
        if not part or ">" in part or any(c.isspace() for c in part):
            raise DocumentError(f"bad node id {part!r} in a channel name")
    return f"{sender}>{receiver}"


def split_channel(channel: str) -> tuple[str, str]:
    sender, sep, receiver = channel.partition(">")
    if not sep or not sender or not receiver:
        raise DocumentError(f"bad channel name {channel!r}; expected 'sender>receiver'")
    return sender, receiver


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now_iso(seconds_ago: float = 0.0) -> str:
    """Now (or ``seconds_ago`` before now) in UTC as the bridge's rows keep times:
    ``2024-03-15T09:31:07.123456Z``, so that texts compare in time order."""
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class DocumentHeader:
    """Everything about a document except its body."""

    type: str
    version: int
    channel: str
    seq: int
    created: str
    length: int
    sha256: str

    def render(self) -> bytes:
        lines = [
            f"type: {self.type}",
            f"version: {self.version}",
            f"channel: {self.channel}",
            f"seq: {self.seq}",
            f"created: {self.created}",
            f"length: {self.length}",
            f"sha256: {self.sha256}",
        ]
        return MAGIC + ("\n".join(lines) + "\n\n").encode("ascii")

    @property
    def sender(self) -> str:
        return split_channel(self.channel)[0]

    @property
    def receiver(self) -> str:
        return split_channel(self.channel)[1]


class Document:
    """A header and its body.

    The body is either held in memory (``Document(header, body)``) or lies in
    a file (``Document.spooled(header, path, offset)``: a till's verified
    download). ``body`` always gives the bytes (read from the file on first
    use); ``open()`` and ``lines()`` stream it without loading it, which is
    what appliers of large documents (a 50 MB catalog) should use.
    """

    __slots__ = ("_body", "_offset", "_path", "header")

    def __init__(
        self,
        header: DocumentHeader,
        body: bytes | None = None,
        *,
        path: Path | None = None,
        offset: int = 0,
    ) -> None:
        if (body is None) == (path is None):
            raise ValueError("a Document needs exactly one of body= or path=")
        self.header = header
        self._body = body
        self._path = path
        self._offset = offset

    @classmethod
    def make(
        cls,
        doc_type: str,
        body: bytes,
        *,
        channel: str,
        seq: int,
        version: int = 1,
        created: str | None = None,
    ) -> Document:
        return cls(
            DocumentHeader(
                type=doc_type,
                version=version,
                channel=channel,
                seq=seq,
                created=created or utc_now_iso(),
                length=len(body),
                sha256=sha256_hex(body),
            ),
            body,
        )

    @classmethod
    def spooled(cls, header: DocumentHeader, path: Path, offset: int) -> Document:
        """A document whose body is ``header.length`` bytes of ``path`` from ``offset``."""
        return cls(header, path=path, offset=offset)

    @property
    def type(self) -> str:
        return self.header.type

    @property
    def seq(self) -> int:
        return self.header.seq

    @property
    def channel(self) -> str:
        return self.header.channel

    @property
    def size(self) -> int:
        """Length of the body in bytes (without reading it)."""
        return self.header.length

    @property
    def path(self) -> Path | None:
        """The file holding the body, for a spooled document."""
        return self._path

    @property
    def body(self) -> bytes:
        """The whole body in memory (read from the spool file on first use)."""
        if self._body is None:
            with self.open() as f:
                self._body = f.read()
        return self._body

    def open(self) -> BinaryIO:
        """The body as a binary file object, positioned at its first byte."""
        if self._body is not None:
            return io.BytesIO(self._body)
        assert self._path is not None
        raw = _Section(self._path, self._offset, self.header.length)
        return io.BufferedReader(raw, buffer_size=256 * 1024)

    def lines(self) -> Iterator[bytes]:
        """The body's lines (each with its ``\\n``), streamed (for JSON-lines bodies)."""
        with self.open() as f:
            yield from f

    def render(self) -> bytes:
        """The whole file: header then body."""
        return self.header.render() + self.body

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return self.header == other.header and self.body == other.body

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = f"path={self._path}" if self._path is not None else f"{self.size} bytes"
        return f"Document({self.channel}#{self.seq} {self.type}, {where})"


class _Section(io.RawIOBase):
    """``length`` bytes of a file from ``offset``, as a read-only raw stream."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        super().__init__()
        self._f = path.open("rb")
        self._f.seek(offset)
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        n = self._f.readinto(view)
        self._left -= n
        return n

    def close(self) -> None:
        self._f.close()
        super().close()


def parse_header(data: bytes) -> tuple[DocumentHeader, int]:
    """Parse the header at the start of ``data``; returns it and the body's offset."""
    if not data.startswith(MAGIC):
        raise DocumentError("not a UKM transport document (it does not start with UKM-DOC/1)")
    end = data.find(b"\n\n", len(MAGIC) - 1)
    if end < 0:
        if len(data) > MAX_HEADER:
            raise DocumentError(f"document header longer than {MAX_HEADER} bytes")
        raise DocumentError("document header is cut off (no empty line after it)")
    text = data[len(MAGIC) : end].decode("ascii", errors="replace")
    fields: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            raise DocumentError(f"bad header line {line!r}")
        fields[key] = value
    missing = [f for f in HEADER_FIELDS if f not in fields]
    if missing:
        raise DocumentError(f"document header lacks {', '.join(missing)}")
    try:
        header = DocumentHeader(
            type=fields["type"],
            version=int(fields["version"]),
            channel=fields["channel"],
            seq=int(fields["seq"]),
            created=fields["created"],
            length=int(fields["length"]),
            sha256=fields["sha256"],
        )
    except ValueError as exc:
        raise DocumentError(f"bad number in document header: {exc}") from exc
    split_channel(header.channel)
    if header.seq < 1 or header.length < 0:
        raise DocumentError(f"bad seq {header.seq} or length {header.length} in document header")
    return header, end + 2


def parse_document(data: bytes) -> Document:
    """Parse one whole document and verify its length and checksum."""
    header, offset = parse_header(data)
    body = data[offset:]
    verify(header, body)
    return Document(header, body)


def verify(header: DocumentHeader, body: bytes) -> None:
    """Raise ``DocumentError`` unless ``body`` matches the header's length and checksum."""
    if len(body) != header.length:
        raise DocumentError(
            f"document {header.channel}#{header.seq} is {len(body)} bytes, header says "
            f"{header.length}: the transfer was cut or padded; fetch it again"
        )
    digest = sha256_hex(body)
    if digest != header.sha256:
        raise DocumentError(
            f"document {header.channel}#{header.seq} fails its sha256 check "
            f"(got {digest[:12]}…, expected {header.sha256[:12]}…); fetch it again"
        )


def split_documents(data: bytes) -> list[Document]:
    """Parse several documents written one after another (a batch POST body)."""
    docs: list[Document] = []
    pos = 0
    while pos < len(data):
        header, offset = parse_header(data[pos : pos + MAX_HEADER])
        start = pos + offset
        body = data[start : start + header.length]
        verify(header, body)
        docs.append(Document(header, body))
        pos = start + header.length
    return docs


def read_document_file(path: Path, tick: Callable[[], None] | None = None) -> Document:
    """The document stored in ``path`` (header then body), verified while streaming.

    Raises ``DocumentError`` when the file is cut, padded or fails its
    checksum. ``tick`` is called between chunks (pass ``Cooperator().tick``
    so that hashing a 50 MB file does not freeze the node).
    """
    with path.open("rb") as f:
        header, offset = parse_header(f.read(MAX_HEADER))
        size = path.stat().st_size - offset
        if size != header.length:
            raise DocumentError(
                f"document {header.channel}#{header.seq} is {size} bytes, header says "
                f"{header.length}: the transfer was cut or padded; fetch it again"
            )
        f.seek(offset)
        digest = hashlib.sha256()
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            if tick is not None:
                tick()
    got = digest.hexdigest()
    if got != header.sha256:
        raise DocumentError(
            f"document {header.channel}#{header.seq} fails its sha256 check "
            f"(got {got[:12]}…, expected {header.sha256[:12]}…); fetch it again"
        )
    return Document.spooled(header, path, offset)
