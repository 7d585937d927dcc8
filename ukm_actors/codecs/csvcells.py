"""CSV that a spreadsheet opens as data, never as a formula (CSV/formula injection).

Every CSV the project writes goes through :func:`write_csv` (or at least
:func:`safe_cell`). A text cell that begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return would be taken by Excel or LibreOffice as the start
of a formula: a certificate series named ``=HYPERLINK("http://x", "click")``
becomes a live link in the back office's report. Such a cell gets a leading
apostrophe (``'=HYPERLINK(...)``), which spreadsheets show but never evaluate
(OWASP's advice). Numbers stay numbers: ``-12.50`` or ``+7`` are written as
they are, since a plain number cannot carry a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value: Any) -> str:
    """``value`` as the text of one CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (``\\n`` line ends, RFC 4180 quoting), every cell made safe."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([safe_cell(c) for c in header])
    for row in rows:
        w.writerow([safe_cell(c) for c in row])
    return out.getvalue()
