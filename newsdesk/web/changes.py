"""The store's change counts, read once per request on a connection of the web process's own."""

from __future__ import annotations

import threading

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from newsdesk.store.db import Database
from newsdesk.store.models import StoreChanges

COUNTS = select(StoreChanges.name, StoreChanges.count)


class ChangeCounts:
    """How many transactions have changed each kind of content so far (any process; the
    database's triggers count them, migrations 0016 and 0017): ``drafts`` (drafts and their
    versions) and ``users`` (users and API tokens); a kind without its counter is missing.

    Read it before what it guards: what is read after it is at least as new as the count, so
    a page kept under a count is never older than that count.

    Every request reads the counts, so they are read on one connection kept open in autocommit:
    a single statement, where a pooled session's read was a checkout (a ping on PostgreSQL), a
    transaction's begin and commit, and the ORM's machinery around them, a fifth of a kept
    page's CPU. A connection that broke (a restarted server) is opened again once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def read(self) -> dict[str, int]:
        with self._lock:
            try:
                return self._read()
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                self._close()
                return self._read()

    def _read(self) -> dict[str, int]:
        if self._connection is None:
            self._connection = self.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        return dict(self._connection.execute(COUNTS).tuples().all())

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
