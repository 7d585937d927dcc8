"""JSON from the network, bounded: nesting depth, integer size, no infinity or NaN.

Python's ``json`` parses an integer of any length, turns ``1e400`` into
``inf``, accepts ``NaN`` and ``Infinity``, and recurses once per nesting level
(a body of 100 000 ``[`` raises ``RecursionError``). ``loads`` refuses all of
these with ``BadJson`` (HTTP 400), naming what and where; every HTTP API of
the project reads its JSON bodies with it. Text that is not JSON at all
raises ``ValueError`` as ``json.loads`` does, so callers keep their own message.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects accepted."""
MAX_INT = 2**63 - 1
"""Largest integer (in size) accepted: a signed 64-bit number, what every database
column holds. Money, quantities and counts have smaller documented maxima of their own."""

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


class BadJson(UkmError):
    """A request body (or part of one) that is not JSON within the bounds above."""

    code = "request.bad_json"
    http_status = 400


def _int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > 19 or int(text) > MAX_INT or int(text) < -MAX_INT:
        raise BadJson(
            _(
                "the number {value} is out of range (at most {limit} in size)",
                value=_short(text),
                limit=MAX_INT,
            ),
            hint=_("money is a whole number of kopecks, a quantity of thousandths"),
        )
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(_("the number {value} is out of range", value=_short(text)))
    return value


def _constant(text: str) -> Any:
    raise BadJson(_("{value} is not a number JSON allows", value=text))


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:20] + "…" + text[-10:]


def check_depth(raw: bytes, max_depth: int = MAX_DEPTH) -> None:
    """``BadJson`` when arrays and objects in ``raw`` nest deeper than ``max_depth``."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return
    depth = 0
    for m in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                raise BadJson(
                    _("the JSON nests deeper than {limit} levels", limit=max_depth),
                    hint=_("send a flatter body"),
                )
        else:
            depth -= 1


def loads(raw: bytes | str, what: str | None = None) -> Any:
    """``raw`` parsed as JSON: ``BadJson`` (400) when it is out of the bounds above
    (``what`` names it: "the request body" by default), ``ValueError`` as from
    ``json.loads`` when it is not JSON at all."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        check_depth(data)
        return json.loads(data, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except BadJson as exc:
        raise BadJson(
            _("{what}: {problem}", what=what or _("the request body"), problem=exc.message),
            hint=exc.hint,
        ) from None
