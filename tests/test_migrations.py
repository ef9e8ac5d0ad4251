"""Alembic migrations run up, down and up again on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from newsdesk.errors import StoreError
from newsdesk.store.db import Database, downgrade, migrate
from newsdesk.store.models import Base


def test_up_down_up(db: Database) -> None:
    db.check_current()
    assert {"sources", "fetch_state", "items", "item_sources"} <= set(
        inspect(db.engine).get_table_names()
    )
    downgrade(db, "base")
    assert "items" not in inspect(db.engine).get_table_names()
    with pytest.raises(StoreError, match="newsdesk db upgrade"):
        db.check_current()
    migrate(db)
    migrate(db)
    db.check_current()


def test_sqlite_runs_in_wal_mode(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_unreachable_database_is_a_clear_error() -> None:
    broken = Database("postgresql+psycopg://nobody@127.0.0.1:1/nowhere?connect_timeout=2")
    with pytest.raises(StoreError, match="cannot reach the database"):
        migrate(broken)


def test_migrations_match_the_models(db: Database) -> None:
    """A model changed without its migration shows up here as a difference."""
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
