"""Names in an exchange folder: plain UKM names and numbered queue names.

The integration module copies the trade system's files into each till's
folder as ``<number>_<original name>`` (``000001_updateItems_[12]_[F].xml``,
``000002_prices.xml``): the number is the queue position, the rest is the
name the trade system gave. A trade system that writes to a till directly
uses plain UKM names (``updateItems_[12]_[F].xml``). :func:`parse_queue_name`
reads both; a queued file whose original name is not a UKM name is still
a queue entry (its root element says its type).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ukm_actors.codecs.ukm_names import ImportName, parse_import_name

_QUEUED = re.compile(r"^(?P<pos>\d{1,18})_(?P<rest>.+)$")

UNKNOWN_TYPE = "?"
"""The type of a queued file whose original name does not say it (read from its root)."""


@dataclass(frozen=True, slots=True)
class QueueName:
    """A candidate file: its queue ``position`` (``None`` for a plain UKM name) and what its
    original name says (``inner``: ``None`` when it is not a UKM name)."""

    filename: str
    position: int | None
    inner: ImportName | None

    @property
    def type(self) -> str:
        return self.inner.type if self.inner is not None else UNKNOWN_TYPE

    @property
    def known(self) -> bool:
        """False only for a UKM name of a type not read here (``kit_[1]_[F].xml``)."""
        return self.inner is None or self.inner.known

    @property
    def original(self) -> str:
        """The name the trade system gave the file."""
        if self.position is None:
            return self.filename
        return self.filename.split("_", 1)[1]


def parse_queue_name(filename: str) -> QueueName | None:
    """A queue name or a plain UKM name; ``None`` for anything else (``notes.txt``)."""
    m = _QUEUED.match(filename)
    if m is not None:
        return QueueName(filename, int(m.group("pos")), parse_import_name(m.group("rest")))
    inner = parse_import_name(filename)
    if inner is None:
        return None
    return QueueName(filename, None, inner)
