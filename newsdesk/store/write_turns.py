"""Ingest's write turns on SQLite: each store transaction followed by a pause as long as it held
the write lock, so an editor's write between two of ingest's finds the lock free."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from newsdesk.store.db import Database


class WriteTurns:
    """Ingest's store transactions on SQLite, each followed by a pause as long as it held the
    write lock: ingest holds SQLite's one write lock at most half the time.

    SQLite queues no one: a writer that finds the lock taken sleeps and retries (1, 2, 5 ... up
    to 100 ms apart). Batches committed back to back left the lock free ~1 ms between ~15 ms
    holds, so an editor's action retried into the holds until the whole feed was in (half the
    time at a load of 5). With each pause as long as the hold before it, every retry finds the
    lock free with even odds, whatever the load. One per database in this process, shared by
    its ingest threads; PostgreSQL locks rows, not the database, and is not paced.
    """

    def __init__(self, db: Database) -> None:
        self._paced = db.engine.dialect.name == "sqlite"
        self._lock = threading.Lock()
        self._next = 0.0  # monotonic time the next turn may start

    def due_in(self) -> float:
        """Seconds until the next turn may start (0: now, and always on PostgreSQL)."""
        return max(0.0, self._next - time.monotonic()) if self._paced else 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._paced:
            yield
            return
        with self._lock:
            time.sleep(max(0.0, self._next - time.monotonic()))
            start = time.monotonic()
            try:
                yield
            finally:
                end = time.monotonic()
                self._next = end + (end - start)


_turns: WeakKeyDictionary[Database, WriteTurns] = WeakKeyDictionary()
_turns_guard = threading.Lock()


def write_turns(db: Database) -> WriteTurns:
    with _turns_guard:
        return _turns.setdefault(db, WriteTurns(db))
