"""The queue page over real HTTP (uvicorn on 127.0.0.1), on both databases: the desk's clock
picks its day, and drafts a writer is still writing are shown as 起草中 with their age."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from newsdesk.clock import FixedClock
from newsdesk.review.accounts import issue_token
from newsdesk.review.service import get_draft
from newsdesk.store.db import Database
from newsdesk.store.models import ApiToken, Draft
from newsdesk.store.types import utcnow
from newsdesk.timetable import SHANGHAI
from tests.review_data import brief, plant
from tests.web_support import PASSWORDS, WebServer, review_settings, seed_users

DEMO_DAY = date(2026, 11, 23)


def signed_in(server: WebServer, username: str = "editor") -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORDS[username], "csrf": token}
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


@pytest.fixture
def desk(db: Database) -> Iterator[tuple[Database, WebServer]]:
    """The demo desk's review UI, on its own clock."""
    seed_users(db)
    with WebServer(review_settings(), db) as server:
        yield db, server


def being_written(db: Database, minutes: float, segment: str = "", day: date = DEMO_DAY) -> int:
    """A draft as the drafting service leaves it while its writer works: no text yet."""
    with db.session() as session:
        draft = Draft(
            day=day,
            slot="viewpoint",
            kind="viewpoint",
            segment=segment,
            title="个人观点",
            state="drafting",
            version=0,
            brief=brief("viewpoint", "viewpoint").as_json(),
            updated_at=utcnow() - timedelta(minutes=minutes),
        )
        session.add(draft)
        session.flush()
        return draft.id


def row_of(page: str, draft_id: int) -> str:
    match = re.search(
        rf'<li class="draft-row[^"]*" data-href="/drafts/{draft_id}">(.*?)</li>', page, re.S
    )
    assert match, f"draft {draft_id} is not in the queue"
    return match.group(1)


def test_the_demo_desk_opens_on_its_day(desk: tuple[Database, WebServer]) -> None:
    """The demo desk replays its day: the queue opens on it, its drafts in their slots, not
    among earlier days' undecided ones, and their deadlines still ahead."""
    db, server = desk
    draft_id = plant(db)
    page = signed_in(server).get("/queue").text
    assert f"审核队列 Review queue · {DEMO_DAY}" in page
    assert "往日未决" not in page and f"/drafts/{draft_id}" in page
    assert "已过截止时间" not in page.split("早报")[1].split("</h2>")[0]


def test_an_injected_clock_picks_the_working_day(db: Database) -> None:
    """A week after the planted day (the clock injected): that day is earlier and still open."""
    seed_users(db)
    draft_id = plant(db)
    clock = FixedClock(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))
    with WebServer(review_settings(), db, clock) as server:
        page = signed_in(server).get("/queue").text
    assert "审核队列 Review queue · 2026-11-30" in page
    assert "往日未决" in page and str(DEMO_DAY) in row_of(page, draft_id)


def test_a_draft_being_written_is_shown_with_its_age(desk: tuple[Database, WebServer]) -> None:
    db, server = desk
    writing, slow = being_written(db, minutes=3.5), being_written(db, minutes=65, segment="进阶")
    stuck = being_written(db, minutes=3 * 24 * 60, day=DEMO_DAY - timedelta(days=3))
    editor = signed_in(server)
    page = editor.get("/queue").text
    assert "起草中 · 3 分钟" in row_of(page, writing)
    assert "起草中 · 1 小时 5 分钟" in row_of(page, slow)
    assert "起草中 · 72 小时 0 分钟" in row_of(page, stuck)  # its writer is gone: in sight
    assert "往日未决" in page and "共 1 条未决" in page
    assert re.search(r'state-drafting">起草中 3<', page)  # counted with the others
    opened = editor.get(f"/drafts/{writing}")
    assert opened.status_code == 200 and 'value="approve"' not in opened.text
    refused = editor.post(
        f"/drafts/{writing}/approve",
        data={
            "expected_version": get_draft(db, writing).lock_version,
            "csrf": csrf_of(opened.text),
        },
    )
    assert refused.status_code in (403, 409) and get_draft(db, writing).state == "drafting"


def test_a_request_reads_through_one_session(desk: tuple[Database, WebServer]) -> None:
    """Who is asking and everything a page or an API read shows come through the request's one
    session (the queue page opened three, one per read)."""
    db, server = desk
    draft_id = plant(db)
    editor = signed_in(server)
    script = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {issue_token(db, 'editor')}"}
    )
    assert script.get("/api/queue").status_code == 200  # its first use is recorded, off the request
    deadline = time.monotonic() + 10
    while not token_used(db) and time.monotonic() < deadline:
        time.sleep(0.05)
    sessions: list[int] = []
    listener = lambda session, *_: sessions.append(id(session))  # noqa: E731
    event.listen(Session, "after_begin", listener)
    try:
        for client, path in [
            (editor, "/queue"),
            (editor, f"/drafts/{draft_id}"),
            (editor, f"/drafts/{draft_id + 99}"),
            (editor, "/jobs/none"),
            (script, "/api/queue"),
            (script, f"/api/drafts/{draft_id}"),
            (script, "/api/posts"),
        ]:
            sessions.clear()
            assert client.get(path).status_code in (200, 404), path
            assert sessions and len(set(sessions)) == 1, path
    finally:
        event.remove(Session, "after_begin", listener)


def token_used(db: Database) -> bool:
    with db.session() as session:
        return session.scalar(select(ApiToken.last_used_at)) is not None


class MovingClock:
    """The desk's clock, moved by the test."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def test_a_kept_queue_reads_its_countdowns_at_each_request_without_being_made_again(
    db: Database,
) -> None:
    """The listing is kept while the drafts stand, its countdowns read at each request's moment:
    seven minutes on, they read seven minutes less and nothing is read from the store but the
    change counts (the kept listing was made again each minute, the requests meanwhile waiting)."""
    seed_users(db)
    plant(db)
    clock = MovingClock(datetime(2026, 11, 23, 6, 0, tzinfo=SHANGHAI))
    sessions: list[int] = []
    listener = lambda session, *_: sessions.append(id(session))  # noqa: E731
    with WebServer(review_settings(), db, clock) as server:
        editor = signed_in(server)
        before = re.findall(r"<small>(.*?)</small>", editor.get("/queue").text)
        event.listen(Session, "after_begin", listener)
        try:
            clock.moment += timedelta(minutes=7)
            after = re.findall(r"<small>(.*?)</small>", editor.get("/queue").text)
        finally:
            event.remove(Session, "after_begin", listener)
    assert before[0] == "还剩 2小时0分" and after[0] == "还剩 1小时53分", (before, after)
    assert sessions == []
