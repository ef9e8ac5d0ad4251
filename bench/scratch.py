"""Scratch databases for the benchmarks: they never write into a database they were pointed at."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import sqlalchemy as sa

from newsdesk.store.db import Database, migrate
from tests.scratch import postgres_schema


@contextmanager
def scratch_database(url: str | None, prefix: str) -> Iterator[Database | None]:
    """A migrated, empty store: a temp SQLite file, or a fresh schema on the PostgreSQL server
    at ``url`` that is dropped afterwards. Yields None when that server is unreachable."""
    if url is None or url.startswith("sqlite"):
        db = Database(url or f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db")
        migrate(db)
        yield db
        db.dispose()
        return
    with ExitStack() as stack:
        try:
            db = stack.enter_context(postgres_schema(url, prefix.replace("-", "_")))
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL unreachable ({exc.orig}); skipped")
            yield None
            return
        yield db
