"""Share global concurrency slots among the threads of one process.

A global slot (one of the ``llm`` limit's, held on the Prefect server under a
lease) is dear to get: an API call, and while the limit is full a poll. Handing
a held slot from one thread to the next is a condition-variable notify. So a
process keeps the slots it holds while some of its own calls wait for one, and
gives each back to the server the moment none does: a fan-out inside one
process runs at the speed of local hand-off, and another process (another
worker) gets a slot as soon as this one has no use for it and its poll comes
round. A process never holds more slots than it has calls in flight, waiting
or announced (an announced call that does not come lapses after twice the
settle time), so a fan-out no longer keeps slots it does not use.

A fan-out announces its calls (``expecting``) before it starts them: the pool
takes what the limit has free for them first, while the Prefect server is
quiet. Started tasks write their states to the server, and on the embedded
SQLite server those writes lock the database for seconds at a time, so a slot
asked for after the tasks start may wait that long.

All server traffic (acquire, renew, release) goes through one keeper thread
per pool; the calls only wait on a condition. The keeper renews every held
lease at a third of its term (a failed renewal is tried again after a poll),
so a live process keeps its slots through a long provider call while the
slots of a dead one come back when their lease ends. A lease the server has
forgotten (it ran out) is dropped; the call under it runs to its end.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from newsdesk.errors import ConfigError

log = logging.getLogger(__name__)


class SourceBusy(Exception):
    """The slot source could not answer just now (a locked database, a dropped connection)."""


class SlotSource(Protocol):
    """Where global slots come from: one slot per lease."""

    def size(self) -> int:
        """The limit's size; raises when the limit cannot be used (it does not exist)."""
        ...

    def acquire(self) -> str | None:
        """One slot under a new lease, or None when the limit is full.

        Raises :class:`SourceBusy` when it cannot tell right now: the pool asks
        again after a short pause, and a fan-out announcing its calls waits on.
        """
        ...

    def renew(self, lease: str) -> bool:
        """Extend a lease; False when the server no longer knows it (it ran out)."""
        ...

    def release(self, lease: str) -> bool:
        """Give a slot back; False when the server was busy (the pool tries again later)."""
        ...


@dataclass(eq=False)
class _Claim:
    """Calls a fan-out announced and has not made yet, until ``until`` at the latest."""

    calls: int
    until: float


@dataclass(eq=False)
class _Held:
    lease: str
    renewed: float
    lost: bool = False


class SlotPool:
    """Global slots held by this process, lent to its threads one call at a time."""

    def __init__(
        self,
        source: SlotSource,
        *,
        poll_seconds: float,
        renew_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._poll = poll_seconds
        self._renew_every = renew_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)  # waiting calls sleep here
        self._wake = threading.Condition(self._lock)  # the keeper sleeps here
        self._idle: list[_Held] = []
        self._busy: set[_Held] = set()
        self._waiting = 0
        self._claims: list[_Claim] = []  # calls announced by fan-outs and not yet made
        self._misses = 0  # times the server had no slot (or no time) for us
        self._settled = threading.Condition(self._lock)  # an announcing fan-out sleeps here
        self._keeper: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._next_try = 0.0
        self._next_release = 0.0
        self._size = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the body; blocks until one is free."""
        held = self._take()
        try:
            yield
        finally:
            self._give(held)

    @contextmanager
    def expecting(self, calls: int, settle_seconds: float = 5.0) -> Iterator[None]:
        """Announce about ``calls`` calls to come; returns once the free slots are held.

        Waits until the pool holds a slot for each announced call (as far as the
        limit's size allows), or the server has none free right now, or
        ``settle_seconds`` have passed. Calls not made by the end of the block
        stop counting then.
        """
        with self._lock:
            # A task that finds nothing to do never calls: its claim lapses rather than keep
            # a slot idle for the whole fan-out.
            claim = _Claim(calls, self._clock() + settle_seconds * 2)
            self._claims.append(claim)
            misses = self._misses
            if self._keeper is None and self._failure is None:
                self._start_keeper()
            self._wake.notify()
            deadline = self._clock() + settle_seconds
            while (
                self._misses == misses
                and self._failure is None
                and self._held_count() < min(self._demand(), self._size or calls)
                and self._clock() < deadline
            ):
                self._settled.wait(deadline - self._clock())
        try:
            yield
        finally:
            with self._lock:
                self._claims.remove(claim)
                self._wake.notify()

    def held(self) -> int:
        with self._lock:
            return self._held_count()

    def close(self, timeout: float = 5.0) -> None:
        """Wait (bounded) for the keeper to give idle slots back, e.g. before the process exits."""
        with self._lock:
            keeper = self._keeper
            self._wake.notify()
        if keeper is not None and keeper is not threading.current_thread():
            keeper.join(timeout)

    def _holding(self) -> list[_Held]:
        """The leases this process holds on the server: idle ones and those lent out."""
        return [*self._idle, *(h for h in self._busy if not h.lost)]

    def _held_count(self) -> int:
        return len(self._holding())

    def _demand(self) -> int:
        """Calls that want a slot now or soon: waiting ones and announced ones not yet made."""
        now = self._clock()
        return self._waiting + sum(c.calls for c in self._claims if now < c.until)

    def _take(self) -> _Held:
        with self._lock:
            claim = next((c for c in self._claims if c.calls > 0), None)  # interchangeable
            if claim is not None:
                claim.calls -= 1  # an announced call arrives: it now waits instead
            self._waiting += 1
            try:
                while not self._idle:
                    if self._failure is not None:
                        raise self._failure
                    if self._keeper is None:
                        self._start_keeper()
                    self._wake.notify()
                    self._available.wait()
                held = self._idle.pop()
                self._busy.add(held)
                return held
            finally:
                self._waiting -= 1
                if self._waiting == 0:
                    self._failure = None  # every caller saw it; the next one tries afresh

    def _give(self, held: _Held) -> None:
        with self._lock:
            self._busy.discard(held)
            if held.lost:
                return
            self._idle.append(held)
            if self._waiting:
                self._available.notify()
            else:
                self._wake.notify()

    def _start_keeper(self) -> None:
        # Runs under the lock. The context copy carries the caller's settings (the API URL
        # of a temporary Prefect server, say) into the thread.
        context = contextvars.copy_context()
        self._keeper = threading.Thread(
            target=context.run, args=(self._keep,), name="slot-pool-keeper", daemon=True
        )
        self._keeper.start()

    def _keep(self) -> None:
        # A keeper starts only when the pool holds nothing, so failing here leaves nothing behind.
        try:
            size = self._source.size()
            if size < 1:
                raise ConfigError(f"the global concurrency limit has {size} slots: nothing can run")
        except Exception as exc:  # noqa: BLE001 (handed to every waiting call)
            with self._lock:
                self._fail(exc)
                self._keeper = None
            return
        with self._lock:
            self._size = size
        while True:
            with self._lock:
                step = self._next_step()
                if step is None:
                    self._keeper = None
                    return
            step()

    def _fail(self, exc: BaseException) -> None:
        # Under the lock. Only calls waiting now get the error: a later call asks afresh
        # rather than inherit a failure nobody saw.
        self._misses += 1
        self._next_try = self._clock() + self._retry_pause()
        if self._waiting:
            self._failure = exc
            self._available.notify_all()
        else:
            log.warning("could not take a slot: %s", exc)
        self._settled.notify_all()

    def _next_step(self) -> Callable[[], None] | None:
        """What the keeper does next, chosen under the lock; None when it has nothing to keep."""
        while True:
            now = self._clock()
            demand = self._demand()
            surplus = len(self._idle) > demand
            if surplus and now >= self._next_release:
                return self._releaser(self._idle.pop())
            held = self._holding()
            due = [h for h in held if now - h.renewed >= self._renew_every]
            if due:
                return self._renewer(due[0])
            wanted = demand - len(self._idle)
            can_take = wanted > 0 and self._failure is None and len(held) < self._size
            if can_take and now >= self._next_try:
                return self._acquire_one
            if not held and (not demand or self._failure is not None):
                return None
            deadlines = [h.renewed + self._renew_every for h in held]
            if can_take:
                deadlines.append(self._next_try)
            if surplus:
                deadlines.append(self._next_release)
            deadlines += [c.until for c in self._claims if c.calls and now < c.until]
            self._wake.wait(max(0.0, min(deadlines) - now) if deadlines else None)

    def _acquire_one(self) -> None:
        try:
            lease = self._source.acquire()
        except SourceBusy:
            with self._lock:
                self._next_try = self._clock() + self._retry_pause() / 5
            return
        except Exception as exc:  # noqa: BLE001 (handed to every waiting call)
            with self._lock:
                self._fail(exc)
            return
        with self._lock:
            self._settled.notify_all()
            if lease is None:
                self._misses += 1
                self._next_try = self._clock() + self._retry_pause()
                return
            self._idle.append(_Held(lease, self._clock()))
            self._available.notify()

    def _retry_pause(self) -> float:
        # Jitter keeps the workers polling one limit from asking in lockstep.
        return self._poll * random.uniform(0.8, 1.2)

    def _renewer(self, held: _Held) -> Callable[[], None]:
        def renew() -> None:
            try:
                alive = self._source.renew(held.lease)
            except Exception:  # noqa: BLE001 (a busy server: the lease has time left)
                log.warning("could not renew slot lease %s", held.lease, exc_info=True)
                with self._lock:  # try again after a poll, not a whole renewal interval
                    held.renewed = self._clock() - self._renew_every + self._retry_pause()
                return
            with self._lock:
                held.renewed = self._clock()
                if not alive:
                    log.warning("slot lease %s ran out; the slot is no longer held", held.lease)
                    held.lost = True
                    if held in self._idle:
                        self._idle.remove(held)

        return renew

    def _releaser(self, held: _Held) -> Callable[[], None]:
        def release() -> None:
            try:
                if self._source.release(held.lease):
                    return
            except Exception:  # noqa: BLE001 (the lease runs out on its own)
                log.warning("could not release slot lease %s", held.lease, exc_info=True)
                return
            with self._lock:  # busy server: keep the slot (a caller may want it) and retry later
                self._idle.append(held)
                self._next_release = self._clock() + self._retry_pause()
                if self._waiting:
                    self._available.notify()

        return release
