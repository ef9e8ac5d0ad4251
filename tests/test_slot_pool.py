"""The slot pool: a process's calls share the global slots it holds, and give them back.

``Limit`` stands in for the Prefect server's global concurrency limit (an
external system): a counter of leased slots with the server's answers —
a lease, "full", "busy" — and leases that can run out. The pool against the
real Prefect server is tested in tests/test_orchestration.py.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from newsdesk.errors import ConfigError
from newsdesk.slot_pool import SlotPool, SourceBusy


class Limit:
    """A global limit of ``size`` slots, one per lease."""

    def __init__(self, size: int, *, busy_first: int = 0, release_busy_first: int = 0) -> None:
        self.size_ = size
        self.leases: set[str] = set()
        self.acquired = self.full = self.renewed = 0
        self.busy_left = busy_first
        self.release_busy_left = release_busy_first
        self.missing = False
        self.forget_on_renew = False
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def size(self) -> int:
        if self.missing:
            raise ConfigError("the global concurrency limit 'llm' does not exist")
        return self.size_

    def acquire(self) -> str | None:
        with self._lock:
            if self.busy_left:
                self.busy_left -= 1
                raise SourceBusy("database is locked")
            if len(self.leases) >= self.size_:
                self.full += 1
                return None
            lease = f"lease-{next(self._ids)}"
            self.leases.add(lease)
            self.acquired += 1
            return lease

    def renew(self, lease: str) -> bool:
        with self._lock:
            self.renewed += 1
            if self.forget_on_renew:
                self.leases.discard(lease)  # it ran out on the server
            return lease in self.leases

    def release(self, lease: str) -> bool:
        with self._lock:
            if self.release_busy_left:
                self.release_busy_left -= 1
                return False
            self.leases.discard(lease)
            return True

    @property
    def active(self) -> int:
        with self._lock:
            return len(self.leases)


class Gauge:
    """Counts calls running at once inside pools."""

    def __init__(self) -> None:
        self.now = self.peak = self.done = 0
        self._lock = threading.Lock()

    def call(self, pool: SlotPool, seconds: float) -> None:
        with pool.slot():
            with self._lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            time.sleep(seconds)
            with self._lock:
                self.now -= 1
                self.done += 1


def pool_on(limit: Limit, poll: float = 0.01, renew: float = 60.0) -> SlotPool:
    return SlotPool(limit, poll_seconds=poll, renew_seconds=renew)


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def run_calls(pool: SlotPool, gauge: Gauge, calls: int, seconds: float) -> None:
    with ThreadPoolExecutor(calls) as threads:
        list(threads.map(lambda _: gauge.call(pool, seconds), range(calls)))


def test_calls_share_held_slots_and_never_exceed_the_limit() -> None:
    limit, gauge = Limit(4), Gauge()
    pool = pool_on(limit)
    run_calls(pool, gauge, 40, 0.02)
    assert gauge.done == 40 and gauge.peak == 4
    # A freed slot goes to the next waiting call: far fewer leases than calls.
    assert limit.acquired < 20
    pool.close()
    assert limit.active == 0 and pool.held() == 0


def test_a_slot_goes_back_to_the_server_as_soon_as_no_call_waits() -> None:
    limit = Limit(3)
    pool = pool_on(limit)
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with pool.slot():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    with pool.slot():
        assert limit.active == 2
    eventually(lambda: limit.active == 1)  # the finished call's slot is back; the held one stays
    release.set()
    thread.join()
    eventually(lambda: limit.active == 0)


def test_two_processes_share_the_limit_and_each_gets_freed_slots() -> None:
    limit, gauge = Limit(4), Gauge()
    first, second = pool_on(limit), pool_on(limit)
    with ThreadPoolExecutor(2) as both:
        jobs = [both.submit(run_calls, p, gauge, 12, 0.02) for p in (first, second)]
        for job in jobs:
            job.result()
    assert gauge.done == 24 and gauge.peak <= 4
    # One pool idle: the other can take the whole limit.
    alone = Gauge()
    run_calls(second, alone, 8, 0.05)
    assert alone.peak == 4
    for p in (first, second):
        p.close()
    assert limit.active == 0


def test_expecting_takes_free_slots_first_and_returns_unused_ones() -> None:
    limit = Limit(4)
    pool = pool_on(limit)
    with pool.expecting(10):
        assert limit.active == 4  # as many as the limit allows, before any call starts
        with pool.slot():
            assert limit.active == 4
        assert limit.active == 4  # nine announced calls still to come: kept
    eventually(lambda: limit.active == 0)  # the block ended: nothing more is coming


def test_expecting_does_not_wait_for_a_full_limit() -> None:
    limit = Limit(2)
    other = pool_on(limit)
    with other.expecting(2):
        assert limit.active == 2
        pool = pool_on(limit)
        held: list[int] = []

        def announce() -> None:
            # An hour to settle: returning at all means the server's "full" ended the wait.
            with pool.expecting(3, settle_seconds=3600):
                held.append(pool.held())

        announcer = threading.Thread(target=announce)
        announcer.start()
        announcer.join(timeout=60)
        assert not announcer.is_alive() and held == [0] and limit.full >= 1
    eventually(lambda: limit.active == 0)


def test_announced_calls_that_never_come_do_not_keep_slots() -> None:
    limit = Limit(4)
    pool = pool_on(limit)
    with pool.expecting(4, settle_seconds=0.1):
        with pool.slot():
            pass  # one task drafted; the other three found their drafts done
        eventually(lambda: limit.active == 0)  # the claims lapsed: nothing held idle


def test_a_limit_of_no_slots_is_an_error_not_a_wait() -> None:
    pool = pool_on(Limit(0))
    with pytest.raises(ConfigError, match="0 slots"), pool.slot():
        pass


def test_a_failure_only_an_announcement_saw_is_not_raised_later() -> None:
    limit = Limit(2)
    limit.missing = True
    pool = pool_on(limit)
    with pool.expecting(2):  # no call waits: the failure is logged, not kept
        pass
    limit.missing = False
    with pool.slot():
        assert limit.active == 1


def test_a_busy_server_only_delays_calls() -> None:
    limit, gauge = Limit(2, busy_first=5, release_busy_first=2), Gauge()
    pool = pool_on(limit)
    run_calls(pool, gauge, 6, 0.01)
    assert gauge.done == 6 and limit.busy_left == 0
    eventually(lambda: limit.active == 0)  # releases refused while busy were tried again


def test_a_missing_limit_fails_every_waiting_call_and_the_next_call_tries_again() -> None:
    limit = Limit(2)
    limit.missing = True
    pool = pool_on(limit)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            with pool.slot():
                pass
        except ConfigError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(errors) == 3 and "does not exist" in str(errors[0])
    limit.missing = False  # the operator ran `newsdesk prefect setup`
    with pool.slot():
        assert limit.active == 1


def test_held_leases_are_renewed_and_a_lost_one_is_replaced() -> None:
    limit = Limit(2)
    pool = pool_on(limit, renew=0.05)
    with pool.slot():
        eventually(lambda: limit.renewed >= 2)  # renewed while a long call runs
        limit.forget_on_renew = True  # the server restarted: the lease is gone
        eventually(lambda: pool.held() == 0)
        limit.forget_on_renew = False
    with pool.slot():  # a fresh lease, not the lost one
        assert limit.active == 1 and pool.held() == 1
    eventually(lambda: limit.active == 0)


@pytest.mark.parametrize("calls", [1, 3])
def test_close_gives_every_slot_back_before_the_process_exits(calls: int) -> None:
    limit, gauge = Limit(2), Gauge()
    pool = pool_on(limit)
    run_calls(pool, gauge, calls, 0.01)
    pool.close()  # what the atexit hook does in a worker's flow-run process
    assert limit.active == 0 and pool.held() == 0
