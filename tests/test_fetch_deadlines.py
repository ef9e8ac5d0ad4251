"""Fetch deadlines share one timer thread (a ``threading.Timer`` per fetch started a thread per
fetch): each still expires on time, shuts its sockets down, and leaves the others alone."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from newsdesk.feeds.deadline import _TIMERS, deadline, watch


def test_many_deadlines_one_thread_each_expiring_on_its_own() -> None:
    before = threading.active_count()
    for _ in range(50):
        with deadline(30) as limit:
            pass
        assert not limit.expired
    assert threading.active_count() <= before + 1
    with deadline(0.2) as short, deadline(30) as long:
        time.sleep(0.5)
        assert short.expired and not long.expired


def test_an_expired_deadline_cuts_off_a_blocked_read() -> None:
    left, right = socket.socketpair()
    with left, right, deadline(0.3) as limit:
        watch(left)
        started = time.monotonic()
        assert left.recv(1) == b""  # shut down, not waiting for a byte that never comes
        assert limit.expired and time.monotonic() - started < 5


def test_a_deadline_closed_in_time_never_expires() -> None:
    with deadline(0.2) as limit:
        pass
    time.sleep(0.4)
    assert not limit.expired


def test_a_forked_child_gets_timers_of_its_own() -> None:
    with deadline(30):
        pass
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports by its exit status
        with deadline(0.2) as limit:
            time.sleep(0.5)
        os._exit(0 if limit.expired else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_timer_thread_is_woken_only_by_a_deadline_sooner_than_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every fetch has the same total_timeout, so each new deadline is the latest: waking the
    timer thread for it (to wait again as long as before) was a thread switch per fetch. One
    that comes sooner than the rest still wakes it, and expires on time."""
    woken: list[int] = []
    real = _TIMERS._wake.notify
    monkeypatch.setattr(_TIMERS._wake, "notify", lambda n=1: (woken.append(n), real(n)))
    with deadline(30) as first:
        soonest = len(woken)
        for _ in range(20):
            with deadline(30):
                pass
        assert len(woken) == soonest  # none of the 20 later ones woke it
        with deadline(0.2) as short:
            time.sleep(0.5)
        assert short.expired and not first.expired
