"""Scratch databases for the benchmarks: they never write into a database they were pointed at."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from newsdesk.store.db import Database, migrate


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
    schema = f"{prefix.replace('-', '_')}{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL unreachable ({exc.orig}); skipped")
        admin.dispose()
        yield None
        return
    db = Database(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    try:
        migrate(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
