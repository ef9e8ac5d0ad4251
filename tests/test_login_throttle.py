"""The login throttle and API token bookkeeping under attack (issue 26 items 1 and 4).

Measured before the fix: 400 POSTs of 0.9 MB names grew the server from 191 to 549 MiB
for good; a made-up X-Forwarded-For per guess was a fresh budget; 50 concurrent guesses
let 31 (SQLite) / 44 (PostgreSQL) through a limit of 5; every API call wrote its token's
last use, so read-only calls waited 25 s behind a long feed write.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from newsdesk.review.accounts import LoginThrottle, actor_for_token, issue_token, list_tokens
from newsdesk.store.db import Database
from tests.test_web import csrf_of
from tests.web_support import ROOT, WebServer, free_port, review_settings, seed_users

HUGE_NAME = "a" * 900_000


def _guess(base: str, name: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    with requests.Session() as http:
        token = csrf_of(http.get(f"{base}/login", timeout=30).text)
        answer = http.post(
            f"{base}/login",
            data={"username": name, "password": "not-the-password", "csrf": token},
            headers=headers or {},
            timeout=60,
        )
    return answer.status_code, answer.text


def test_the_throttle_keeps_little_and_forgets() -> None:
    now = [0.0]
    throttle = LoginThrottle(attempts=3, window=60, max_keys=100, clock=lambda: now[0])
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for n in range(400):
        throttle.begin((f"{n}{HUGE_NAME}", "10.0.0.1"))
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()
    assert len(throttle) == 100
    assert grown < 200_000, grown  # 400 x 0.9 MB names kept whole were 360 MB
    now[0] = 61.0
    throttle.begin(("editor", "10.0.0.1"))
    assert len(throttle) == 1  # every key past its window went


@pytest.fixture
def desk(db: Database) -> Database:
    seed_users(db)
    return db


def test_concurrent_guesses_meet_one_count(desk: Database) -> None:
    settings = review_settings()
    settings.web.login_attempts = 5
    with WebServer(settings, desk) as server:
        sessions = []
        for _ in range(50):
            http = requests.Session()
            sessions.append((http, csrf_of(http.get(f"{server.url}/login", timeout=30).text)))
        start = threading.Barrier(50)
        answers: list[str] = []

        def guess(http: requests.Session, token: str) -> None:
            start.wait()
            form = {"username": "editor", "password": "wrong-guess", "csrf": token}
            answers.append(http.post(f"{server.url}/login", data=form, timeout=120).text)

        threads = [threading.Thread(target=guess, args=pair) for pair in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    verified = sum("wrong username or password" in a for a in answers)
    refused = sum("too many" in a for a in answers)
    assert (verified, refused) == (5, 45)


@pytest.fixture
def web_process(tmp_path: Path) -> Iterator[str]:
    """``newsdesk web`` as an operator starts it, on the demo desk, throttle at 3."""
    port = free_port()
    env = os.environ | {
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "NEWSDESK_WEB__LOGIN_ATTEMPTS": "3",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "web", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"{base}/login", timeout=5)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode()) from None  # type: ignore[union-attr]
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_made_up_forwarded_address_is_no_fresh_budget(web_process: str) -> None:
    answers = [
        _guess(web_process, "editor", {"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(6)
    ]
    assert [status for status, _ in answers] == [401] * 6
    assert sum("too many" in text for _, text in answers) == 3
    status, text = _guess(web_process, HUGE_NAME)
    assert status == 401 and "wrong username or password" in text


def test_a_token_is_marked_used_at_most_once_a_minute(desk: Database) -> None:
    token = issue_token(desk, "editor", "nightly")
    actor_for_token(desk, token)
    (first,) = [t.last_used_at for t in list_tokens(desk, "editor")]
    actor_for_token(desk, token)
    (second,) = [t.last_used_at for t in list_tokens(desk, "editor")]
    assert first is not None and second == first


def test_api_reads_do_not_wait_for_the_write_lock(tmp_path: Path, sqlite_db: Database) -> None:
    """A long write (a big feed being stored) holds SQLite's one write lock; API reads go on."""
    seed_users(sqlite_db)
    api = {"Authorization": f"Bearer {issue_token(sqlite_db, 'editor')}"}
    path = sqlite_db.url.removeprefix("sqlite:///")
    with WebServer(review_settings(), sqlite_db) as server:
        writer = sqlite3.connect(path, timeout=1, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        answers: list[int] = []
        reader = threading.Thread(
            target=lambda: answers.append(
                requests.get(f"{server.url}/api/queue", headers=api, timeout=60).status_code
            )
        )
        reader.start()
        reader.join(timeout=20)  # the store's busy timeout is 30 s: a waiting read is still waiting
        answered_while_locked = list(answers)
        writer.execute("ROLLBACK")
        writer.close()
        reader.join()
        deadline = time.monotonic() + 30
        while list_tokens(sqlite_db, "editor")[0].last_used_at is None:
            assert time.monotonic() < deadline, "the use was never recorded"
            time.sleep(0.1)
    assert answered_while_locked == [200]
