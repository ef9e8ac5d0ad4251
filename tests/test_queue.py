"""The review queue as editors use it: the working day in full, earlier undecided drafts a bounded
page at a time (oldest first, counted), the JSON API by cursor; one query per listing."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from newsdesk.clock import desk_clock
from newsdesk.review.accounts import issue_token
from newsdesk.review.queue import InvalidCursor, queue, queue_page, working_queue
from newsdesk.store.db import Database
from newsdesk.timetable import working_day
from tests.review_data import plant
from tests.scratch import selects_sent
from tests.web_support import PASSWORDS, WebServer, free_port, review_settings, seed_users

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = review_settings()
TODAY = date(2026, 11, 30)
SLOTS = ("morning_report", "viewpoint", "promo")


def plant_days(db: Database, last: date, days: int, state: str = "pending_review") -> list[int]:
    """Three drafts a day for ``days`` days ending the day before ``last``, oldest first."""
    first = last - timedelta(days=days)
    return [
        plant(db, day=first + timedelta(days=n), slot=slot, kind=slot, state=state)
        for n in range(days)
        for slot in SLOTS
    ]


def test_earlier_undecided_drafts_come_a_page_at_a_time_oldest_first(db: Database) -> None:
    earlier = plant_days(db, TODAY, 10)
    plant_days(db, TODAY - timedelta(days=20), 2, state="approved")  # decided: never carried
    today = plant(db, day=TODAY)
    seen: list[int] = []
    cursor = None
    while True:
        page = working_queue(db, TODAY, earlier_limit=7, earlier_cursor=cursor)
        assert [r.id for r in page.rows] == [today] and page.earlier_total == 30
        assert len(page.earlier) <= 7
        seen += [r.id for r in page.earlier]
        cursor = page.earlier_next
        if cursor is None:
            break
    assert seen == earlier  # every one once, oldest first


def test_the_queue_is_one_query_whatever_its_length(db: Database) -> None:
    plant_days(db, TODAY, 4)
    with selects_sent(db) as few:
        assert len(queue(db, day=TODAY, carry_open=True)) == 12
    plant_days(db, TODAY - timedelta(days=4), 20)
    with selects_sent(db) as many:
        assert len(queue(db, day=TODAY, carry_open=True)) == 72
    assert len(few) == len(many) == 1
    with selects_sent(db) as page:
        working_queue(db, TODAY, earlier_limit=10)
    assert len(page) == 3  # the day, the earlier count, the earlier page


def test_api_pages_by_cursor_in_queue_order(db: Database) -> None:
    plant_days(db, TODAY, 5)
    for n in range(3):
        plant(db, day=TODAY, slot=f"breaking-{n}", kind="breaking")
    whole = [r.id for r in queue(db)]
    assert len(whole) == 18 and [r.kind for r in queue(db)][:3] == ["breaking"] * 3
    paged: list[int] = []
    cursor = None
    while True:
        rows, cursor = queue_page(db, limit=4, cursor=cursor)
        paged += [r.id for r in rows]
        if cursor is None:
            break
    assert paged == whole


FORGED = [
    [],
    {},
    ["2026-11-30", True],
    ["2026-11-30", 1, "2026-11-30T08:00:00+00:00"],  # one value short
    ["2026-11-30", 1, "2026-11-30T08:00:00", 5],  # a naive time
    ["2026-11-30", 1, "9999-12-31T23:00:00-14:00", 5],  # past the calendar in UTC
    ["2026-11-30", 2**63, "2026-11-30T08:00:00+00:00", 5],
    ["2026-13-30", 1, "2026-11-30T08:00:00+00:00", 5],
]


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize("cursor", ["nope", "%%%", *(_cursor(v) for v in FORGED)])
def test_a_forged_cursor_is_refused(db: Database, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        queue_page(db, cursor=cursor)
    with pytest.raises(InvalidCursor):
        working_queue(db, TODAY, earlier_limit=5, earlier_cursor=cursor)


def test_queue_page_and_api_over_http(db: Database) -> None:
    seed_users(db)
    token = issue_token(db, "editor")
    working = working_day(SETTINGS, desk_clock(SETTINGS).now())  # the demo desk: its day
    plant_days(db, working, 30)  # 90 undecided from earlier days
    current = plant(db, day=working)
    with WebServer(SETTINGS, db) as server:
        session = requests.Session()
        login = session.get(f"{server.url}/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
        session.post(
            f"{server.url}/login",
            data={"username": "editor", "password": PASSWORDS["editor"], "csrf": csrf},
        )
        html = session.get(f"{server.url}/queue").text
        assert html.count('class="draft-row') == 1 + SETTINGS.review.earlier_page
        assert f"/drafts/{current}" in html and "共 90 条未决" in html
        following = re.search(r'class="next-page" href="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        second = session.get(server.url + following.replace("&amp;", "&")).text
        assert second.count('class="draft-row') == 1 + 90 - SETTINGS.review.earlier_page

        headers = {"Authorization": f"Bearer {token}"}
        response = requests.get(f"{server.url}/api/queue", params={"limit": 50}, headers=headers)
        assert response.status_code == 200 and len(response.json()) == 50
        rest = requests.get(
            f"{server.url}/api/queue",
            params={"limit": 50, "cursor": response.headers["X-Next-Cursor"]},
            headers=headers,
        )
        assert len(rest.json()) == 41 and "X-Next-Cursor" not in rest.headers
        ids = [r["id"] for r in response.json() + rest.json()]
        assert sorted(ids) == sorted(set(ids)) and len(ids) == 91
        for bad in ({"cursor": "nope"}, {"limit": 0}, {"limit": 501}):
            refused = requests.get(f"{server.url}/api/queue", params=bad, headers=headers)
            assert refused.status_code in (400, 422), bad


def test_newsdesk_web_serves_with_worker_processes(sqlite_db: Database) -> None:
    """web.workers: the server runs that many processes, each with the desk's app."""
    seed_users(sqlite_db)
    working = working_day(SETTINGS, desk_clock(SETTINGS).now())  # the demo desk: its day
    current = plant(sqlite_db, day=working)
    port = free_port()
    env = os.environ | {
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": sqlite_db.url,
        "NEWSDESK_WEB__WORKERS": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600  # a start-up bound (a loaded machine), not a speed
        while True:
            try:
                session = requests.Session()
                login = session.get(f"{url}/login", timeout=5).text
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr
                time.sleep(0.2)
        csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
        session.post(
            f"{url}/login",
            data={"username": "editor", "password": PASSWORDS["editor"], "csrf": csrf},
        )
        for _ in range(6):  # whichever process answers, it serves the same desk
            assert f"/drafts/{current}" in session.get(f"{url}/queue", timeout=30).text
        workers = _worker_processes(server.pid)
        assert len(workers) == 2
    finally:
        server.terminate()  # uvicorn stops its workers first; on a loaded machine, slowly
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _worker_processes(pid: int) -> list[int]:
    """uvicorn's worker processes under ``pid`` (multiprocessing children running the app)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [
        child
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
