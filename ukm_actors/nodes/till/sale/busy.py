"""The sale's writes that must not wait long: a line scanned, changed or voided.

On SQLite one transaction writes at a time. A line is written with a bounded
wait (``LINE_WAIT``) for whatever else is writing (a catalog being applied, a
big exchange file); past it the cashier gets ``503 catalog.updating`` (or
``till.busy``) with nothing changed, and scans again, instead of a request that
hangs until the web layer gives up while the line is added behind its back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ukm_actors.db import Database, WriterBusy
from ukm_actors.i18n import _
from ukm_actors.nodes.till.catalog.public import TillCatalog
from ukm_actors.nodes.till.sale.errors import SaleError

LINE_WAIT = 4.0
"""Seconds a line's write waits for another writer (the API answers within 10 s)."""


class TillBusy(SaleError):
    """Another writer held the database too long; nothing was changed, repeat."""

    code = "till.busy"
    http_status = 503


def busy_error(catalog: TillCatalog) -> TillBusy:
    """What the cashier reads when a line's write could not start in time."""
    if catalog.updating:
        return TillBusy(
            _("the catalog is being updated; retry"),
            code="catalog.updating",
            hint=_("nothing was added; scan the item again in a moment"),
        )
    return TillBusy(
        _("the till is busy saving other data; retry"),
        hint=_("nothing was changed; repeat in a moment"),
    )


@contextmanager
def line_write(db: Database, catalog: TillCatalog) -> Iterator[Session]:
    """A write transaction for a line change (``db.write`` with a bounded wait)."""
    with ExitStack() as stack:
        try:
            session = stack.enter_context(db.write(wait=LINE_WAIT))
        except WriterBusy:
            raise busy_error(catalog) from None
        yield session


@contextmanager
def line_connection(db: Database, catalog: TillCatalog) -> Iterator[Connection]:
    """A Core write connection for a line change (``db.write_connection``, bounded wait)."""
    with ExitStack() as stack:
        try:
            conn = stack.enter_context(db.write_connection(wait=LINE_WAIT))
        except WriterBusy:
            raise busy_error(catalog) from None
        yield conn
