"""The import history (``catalog_load``) as the loader reads and writes it.

Which file of a type is the newest loaded (a file older than that would
roll the catalog back, so it is refused unless forced), and the rows for
files refused or skipped (recorded after the load's transaction rolled
back, so they stay).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.codecs.ukm_import import ImportFormatError, ImportName
from ukm_actors.codecs.ukm_schema import IMPORT_TYPES
from ukm_actors.db import Database
from ukm_actors.i18n import Text, _
from ukm_actors.nodes.server.catalog.change import now
from ukm_actors.nodes.server.catalog.tables_changes import (
    FAILED,
    IGNORED,
    LOADED,
    SKIPPED,
    CatalogLoad,
)
from ukm_actors.nodes.server.catalog.texts import texts_json

log = logging.getLogger("ukm_actors.nodes.server.catalog")


def newest_loaded(session: Session, type_name: str, store: str) -> int | None:
    """The highest number of a file of ``type_name`` (and ``store``) loaded, full or not."""
    number: int | None = session.execute(
        select(func.max(CatalogLoad.number)).where(
            CatalogLoad.type == type_name,
            CatalogLoad.store == store,
            CatalogLoad.status == LOADED,
        )
    ).scalar()
    return number


def _has_row(session: Session, file: str, status: str, size: int, mtime_ns: int) -> bool:
    """True when the history has a ``status`` row for file ``file`` with this size and time."""
    return (
        session.execute(
            select(CatalogLoad.id).where(
                CatalogLoad.file == file,
                CatalogLoad.status == status,
                CatalogLoad.size == size,
                CatalogLoad.mtime_ns == mtime_ns,
            )
        ).first()
        is not None
    )


def already_loaded(session: Session, name: str, size: int, mtime_ns: int) -> bool:
    """True when file ``name`` with this size and time was loaded (the move is left)."""
    return _has_row(session, name, LOADED, size, mtime_ns)


def order_problem(
    session: Session, name: str, number: int | None, type_name: str, store: str
) -> Text | None:
    """Why loading file ``name`` (numbered ``number``) would roll its type back, or ``None``."""
    newest = newest_loaded(session, type_name, store)
    if newest is None:
        return None
    of = _("{type} of store {store}", type=type_name, store=store) if store else type_name
    if number is None:
        return _(
            "{name} has no number in its name, so it cannot be told whether it is older than "
            "the {of} file {newest} already loaded; name it <type>_[<number>]_[F|I].xml "
            "with a number above {newest}, or load it deliberately with ukm import --force",
            name=name,
            of=of,
            newest=newest,
        )
    if number < newest:
        return _(
            "{name} is older than what is loaded: {of} file {newest} is loaded, and file "
            "{number} would roll the catalog back; to reload it deliberately use "
            "ukm import --force",
            name=name,
            of=of,
            newest=newest,
            number=number,
        )
    return None


def record_skipped(
    db: Database,
    *,
    kind: str,
    node: str,
    type_name: str | None,
    store: str | None,
    number: int | None,
    fullness: str | None,
    file: str,
    size: int | None,
    mtime_ns: int | None,
    reason: str,
) -> None:
    """A ``skipped`` history row: a file not loaded because a newer one is (``reason``)."""
    with db.write() as session:
        session.add(
            CatalogLoad(
                kind=kind,
                type=type_name or "?",
                store=store or "",
                number=number,
                fullness=fullness,
                file=file,
                size=size,
                mtime_ns=mtime_ns,
                status=SKIPPED,
                warnings=reason,
                texts=texts_json(warnings=[reason] if reason else []),
                node=node,
                started_at=now(),
                finished_at=now(),
            )
        )


@dataclass(frozen=True)
class Failure:
    """What the history knows of a refused file: its type, store and fullness by its name."""

    type: str | None
    store: str | None
    fullness: str | None
    number: int | None


def record_failure(
    db: Database,
    name: str,
    parsed: ImportName | None,
    size: int,
    mtime_ns: int,
    exc: ImportFormatError,
    *,
    kind: str,
    node: str,
    warnings: Sequence[str] = (),
) -> Failure:
    """A ``failed`` history row for file ``name`` (after its transaction rolled back)."""
    type_name = store = fullness = None
    if parsed is not None and parsed.known:
        type_name = parsed.type
        fullness = parsed.fullness
        if IMPORT_TYPES[parsed.type].store_scoped:
            store = parsed.store_id
    number = parsed.number if parsed is not None else None
    with db.write() as session:
        session.add(
            CatalogLoad(
                kind=kind,
                type=type_name or "?",
                store=store or "",
                number=number,
                fullness=fullness,
                file=name,
                size=size,
                mtime_ns=mtime_ns,
                status=FAILED,
                warnings="\n".join(warnings),
                error=str(exc),
                texts=texts_json(error=exc, warnings=warnings),
                error_line=exc.line,
                error_field=exc.field,
                node=node,
                started_at=now(),
                finished_at=now(),
            )
        )
    log.error("import %s failed: %s", name, exc)
    return Failure(type_name, store, fullness, number)


def record_ignored(
    db: Database,
    *,
    node: str,
    file: str,
    parsed: ImportName | None,
    size: int,
    mtime_ns: int,
    reason: str,
) -> None:
    """An ``ignored`` history row for an entry of the import folder, unless one is there
    for the same name, size and time (so a restart does not list it twice)."""
    with db.write() as session:
        if _has_row(session, file, IGNORED, size, mtime_ns):
            return
        store = parsed.store_id if parsed is not None and parsed.store_id else ""
        session.add(
            CatalogLoad(
                kind="folder",
                type=parsed.type if parsed is not None else "?",
                store=store[:100],
                number=parsed.number if parsed is not None else None,
                fullness=parsed.fullness if parsed is not None else None,
                file=file,
                size=size,
                mtime_ns=mtime_ns,
                status=IGNORED,
                warnings=reason,
                texts=texts_json(warnings=[reason]),
                node=node,
                started_at=now(),
                finished_at=now(),
            )
        )
