"""The store's change counts, read once per request on a connection of the web process's own."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from newsdesk.store.db import Database

if TYPE_CHECKING:
    import psycopg

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
    begin and commit and the ORM's machinery: a fifth of a kept page's CPU), and on the event
    loop (a trip to a worker thread cost more than the read, and under load waited for the GIL).
    SQLite answers in-process at once. PostgreSQL is asked without blocking the loop, on an
    asyncio connection; requests that ask while a read is on its way share the next one. A
    connection that broke (a restarted server) is opened again once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None
        self._lock = threading.Lock()
        self._postgres = db.engine.dialect.name == "postgresql"
        self._async: psycopg.AsyncConnection | None = None
        self._next: asyncio.Future[dict[str, int]] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def latest(self) -> dict[str, int]:
        """The counts as a read started after this call finds them."""
        if not self._postgres:
            return self.read()
        loop = asyncio.get_running_loop()
        if self._next is None or self._next.get_loop() is not loop:
            self._next = loop.create_future()
        waiting = self._next
        if self._reader is None or self._reader.done():
            self._reader = loop.create_task(self._read_while_asked())
        return await asyncio.shield(waiting)

    async def _read_while_asked(self) -> None:
        """One read at a time, each for all who asked while the one before was on its way:
        under load a handful of reads serve every request, and none gets a count read before
        it asked."""
        while self._next is not None:
            asked, self._next = self._next, None
            try:
                asked.set_result(await self._read_async())
            except Exception as exc:  # each request that asked meets the error
                asked.set_exception(exc)

    async def _read_async(self) -> dict[str, int]:
        import psycopg  # a PostgreSQL store's driver

        try:
            return await self._query_async()
        except psycopg.OperationalError:
            await self._close_async()
            return await self._query_async()

    async def _query_async(self) -> dict[str, int]:
        import psycopg

        if self._async is None:
            url = self.db.engine.url.set(drivername="postgresql")
            self._async = await psycopg.AsyncConnection.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )
        cursor = await self._async.execute(COUNTS)
        return dict(await cursor.fetchall())  # type: ignore[arg-type]

    def read(self) -> dict[str, int]:
        """The counts now, on a blocking connection (SQLite's page reads, and tests)."""
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

    async def aclose(self) -> None:
        self.close()
        await self._close_async()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _close_async(self) -> None:
        if self._async is not None:
            await self._async.close()
            self._async = None
