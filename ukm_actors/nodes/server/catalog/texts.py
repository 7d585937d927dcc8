"""An import's error and warnings kept translatable in ``catalog_load.texts``.

The parsers' messages are ``Text`` (``ukm_actors.i18n``): English, with their
message id and parameters. The history keeps that form as JSON beside the
English ``error`` and ``warnings`` columns, so the console and the admin API
show a refused file's reason in their reader's language. Rows written before
(``texts`` empty) are shown in the English they have.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ukm_actors.codecs.errors import ImportFormatError
from ukm_actors.i18n import from_wire, to_wire

log = logging.getLogger("ukm_actors.nodes.server.catalog")


def _wire(text: str) -> Any:
    wired = to_wire(text)
    return wired if wired is not None else str(text)


def _unwire(value: Any) -> str:
    return from_wire(value, str(value)) if isinstance(value, dict) else str(value)


def texts_json(
    *, error: ImportFormatError | None = None, warnings: Sequence[str] = ()
) -> str | None:
    """The ``texts`` column of a history row: the error's parts and the warnings."""
    if error is None and not warnings:
        return None
    body: dict[str, Any] = {"warnings": [_wire(w) for w in warnings]}
    if error is not None:
        body["error"] = _wire(error.text())
        body["reason"] = _wire(error.reason)
        body["hint"] = _wire(error.hint) if error.hint else None
        body["line"] = error.line
        body["field"] = error.field
    return json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True)
class StoredTexts:
    """What ``texts`` holds, as ``Text`` again (translate with ``localize``)."""

    error: str | None = None
    reason: str | None = None
    hint: str | None = None
    line: int | None = None
    field: str | None = None
    warnings: tuple[str, ...] = ()


def read_texts(raw: str | None) -> StoredTexts | None:
    """The texts of a history row; ``None`` when it has none (an older row)."""
    if not raw:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        log.warning("catalog_load.texts is not JSON: %.80s", raw)
        return None
    if not isinstance(body, dict):
        return None
    line = body.get("line")
    fld = body.get("field")
    return StoredTexts(
        error=_unwire(body["error"]) if body.get("error") is not None else None,
        reason=_unwire(body["reason"]) if body.get("reason") is not None else None,
        hint=_unwire(body["hint"]) if body.get("hint") is not None else None,
        line=line if isinstance(line, int) else None,
        field=fld if isinstance(fld, str) else None,
        warnings=tuple(_unwire(w) for w in body.get("warnings") or []),
    )
