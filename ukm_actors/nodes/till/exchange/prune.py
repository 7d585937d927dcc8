"""Pruning the till's exchange rows: files loaded and sales files written, once done and old.

Both tables are pruned as a prefix (every row up to an id, none after it),
so what the rows still decide stays decided:

- ``till_exchange_file``: rows up to the last one done before the cutoff,
  but never the last file loaded (``/status`` → ``position``,
  ``last_loaded``) nor a refusal the queue still waits behind, nor
  anything after them. A lifted refusal goes with the rows before the file
  that lifted it, or stays with that file: the queue's state is the same.
- ``till_sales_file``: written rows up to the last shift close written
  before the cutoff (a shift close file is built from its shift's receipt
  and cash rows, so an open shift's rows stay), never an unwritten row nor
  the last file written (``/status`` → ``last_written``).

``QueueLoader`` and ``SalesWriter`` run them in their ticks once an hour
(``db.prune.PruneSchedule``) with ``[till] exchange_keep_days``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ukm_actors.codecs import tilldocs
from ukm_actors.db import Database
from ukm_actors.db.prune import delete_in_batches
from ukm_actors.isotime import iso
from ukm_actors.nodes.till.exchange.load import LOADED
from ukm_actors.nodes.till.exchange.queue import blocking
from ukm_actors.nodes.till.exchange.tables import NO_FILE, ExchangeFile, SalesFile


def _min(*ids: int | None) -> int | None:
    present = [i for i in ids if i is not None]
    return min(present) if present else None


def _exchange_cut(session: Session, before: str) -> int | None:
    """The last id that may go (None: none)."""
    first_young = session.execute(
        select(func.min(ExchangeFile.id)).where(ExchangeFile.at >= before)
    ).scalar_one()
    last_loaded = session.execute(
        select(func.max(ExchangeFile.id)).where(ExchangeFile.status == LOADED)
    ).scalar_one()
    last_numbered = session.execute(
        select(func.max(ExchangeFile.id)).where(
            ExchangeFile.status == LOADED, ExchangeFile.position.is_not(None)
        )
    ).scalar_one()
    block = blocking(session)
    keep = _min(first_young, last_loaded, last_numbered, block.row_id if block else None)
    if keep is None:
        return session.execute(select(func.max(ExchangeFile.id))).scalar_one()
    return keep - 1


def prune_exchange_files(db: Database, before: datetime) -> int:
    """Delete the ``till_exchange_file`` rows done before ``before``; how many went."""
    with db.read() as session:
        cut = _exchange_cut(session, iso(before))
    if cut is None or cut < 1:
        return 0

    def ids() -> Select[int]:
        return select(ExchangeFile.id).where(ExchangeFile.id <= cut)

    return delete_in_batches(db, ids, ExchangeFile.id)


def _sales_cut(session: Session, before: str) -> int | None:
    def first(*where: ColumnElement[bool]) -> int | None:
        return session.execute(select(func.min(SalesFile.id)).where(*where)).scalar_one()

    def last(*where: ColumnElement[bool]) -> int | None:
        return session.execute(select(func.max(SalesFile.id)).where(*where)).scalar_one()

    last_close = last(
        SalesFile.doc_type == tilldocs.SHIFT_CLOSE,
        SalesFile.written_at.is_not(None),
        SalesFile.written_at < before,
    )
    if last_close is None:
        return None
    young = first(SalesFile.written_at >= before)
    unwritten = first(SalesFile.written_at.is_(None))
    last_named = last(SalesFile.written_at.is_not(None), SalesFile.name != NO_FILE)
    keep = _min(young, unwritten, last_named)
    return last_close if keep is None else min(last_close, keep - 1)


def prune_sales_files(db: Database, before: datetime) -> int:
    """Delete the ``till_sales_file`` rows written before ``before`` whose shift is closed;
    how many went."""
    with db.read() as session:
        cut = _sales_cut(session, iso(before))
    if cut is None or cut < 1:
        return 0

    def ids() -> Select[int]:
        return select(SalesFile.id).where(SalesFile.id <= cut)

    return delete_in_batches(db, ids, SalesFile.id)
