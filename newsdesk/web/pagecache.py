"""Pages, or the parts of them every reader sees alike, made once per process and served again
while what they show stands.

A key names everything a part shows: the store's change count for what it reads
(``newsdesk.web.changes``: the drafts, or a closed metrics period's snapshots and sources) and the
request's parameters; never who asks (their name and CSRF token are put around the part on each
request). A part that shows times ("还剩 3小时12分", "起草中 · 5 分钟") is kept only until the
first of them would read differently. When many requests ask for a part nobody has made yet,
one makes it and the others wait for it: after a change, 50 editors' reloads cost one render.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")

# Parts kept per process: the working day's queue under each filter and page of earlier drafts,
# a few days' pages, the API's pages and a few metrics periods (tens of KB each).
KEPT = 128


@dataclass(frozen=True)
class Made(Generic[T]):
    value: T
    until: float  # time.monotonic() past which it may read differently


def forever(value: T) -> Made[T]:
    """A part that shows no times: it stands as long as its key does."""
    return Made(value, float("inf"))


def once(value: T) -> Made[T]:
    """A part for this request only (it shows what its key does not follow)."""
    return Made(value, float("-inf"))


class PageCache:
    """At most ``kept`` parts by key, the least recently used going first."""

    def __init__(self, kept: int = KEPT) -> None:
        self.most = kept
        self._made: OrderedDict[Hashable, Made[Any]] = OrderedDict()
        self._making: dict[Hashable, Future[Made[Any]]] = {}
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any | None:
        """The part under ``key`` if one stands, else None; never waits for a maker."""
        with self._lock:
            found = self._made.get(key)
            if found is None or time.monotonic() >= found.until:
                return None
            self._made.move_to_end(key)
            return found.value

    async def kept(self, key: Hashable, make: Callable[[], Made[T]]) -> T:
        """:meth:`get` for the event loop: a part that stands is served on the loop (a trip to a
        worker thread cost more than a kept page's own work); making one, or waiting for
        another request making it, is done in a worker thread. Parts are never None."""
        found = self.peek(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        return await run_in_threadpool(self.get, key, make)

    def get(self, key: Hashable, make: Callable[[], Made[T]]) -> T:
        """The part under ``key``, made by ``make`` (which says how long it stands) when there
        is none that still stands."""
        with self._lock:
            found = self._made.get(key)
            if found is not None and time.monotonic() < found.until:
                self._made.move_to_end(key)
                return found.value  # type: ignore[no-any-return]
            making = self._making.get(key)
            if making is None:
                mine: Future[Made[Any]] = Future()
                self._making[key] = mine
        if making is not None:
            try:
                return making.result().value  # type: ignore[no-any-return]
            except Exception:  # its maker failed: the error is this request's to meet
                return make().value
        try:
            made = make()
        except BaseException as exc:
            with self._lock:
                del self._making[key]
            mine.set_exception(exc)
            raise
        with self._lock:
            del self._making[key]
            self._made[key] = made
            self._made.move_to_end(key)
            while len(self._made) > self.most:
                self._made.popitem(last=False)
        mine.set_result(made)
        return made.value
