"""Throw-away stores for tests and benchmarks: a migrated schema (or, for a Prefect server, a
database) of its own, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from newsdesk.store.db import Database, migrate


@contextmanager
def migrated(url: str) -> Iterator[Database]:
    """The store at ``url``, migrated to the newest schema; its connections closed afterwards."""
    database = Database(url)
    try:
        migrate(database)
        yield database
    finally:
        database.dispose()


@contextmanager
def postgres_schema(base_url: str, prefix: str = "nd_test_") -> Iterator[Database]:
    """A migrated store in a fresh schema on the server at ``base_url``; the schema goes after.

    Raises sqlalchemy's OperationalError on entry when the server is unreachable.
    """
    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base_url else "?"
        try:
            with migrated(f"{base_url}{separator}options=-csearch_path%3D{schema}") as database:
                yield database
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def prefect_database(base_url: str) -> Iterator[str]:
    """A PostgreSQL database of its own for the Prefect server, dropped afterwards."""
    name = f"prefect_it_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.engine.make_url(base_url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def selects_sent(db: Database, naming: str = "") -> Iterator[list[str]]:
    """The SELECT statements ``db`` sends meanwhile (those naming ``naming``, when given)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and naming in statement:
            sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
