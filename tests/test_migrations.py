"""Alembic migrations run up, down and up again on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from newsdesk.errors import StoreError
from newsdesk.store.db import Database, current_revision, downgrade, head_revision, migrate
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


def test_a_store_one_migration_behind_is_brought_to_the_head(db: Database) -> None:
    head = head_revision()
    previous = f"{int(head) - 1:04d}"
    downgrade(db, previous)
    assert current_revision(db) == previous
    migrate(db)
    assert current_revision(db) == head
    db.check_current()


def test_a_current_store_opens_without_importing_alembic(tmp_path: Path) -> None:
    """Importing alembic cost every CLI command about 0.35 s (issue 27: newsdesk metrics)."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    migrate(Database(url))
    probe = (
        "import sys; from newsdesk.store.db import open_database; "
        f"open_database({url!r}); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
