"""Persistence: SQLAlchemy 2 models, engines and sessions, Alembic migrations."""

from newsdesk.store.db import Database, migrate, open_database

__all__ = ["Database", "migrate", "open_database"]
