"""Serving one stored document file with a strong ETag and byte ranges (RFC 9110).

The file is the rendered header followed by the body. A document never
changes once queued, so the ETag (a hash of the header plus the body's
SHA-256) is strong. ``Range: bytes=N-``, ``bytes=N-M`` and ``bytes=-S`` are
honoured (one range; several ranges get the whole file), ``If-Range``
with another validator gets the whole file (200), a range past the end
gets 416 with ``Content-Range: bytes */total``. The body is read from the
database in chunks while it is sent, never whole.

Compressed (``FileView.of(header, zstd_length)``, for a client that sent
``Accept-Encoding: zstd``): the file is the header compressed on the spot
(one small zstd frame) followed by the body's stored zstd variant (the
frames decode to header then body). Ranges and the ETag are those of
these compressed bytes, which is what travels and what a broken download
has kept; the ETag names the coding, so ``If-Range`` never mixes the two.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ukm_actors.bridge import encoding
from ukm_actors.bridge.documents import DocumentHeader

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


class Unsatisfiable(Exception):
    """The range starts at or past the end of the file."""


@dataclass(frozen=True)
class FileView:
    header: bytes
    """The bytes before the body: the rendered header (or its zstd frame)."""
    length: int
    """The length of the body as sent (of its variant when compressed)."""
    sha256: str
    """The SHA-256 of the decoded body (which stored body to read)."""
    coding: str = encoding.IDENTITY
    plain: int = 0
    """The length of the whole document decoded (header and body)."""

    @classmethod
    def of(cls, header: DocumentHeader, zstd_length: int | None = None) -> FileView:
        rendered = header.render()
        plain = len(rendered) + header.length
        if zstd_length is None:
            return cls(rendered, header.length, header.sha256, plain=plain)
        return cls(encoding.compress(rendered), zstd_length, header.sha256, encoding.ZSTD, plain)

    @property
    def total(self) -> int:
        return len(self.header) + self.length

    @property
    def etag(self) -> str:
        tag = f"{hashlib.sha256(self.header).hexdigest()[:24]}-{self.sha256[:40]}"
        return f'"{tag}"' if self.coding == encoding.IDENTITY else f'"{tag}-{self.coding}"'


def parse_range(value: str | None, total: int) -> tuple[int, int] | None:
    """``(first, last)`` byte positions (inclusive) of a Range header, or None
    for "send the whole file" (absent, malformed or several ranges).

    Raises ``Unsatisfiable`` for a range that starts past the end.
    """
    if not value:
        return None
    m = _RANGE.match(value)
    if m is None:
        return None
    first_s, last_s = m.groups()
    if not first_s and not last_s:
        return None
    if not first_s:
        suffix = int(last_s)
        if suffix == 0:
            raise Unsatisfiable
        return max(0, total - suffix), total - 1
    first = int(first_s)
    last = int(last_s) if last_s else total - 1
    if last_s and last < first:
        return None
    if first >= total:
        raise Unsatisfiable
    return first, min(last, total - 1)


BodyReader = Callable[[int, int], bytes | None]
"""``read(start, length)`` of the body; None when it is gone."""


class BodyGone(Exception):
    """The body was deleted while it was being sent (pruned): the transfer is cut."""


def stream(view: FileView, first: int, last: int, read: BodyReader, chunk: int) -> Iterator[bytes]:
    """Bytes ``first..last`` (inclusive) of the file, reading the body ``chunk`` at a time."""
    pos = first
    head = len(view.header)
    if pos < head:
        end = min(last + 1, head)
        yield view.header[pos:end]
        pos = end
    while pos <= last:
        n = min(chunk, last + 1 - pos)
        data = read(pos - head, n)
        if data is None or len(data) != n:
            raise BodyGone(f"body {view.sha256[:12]}… is gone")
        yield data
        pos += n
