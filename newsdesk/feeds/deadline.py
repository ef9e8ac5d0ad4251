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

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._watched: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it has passed)."""
        with self._lock:
            if self._closed or id(sock) in self._watched:
                return
            # A duplicate descriptor of the same connection: shutting it down ends reads on
            # the original too, and it works for TLS sockets, which cannot be dup()ed.
            copy = socket.socket(fileno=os.dup(sock.fileno()))
            self._watched[id(sock)] = copy
            if self.expired:
                _shutdown(copy)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for copy in self._watched.values():
                _shutdown(copy)

    def _close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            for copy in self._watched.values():
                copy.close()
            self._watched.clear()


def _shutdown(sock: socket.socket) -> None:
    with suppress(OSError):  # the other side may have closed it already
        sock.shutdown(socket.SHUT_RDWR)


_CURRENT: ContextVar[Deadline | None] = ContextVar("newsdesk_fetch_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Within the block, sockets passed to :func:`watch` are shut down after ``seconds``."""
    limit = Deadline(seconds)
    token = _CURRENT.set(limit)
    limit._timer.start()
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
