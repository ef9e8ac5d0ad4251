"""The store's change counts, read once per request on a connection of the web process's own."""

from __future__ import annotations

import threading
from contextlib import suppress
from typing import Any

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
    (2 processes, 3 runs each, load 7-10): a cohort waiting for a read goes on all at once.

    The statement goes to the driver's own cursor: through SQLAlchemy's ``exec_driver_sql`` the
    read cost ten times the query (its execution context and result machinery, ~0.25 ms of a
    kept page's ~1.4 ms under load). A connection that broke (a restarted server) is opened
    again once: the driver's error, or SQLAlchemy's when it saw the connection go."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None
        self._cursor: Any = None
        self._lock = threading.Lock()

    def read(self) -> dict[str, int]:
        with self._lock:
            try:
                return self._read()
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
            except self.db.engine.dialect.loaded_dbapi.OperationalError:
                pass
            except self.db.engine.dialect.loaded_dbapi.InterfaceError:
                pass
            self._close(broken=True)
            return self._read()

    def _read(self) -> dict[str, int]:
        if self._cursor is None:
            self._connection = self.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
            self._cursor = self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self._cursor.execute(COUNTS)
        return dict(self._cursor.fetchall())

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self, broken: bool = False) -> None:
        if self._cursor is not None:
            with suppress(Exception):  # a broken connection's cursor may fail to close
                self._cursor.close()
            self._cursor = None
        if self._connection is not None:
            if broken:
                self._connection.invalidate()  # not back to the pool
            self._connection.close()
            self._connection = None
