"""Reads in the caller's session or in one of their own.

A web request reads everything it shows through the one session its dependency opened
(``newsdesk.web.deps.request_session``); the CLI, flows and tests pass the database and get
a session for the read. Writes never come here: each is its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from newsdesk.store.db import Database

Store = Database | Session


@contextmanager
def reading(store: Store) -> Iterator[Session]:
    if not isinstance(store, Session):
        with store.session() as session:
            yield session
        return
    # Each read ends its transaction, so a request holds no connection between its reads: a
    # write it makes (its own transaction) never waits on its own reads for a connection (30
    # concurrent requests exhausted the pool) or, on SQLite, behind a snapshot they hold.
    # Commit, not rollback: the objects read stay loaded (expire_on_commit is off).
    try:
        yield store
    except BaseException:
        store.rollback()
        raise
    store.commit()
