"""The store's change counts, read once per request on a connection of the web process's own."""

from __future__ import annotations

import threading

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from newsdesk.store.db import Database

COUNTS = "SELECT name, count FROM store_changes"


class ChangeCounts:
    """How many transactions have changed each kind of content so far (any process; the
    database's triggers count them, migrations 0016 and 0017): ``drafts`` (drafts and their
    versions), ``users`` (users and API tokens) and ``metrics`` (daily snapshots, sources); a
    kind without its counter is missing.

    Read it before what it guards: what is read after it is at least as new as the count, so
    a page kept under a count is never older than that count.

    Every request reads the counts, so they are read on a connection kept open in autocommit,
    one statement (a pooled session's read was a checkout, a ping on PostgreSQL, a transaction's
    begin and commit and the ORM's machinery: a fifth of a kept page's CPU), on the event loop:
    a trip to a worker thread cost more than the read, and under load waited for the GIL. On
    PostgreSQL the loop waits for the round trip (~0.1 ms); reading on an asyncio connection,
    requests that asked at once sharing one read, used less CPU but doubled p95 at 50 clients
    (2 processes, 3 runs each, load 7-10): a cohort waiting for a read goes on all at once. A connection that broke (a restarted server) is opened
    again once."""

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
        return dict(self._connection.exec_driver_sql(COUNTS).tuples().all())

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
