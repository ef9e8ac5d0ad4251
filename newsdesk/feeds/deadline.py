"""A wall-clock deadline for one fetch that also stops a read in progress.

Socket timeouts bound each read, not the whole: a server that sends one byte
every 2 s never trips a 15 s read timeout, in the headers or in the body, and
a check between chunks never runs while the client waits for a chunk to fill.
So while a :func:`deadline` block is open, every socket the fetch connects or
reuses (``pinning.py`` calls :func:`watch`) is registered, and a timer shuts
them down when the time is up: the blocked read returns at once, and the
fetcher sees :attr:`Deadline.expired` and reports a timeout. A context variable
carries the deadline, so concurrent fetches in other threads keep their own.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.closed = False
        self._watched: dict[int, socket.socket] = {}
        self._lock = threading.Lock()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it has passed)."""
        with self._lock:
            if self.closed or id(sock) in self._watched:
                return
            # A duplicate descriptor of the same connection: shutting it down ends reads on
            # the original too, and it works for TLS sockets, which cannot be dup()ed.
            copy = socket.socket(fileno=os.dup(sock.fileno()))
            self._watched[id(sock)] = copy
            if self.expired:
                _shutdown(copy)

    def _expire(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.expired = True
            for copy in self._watched.values():
                _shutdown(copy)

    def _close(self) -> None:
        with self._lock:
            self.closed = True
            for copy in self._watched.values():
                copy.close()
            self._watched.clear()


class _Timers:
    """One thread that expires every open deadline of the process when its time comes. A
    ``threading.Timer`` per fetch started a thread per fetch: ~0.1 ms of CPU each, and up to a
    millisecond before the fetch could begin while the new thread was scheduled."""

    def __init__(self) -> None:
        self._reset()
        # A child forked while the thread held the lock would wait for it forever.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []  # a heap: the soonest first
        self._count = itertools.count()  # ties broken by arrival, never by Deadline
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, limit: Deadline) -> None:
        with self._wake:
            when = time.monotonic() + limit.seconds
            heapq.heappush(self._due, (when, next(self._count), limit))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-deadlines")
                self._thread.daemon = True
                self._thread.start()
            # Only a deadline sooner than every other changes how long the thread waits. Fetches
            # share one total_timeout, so each new one is the latest: waking the thread for it
            # (to wait as long again) was a thread switch per fetch.
            if self._due[0][2] is limit:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._due and self._due[0][2].closed:  # fetches that ended in time
                    heapq.heappop(self._due)
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is None or wait > 0:
                    self._wake.wait(wait)
                    continue
                limit = heapq.heappop(self._due)[2]
            limit._expire()


_TIMERS = _Timers()


def _shutdown(sock: socket.socket) -> None:
    with suppress(OSError):  # the other side may have closed it already
        sock.shutdown(socket.SHUT_RDWR)


_CURRENT: ContextVar[Deadline | None] = ContextVar("newsdesk_fetch_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Within the block, sockets passed to :func:`watch` are shut down after ``seconds``."""
    limit = Deadline(seconds)
    token = _CURRENT.set(limit)
    _TIMERS.add(limit)
    try:
        yield limit
    finally:
        _CURRENT.reset(token)
        limit._close()


def watch(sock: socket.socket) -> None:
    """Put ``sock`` under the current fetch's deadline, if one is open."""
    limit = _CURRENT.get()
    if limit is not None:
        limit.watch(sock)
