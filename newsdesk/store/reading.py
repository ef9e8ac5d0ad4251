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
    if isinstance(store, Session):
        yield store
        return
    with store.session() as session:
        yield session
