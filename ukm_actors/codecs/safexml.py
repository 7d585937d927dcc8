"""Safe XML parsing for files that come from outside (trade systems, tills).

Every parser made here has entity resolution, network access, DTD loading and
DTD validation off, and lxml's ``huge_tree`` off. On top of that, any
``<!DOCTYPE ...>`` (and therefore any ``<!ENTITY ...>``, which can only live
inside one) is refused before libxml2 sees the document: UKM exchange files
never carry one, so a DOCTYPE is either a mistake or an attack (billion
laughs, external entities reading local files).

Files must be UTF-8, with or without a byte-order mark; a declaration naming
another encoding is refused. A size limit is checked before parsing (from the
file size when it is known) and again while reading, so a stream that lies
about its size cannot exceed it either.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

DEFAULT_MAX_BYTES = 2 * 1024**3
"""Default limit for import files: 2 GiB. Callers normally pass their own."""

_PROLOG_WINDOW = 64 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

PARSER_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "dtd_validation": False,
    "load_dtd": False,
    "huge_tree": False,
}
"""The options every parser here is built with (also passed to ``iterparse``)."""


class XmlFormatError(UkmError, ValueError):
    """The bytes are not an acceptable XML document.

    ``line`` is the 1-based line where the problem was found, when known.
    """

    code = "xml.format"

    def __init__(self, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.line = line


def safe_parser() -> etree.XMLParser:
    """A fresh ``XMLParser`` with the safe options (no entities, no network, no DTD)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
    )


def check_prolog(head: bytes) -> None:
    """Refuse what must not appear before the root element.

    ``head`` is the beginning of the document (at least up to the root's
    ``<``, or the whole document when shorter). Refused: a non-UTF-8
    byte-order mark, a declared encoding other than UTF-8, any DOCTYPE, and
    content that does not start like XML at all.
    """
    data = head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head
    if any(data.startswith(bom) for bom in _OTHER_BOMS):
        raise XmlFormatError(
            _("the file starts with a UTF-16/UTF-32 byte-order mark; UKM exchange files are UTF-8"),
            line=1,
        )
    pos = 0
    size = len(data)
    while True:
        while pos < size and data[pos : pos + 1] in b" \t\r\n":
            pos += 1
        if pos >= size:
            if size >= _PROLOG_WINDOW:
                raise XmlFormatError(
                    _("no root element in the first {size} bytes", size=_PROLOG_WINDOW),
                    line=_line_at(data, pos),
                )
            raise XmlFormatError(_("the file has no root element"), line=_line_at(data, pos))
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos)
            if end < 0:
                raise XmlFormatError(
                    _("unterminated <?...?> in the prolog"), line=_line_at(data, pos)
                )
            if data.startswith(b"<?xml", pos) and data[pos + 5 : pos + 6] in b" \t\r\n?":
                _check_declared_encoding(data[pos:end], _line_at(data, pos))
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            if end < 0:
                raise XmlFormatError(
                    _("unterminated comment in the prolog"), line=_line_at(data, pos)
                )
            pos = end + 3
        elif data[pos : pos + 9].upper() == b"<!DOCTYPE":
            raise XmlFormatError(
                _(
                    "the file contains a DOCTYPE declaration; DTDs and entity declarations "
                    "are refused in exchange files"
                ),
                line=_line_at(data, pos),
                hint=_("remove the <!DOCTYPE ...> block; UKM files never need one"),
            )
        elif data.startswith(b"<", pos) and data[pos + 1 : pos + 2] not in (b"!", b"?", b""):
            return
        else:
            raise XmlFormatError(
                _(
                    "the file does not look like XML: the first thing in it (line {line}, "
                    "column {column}) is not an element, a comment or an XML declaration",
                    line=_line_at(data, pos),
                    column=_column_at(data, pos),
                ),
                line=_line_at(data, pos),
            )


def _check_declared_encoding(decl: bytes, line: int) -> None:
    m = _ENCODING.search(decl)
    if m is None:
        return
    name = m.group(1).decode("ascii").lower()
    if name not in ("utf-8", "utf8"):
        raise XmlFormatError(
            _(
                "the XML declaration says encoding={name}; UKM exchange files must be UTF-8",
                name=repr(name),
            ),
            line=line,
        )


def _line_at(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _column_at(data: bytes, pos: int) -> int:
    return pos - (data.rfind(b"\n", 0, pos) + 1) + 1


class LimitedReader:
    """A binary reader that counts bytes and refuses to go past ``max_bytes``.

    It replays the prolog bytes already read for :func:`check_prolog`, then
    continues with the underlying file. ``bytes_read`` serves progress
    reporting; ``total`` is the file size when known, else ``None``.
    """

    def __init__(self, raw: IO[bytes], *, max_bytes: int, total: int | None) -> None:
        self._raw = raw
        self.max_bytes = max_bytes
        self.total = total
        self.bytes_read = 0
        self._head = self._raw.read(_PROLOG_WINDOW)
        self._head_pos = 0
        self._count(len(self._head))

    @property
    def head(self) -> bytes:
        """The first bytes of the stream (up to 64 KiB)."""
        return self._head

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (everything left when negative)."""
        if self._head_pos < len(self._head):
            end = len(self._head) if size < 0 else self._head_pos + size
            chunk = self._head[self._head_pos : end]
            self._head_pos += len(chunk)
            return chunk
        chunk = self._raw.read(size)
        self._count(len(chunk))
        return chunk

    def _count(self, n: int) -> None:
        self.bytes_read += n
        if self.bytes_read > self.max_bytes:
            raise XmlFormatError(
                _("the file is larger than the limit of {limit} bytes", limit=self.max_bytes),
                hint=_("split the file or raise the configured size limit"),
            )


def check_size(path: str | os.PathLike[str], max_bytes: int) -> int:
    """The size of the file at ``path``; raises :class:`XmlFormatError` above ``max_bytes``."""
    size = os.stat(path).st_size
    if size > max_bytes:
        raise XmlFormatError(
            _(
                "the file is {size} bytes, above the limit of {limit} bytes",
                size=size,
                limit=max_bytes,
            ),
            hint=_("split the file or raise the configured size limit"),
        )
    return size


def open_limited(raw: IO[bytes], *, max_bytes: int) -> LimitedReader:
    """Wrap an open binary file: check its size (when seekable) and its prolog."""
    total: int | None = None
    try:
        if raw.seekable():
            here = raw.tell()
            total = raw.seek(0, os.SEEK_END) - here
            raw.seek(here)
    except OSError:
        total = None
    if total is not None and total > max_bytes:
        raise XmlFormatError(
            _(
                "the file is {size} bytes, above the limit of {limit} bytes",
                size=total,
                limit=max_bytes,
            ),
            hint=_("split the file or raise the configured size limit"),
        )
    reader = LimitedReader(raw, max_bytes=max_bytes, total=total)
    check_prolog(reader.head)
    return reader


def raw_iterparse(reader: LimitedReader, events: tuple[str, ...]) -> Any:
    """The bare lxml ``iterparse`` over ``reader`` with the safe options.

    Faster than :func:`safe_iterparse` in tight loops; the caller must turn
    ``lxml.etree.XMLSyntaxError`` into :class:`XmlFormatError` (see
    :func:`syntax_error`).
    """
    return etree.iterparse(reader, events=events, remove_blank_text=False, **PARSER_OPTIONS)


def syntax_error(exc: etree.XMLSyntaxError) -> XmlFormatError:
    """The :class:`XmlFormatError` for an lxml syntax error (with its line)."""
    return XmlFormatError(_("the XML is malformed: {detail}", detail=exc.msg), line=exc.lineno)


def safe_iterparse(
    source: str | os.PathLike[str] | IO[bytes] | LimitedReader,
    events: tuple[str, ...] = ("end",),
    tag: str | tuple[str, ...] | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[tuple[str, Any]]:
    """``lxml.etree.iterparse`` with the safe options, as a generator.

    ``source`` is a path (its size is checked before it is opened; the file
    is closed when the generator ends), an open binary file (wrapped in a
    :class:`LimitedReader` here) or a reader made by :func:`open_limited`.
    Syntax errors come out as :class:`XmlFormatError` with the line number.
    """
    if isinstance(source, str | os.PathLike):
        check_size(source, max_bytes)
        with open(source, "rb") as raw:
            yield from safe_iterparse(raw, events, tag, max_bytes=max_bytes)
        return
    if isinstance(source, LimitedReader):
        reader = source
    else:
        reader = open_limited(source, max_bytes=max_bytes)
    kwargs: dict[str, Any] = dict(PARSER_OPTIONS)
    if tag is not None:
        kwargs["tag"] = tag
    try:
        yield from etree.iterparse(reader, events=events, remove_blank_text=False, **kwargs)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from exc


def parse_bytes(data: bytes, *, max_bytes: int) -> Any:
    """Parse a whole document held in memory and return its root element (``_Element``)."""
    if len(data) > max_bytes:
        raise XmlFormatError(
            _(
                "the document is {size} bytes, above the limit of {limit}",
                size=len(data),
                limit=max_bytes,
            )
        )
    check_prolog(data[:_PROLOG_WINDOW])
    try:
        return etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from exc
