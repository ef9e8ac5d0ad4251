"""Fetch deadlines share one timer thread (a ``threading.Timer`` per fetch started a thread per
fetch): each still expires on time, shuts its sockets down, and leaves the others alone."""

from __future__ import annotations

import os
import socket
import threading
import time

from newsdesk.feeds.deadline import deadline, watch


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
