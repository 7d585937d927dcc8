"""Babel extractor for our Python modules (babel.cfg): only modules that use ``ukm_actors.i18n``.

Some modules name an unrelated helper ``_``; a module's messages are extracted
only when it imports ``_`` / ``N_`` from ``ukm_actors.i18n``.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Mapping
from io import BytesIO
from typing import IO, Any

MARKER = b"from ukm_actors.i18n import"


def extract_python(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Any,
) -> Generator[tuple[int, str | tuple[str, ...], list[str], str | None], None, None]:
    """Babel's Python extractor, on modules that import the project's ``_``."""
    from babel.messages.extract import extract_python as babel_extract

    source = fileobj.read()
    if MARKER not in source:
        return
    yield from babel_extract(BytesIO(source), keywords, comment_tags, options)
