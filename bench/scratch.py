"""Scratch databases for the benchmarks: a PostgreSQL server they are pointed at gets a schema of
their own, dropped afterwards; a SQLite URL names a file of the user's choosing, used as given."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import sqlalchemy as sa

from newsdesk.store.db import Database
from tests.scratch import migrated, postgres_schema


@contextmanager
def scratch_database(url: str | None, prefix: str) -> Iterator[Database | None]:
    """A migrated store: a temp SQLite file (or the one a SQLite ``url`` names), or a fresh
    schema on the PostgreSQL server at ``url``, dropped afterwards. None when it is unreachable."""
    if url is None or url.startswith("sqlite"):
        with migrated(url or f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db") as db:
            yield db
        return
    with ExitStack() as stack:
        try:
            db = stack.enter_context(postgres_schema(url, prefix.replace("-", "_")))
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL unreachable ({exc.orig}); skipped")
            yield None
            return
        yield db
