"""Compressed transfer: zstd, negotiated per request, never more than a bound decoded.

Documents cross the network zstd-compressed when both ends say so
(``Accept-Encoding: zstd`` on a download, ``Content-Encoding: zstd`` on a
POSTed batch after the receiver advertised it); an older peer never sees
a compressed byte. Why zstd and not gzip: ``docs/bridge.md`` (*Compressed
transfer*), figures from ``bench/transfer.py``.

A zstd stream may be several frames one after another; it decodes to the
concatenation of their contents. A served document is therefore the
header compressed on the fly (a few hundred bytes, different for every
till) followed by the body's variant compressed once when it was stored.

Decoding is bounded: a stream that would decode to more than its limit
(a "decompression bomb", or a document longer than its listing says) is
refused after at most ``limit`` bytes of output, and the decoder never
accepts a window over ``MAX_WINDOW`` (a frame could otherwise ask for
gigabytes of memory).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from ukm_actors.bridge.documents import DocumentError

ZSTD = "zstd"
IDENTITY = "identity"

STORED_LEVEL = 9
"""Stored variants (catalogs): made once per body, sent to every till, so worth more CPU."""
BATCH_LEVEL = 3
"""Pushed batches (receipts): compressed by the sender for each POST."""
VARIANT_MIN = 8 * 1024
"""Bodies shorter than this get no stored variant (a receipt: it travels in a batch)."""
BATCH_MIN = 1024
"""Batches shorter than this are sent as they are."""
MAX_WINDOW = 1 << 23
"""Largest zstd window accepted (8 MiB; level 9 uses 4 MiB at most)."""
CHUNK = 1024 * 1024


class EncodingError(DocumentError):
    """A compressed body that does not decode (cut, corrupt, or not what it says):
    a receiver fetches it again, the cash server answers 400."""

    code = "bridge.encoding"
    http_status = 400


class DecodedTooLarge(EncodingError):
    """A compressed body that decodes to more than its bound (a decompression bomb)."""

    code = "bridge.too_large"
    http_status = 413


def accepts(header: str | None, coding: str = ZSTD) -> bool:
    """True when an ``Accept-Encoding`` value accepts ``coding`` (q > 0)."""
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() != coding:
            continue
        key, _, value = params.strip().partition("=")
        if key.strip().lower() != "q":
            return True
        try:
            return float(value) > 0
        except ValueError:
            return False
    return False


def compress(data: bytes, level: int = BATCH_LEVEL) -> bytes:
    """One zstd frame holding ``data``."""
    return zstandard.ZstdCompressor(level=level, write_checksum=True).compress(data)


def compress_stored(data: bytes, tick: Callable[[], None] | None = None) -> bytes:
    """The stored variant of a body: one frame at ``STORED_LEVEL``, fed ``CHUNK`` at a
    time with ``tick()`` in between (a 7 MB catalog part must not freeze the node)."""
    co: Any = zstandard.ZstdCompressor(level=STORED_LEVEL, write_checksum=True)
    co = co.compressobj(size=len(data))
    out = [co.compress(data[i : i + CHUNK]) for i in _ticking(range(0, len(data), CHUNK), tick)]
    out.append(co.flush())
    return b"".join(out)


def _ticking(steps: range, tick: Callable[[], None] | None) -> Iterator[int]:
    for i in steps:
        yield i
        if tick is not None:
            tick()


def _reader(source: BinaryIO) -> zstandard.ZstdDecompressionReader:
    dctx = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
    return dctx.stream_reader(source, read_size=CHUNK, read_across_frames=True)


def decode_stream(
    source: BinaryIO, limit: int, what: str, tick: Callable[[], None] | None = None
) -> Iterator[bytes]:
    """The decoded bytes of a zstd stream, ``CHUNK`` at a time; ``DecodedTooLarge``
    as soon as they would exceed ``limit``, ``EncodingError`` when it does not decode."""
    total = 0
    with _reader(source) as reader:
        while True:
            try:
                chunk = reader.read(CHUNK)
            except zstandard.ZstdError as exc:
                raise EncodingError(
                    f"{what} does not decode as zstd ({exc})",
                    hint="the transfer was damaged; it is fetched or sent again",
                ) from None
            if not chunk:
                return
            total += len(chunk)
            if total > limit:
                raise DecodedTooLarge(
                    f"{what} decodes to more than {limit} bytes: refused",
                    hint="a compressed body may not expand past the size it announces "
                    "or this node's limit",
                )
            yield chunk
            if tick is not None:
                tick()


def decompress(data: bytes, limit: int, what: str) -> bytes:
    """``data`` decoded (at most ``limit`` bytes, else ``DecodedTooLarge``)."""
    return b"".join(decode_stream(io.BytesIO(data), limit, what))


def decompress_file(
    src: Path, dst: Path, limit: int, what: str, tick: Callable[[], None] | None = None
) -> int:
    """Decode the zstd file ``src`` into ``dst`` (at most ``limit`` bytes); returns the size."""
    size = 0
    with src.open("rb") as f, dst.open("wb") as out:
        for chunk in decode_stream(f, limit, what, tick):
            out.write(chunk)
            size += len(chunk)
    return size
