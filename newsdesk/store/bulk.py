"""Rows to the driver in one executemany: what storing many items sends inside SQLite's write
lock, without Core's per-row parameter dicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """``rows`` (each with the same columns) inserted in one executemany sent to the driver as
    tuples, each column's values converted by that column's own bind processing (what Core
    would send: UTC and naive on SQLite; the statement gate in ``store/db.py`` still sees them).

    Core built and processed a parameter dict per row: 15 % of storing the 200 bench feeds'
    items, and it ran inside the write transaction, whose hold of SQLite's write lock is
    followed by a pause as long (``WriteTurns``). A column left out of the rows gets its
    database default, as in Core; the items' Python-side defaults never apply, since
    ``store.items`` names every column that has one.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    values: list[Sequence[object]] = []
    for name in names:
        column = [row[name] for row in rows]
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values.append(converted(convert, column) if convert else column)
    execute_many(connection, table, names, list(zip(*values, strict=True)))


def converted(convert: Callable[[Any], Any], column: list[Any]) -> list[Any]:
    """``column``'s values converted, each object once: a batch's items share their
    ``fetched_at`` (their run's time, one object), and converting a datetime (to UTC, naive,
    and to text on SQLite) was most of converting a row. By identity, not equality: equal
    values may convert apart (1 and True; one instant in two time zones, in a column that
    keeps the zone's wall time)."""
    done: dict[int, Any] = {}  # id -> converted; the objects live in ``column`` meanwhile
    out = []
    for value in column:
        key = id(value)
        if key not in done:
            done[key] = convert(value)
        out.append(done[key])
    return out


def execute_many(
    connection: Connection, table: Table, names: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """One INSERT of ``rows`` (values of the columns ``names``, as the driver takes them)."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"  # sqlite3; psycopg
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    connection.exec_driver_sql(statement, rows)
