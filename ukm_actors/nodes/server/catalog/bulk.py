"""Bulk SQL on the session's own connection, close to the driver (SQLite and PostgreSQL).

The loader writes a million rows per file; going through the ORM, or even
through Core's per-row parameter processing, would cost more than parsing
the XML. These helpers send plain ``executemany`` calls with the driver's
placeholder style, inside the caller's transaction. Both databases share
the ``INSERT … ON CONFLICT (…) DO UPDATE SET c = excluded.c`` syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

IN_CHUNK = 500
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _check(names: Iterable[str]) -> None:
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"not a plain SQL name: {name!r}")


class Bulk:
    """Driver-level statements on ``session``'s connection (same transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.dialect = self.conn.dialect.name
        self.ph = "?" if self.dialect == "sqlite" else "%s"

    def sql(self, statement: str) -> str:
        """``statement`` with ``:p`` marks replaced by the driver's placeholder."""
        return statement.replace(":p", self.ph)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (``:p`` placeholders); returns its rows (empty for writes)."""
        result = self.conn.exec_driver_sql(self.sql(statement), tuple(params))
        return [tuple(r) for r in result.fetchall()] if result.returns_rows else []

    def execute_count(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement (``:p`` placeholders); returns the rows it affected."""
        result = self.conn.exec_driver_sql(self.sql(statement), tuple(params))
        return int(result.rowcount or 0)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``statement`` once per row, as one driver ``executemany``."""
        if rows:
            self.conn.exec_driver_sql(self.sql(statement), [tuple(r) for r in rows])

    def insert(self, table: str, cols: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Plain ``INSERT`` of ``rows`` (fails on a duplicate key).

        On PostgreSQL the rows go by ``COPY … FROM STDIN`` on the same connection (so in
        the same transaction): psycopg's ``executemany`` sends one statement a row, and
        under gevent each of them waits on the socket on its own (a 50,000-item file
        spent 80 % of its load there). A duplicate key fails either way; the error is
        SQLAlchemy's ``IntegrityError`` both ways, and the loader then finds the lines."""
        _check([table, *cols])
        if self.dialect != "postgresql" or len(rows) < 2:
            marks = ", ".join([":p"] * len(cols))
            self.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
            return
        statement = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
        driver = cast(psycopg.Connection[Any], self.conn.connection.dbapi_connection)
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as exc:
            raise IntegrityError(statement, None, exc) from exc

    def upsert(
        self,
        table: str,
        cols: Sequence[str],
        keys: Sequence[str],
        rows: Sequence[Sequence[Any]],
        update: Sequence[str] | None = None,
    ) -> None:
        """``INSERT … ON CONFLICT (keys) DO UPDATE`` the ``update`` columns (default: non-keys)."""
        _check([table, *cols])
        marks = ", ".join([":p"] * len(cols))
        targets = [c for c in cols if c not in keys] if update is None else list(update)
        updates = ", ".join(f"{c} = excluded.{c}" for c in targets)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        self.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) {action}",
            rows,
        )

    def select_in(
        self,
        statement: str,
        column: str,
        values: Sequence[Any],
        params: Sequence[Any] = (),
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of ``statement`` (ending in ``WHERE …`` or ``AND``-able) with ``column IN values``.

        ``statement`` must end so that ``<column> IN (…)`` can follow
        (e.g. ``"SELECT a, b FROM t WHERE store = :p AND"``). Values go in
        chunks; on PostgreSQL as one array parameter.
        """
        _check([column])
        if not values:
            return
        if self.dialect == "postgresql":
            sql = f"{statement} {column} = ANY(:p)"
            yield from self.execute(sql, (*params, list(values)))
            return
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            sql = f"{statement} {column} IN ({', '.join([':p'] * len(chunk))})"
            yield from self.execute(sql, (*params, *chunk))

    def delete_in(
        self,
        table: str,
        column: str,
        values: Sequence[Any],
        where: str = "",
        params: Sequence[Any] = (),
    ) -> None:
        """``DELETE FROM table WHERE [where AND] column IN values``."""
        _check([table, column])
        prefix = f"DELETE FROM {table} WHERE {where + ' AND' if where else ''}"
        for _ in self.select_in(prefix, column, values, params):
            pass

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        """Rows of ``table`` (matching ``where``)."""
        _check([table])
        rows = self.execute(
            f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else ""), params
        )
        return int(rows[0][0])

    def any_row(self, table: str, where: str = "", params: Sequence[Any] = ()) -> bool:
        """True when ``table`` has a row (matching ``where``); cheap on big tables."""
        _check([table])
        rows = self.execute(
            f"SELECT 1 FROM {table}" + (f" WHERE {where}" if where else "") + " LIMIT 1", params
        )
        return bool(rows)


class SeenKeys:
    """A temporary table of the keys a file contained: a duplicate key fails on its
    primary key, and a full file deletes the stored rows it did not contain.

    It lives only in the current transaction's connection and is dropped
    by :meth:`drop` (and by the rollback, should the file fail).
    """

    def __init__(self, bulk: Bulk, name: str, width: int = 1) -> None:
        _check([name])
        self.bulk = bulk
        self.name = name
        self.width = width
        cols = ", ".join(f"k{i} VARCHAR(200) NOT NULL" for i in range(width))
        keys = ", ".join(f"k{i}" for i in range(width))
        bulk.execute(f"DROP TABLE IF EXISTS {name}")
        bulk.execute(f"CREATE TEMPORARY TABLE {name} ({cols}, PRIMARY KEY ({keys}))")

    @property
    def columns(self) -> list[str]:
        return [f"k{i}" for i in range(self.width)]

    def add(self, keys: Sequence[Sequence[Any]]) -> None:
        """Remember ``keys`` (tuples of ``width`` values).

        A key given twice (in this call or an earlier one) raises the driver's
        ``IntegrityError``: the file has a duplicate key.
        """
        self.bulk.insert(self.name, self.columns, keys)

    def drop(self) -> None:
        self.bulk.execute(f"DROP TABLE IF EXISTS {self.name}")
