"""Issue 27: the queue, the JSON queue and a closed period's metrics are made once and served
again while what they show stands. These tests hold the other half of that promise: a change by
anyone (another editor, a flow, another process, a hand-written UPDATE) shows on the next
request; each reader gets their own name and CSRF token (countdowns and ages, read at each
request's moment: tests/test_web_queue.py)."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from newsdesk.metrics.store import snapshot_day
from newsdesk.store.db import Database
from newsdesk.store.models import ApiToken, Draft, DraftVersion, FetchState, Source, User
from newsdesk.web.changes import ChangeCounts
from newsdesk.web.pagecache import Made, PageCache
from tests.cli_support import cli
from tests.review_data import plant
from tests.test_metrics import SETTINGS, week  # noqa: F401 (fixture)
from tests.test_metrics_snapshots import a_late_draft_on_the_23rd, snapshot_week
from tests.test_web_queue import row_of, signed_in
from tests.web_support import WebServer, review_settings, seed_users

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def desk(db: Database) -> tuple[Database, WebServer]:
    seed_users(db)
    with WebServer(review_settings(), db) as server:
        yield db, server  # type: ignore[misc]


def api(server: WebServer, db: Database) -> httpx.Client:
    from newsdesk.review.accounts import issue_token

    token = issue_token(db, "admin")
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def api_row(client: httpx.Client, draft_id: int) -> dict[str, object]:
    response = client.get("/api/queue")
    assert response.status_code == 200
    return next(row for row in response.json() if row["id"] == draft_id)


def test_a_decision_made_in_another_process_shows_on_the_next_request(
    desk: tuple[Database, WebServer],
) -> None:
    db, server = desk
    draft_id = plant(db)
    editor, script = signed_in(server), api(server, db)
    for _ in range(2):  # the second view is the kept one
        assert "state-pending_review" in row_of(editor.get("/queue").text, draft_id)
        assert api_row(script, draft_id)["state"] == "pending_review"
    env = {"NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"), "NEWSDESK_DATABASE_URL": db.url}
    done = cli("review", "approve", str(draft_id), "--as", "editor2", env=env)
    assert done.returncode == 0, done.stderr
    with db.session() as session:
        now_in = session.get(Draft, draft_id).state  # type: ignore[union-attr]
    assert now_in != "pending_review"
    assert f"state-{now_in}" in row_of(editor.get("/queue").text, draft_id)
    assert api_row(script, draft_id)["state"] == now_in


def test_a_plain_sql_write_to_a_draft_or_its_version_shows_at_once(
    desk: tuple[Database, WebServer],
) -> None:
    """The counter is the database's (triggers), so a writer that bypasses our code is seen too."""
    db, server = desk
    draft_id = plant(db)
    editor, script = signed_in(server), api(server, db)
    assert "原创度 100%" in row_of(editor.get("/queue").text, draft_id)
    other = sa.create_engine(db.url)  # another writer: its own connections
    try:
        with other.begin() as conn:
            conn.execute(sa.update(Draft).where(Draft.id == draft_id).values(title="改过的标题"))
        assert "改过的标题" in row_of(editor.get("/queue").text, draft_id)
        assert api_row(script, draft_id)["title"] == "改过的标题"
        with other.begin() as conn:
            conn.execute(
                sa.update(DraftVersion)
                .where(DraftVersion.draft_id == draft_id)
                .values(report={"originality": {"ratio": 0.42}}, passed=False)
            )
        assert "原创度 42%" in row_of(editor.get("/queue").text, draft_id)
        assert api_row(script, draft_id)["passed"] is False
        with other.begin() as conn:
            conn.execute(sa.delete(Draft).where(Draft.id == draft_id))
        assert f"/drafts/{draft_id}" not in editor.get("/queue").text
    finally:
        other.dispose()


def test_the_counter_moves_once_per_committed_change_and_not_for_a_rolled_back_one(
    db: Database,
) -> None:
    counts = ChangeCounts(db)
    before = counts.read()["drafts"]
    plant(db)
    planted = counts.read()["drafts"]
    assert planted > before
    with pytest.raises(RuntimeError), db.session() as session:
        session.execute(sa.update(Draft).values(title="rolled back"))
        raise RuntimeError("the writer gives up")
    assert counts.read()["drafts"] == planted
    with db.session() as session:
        session.execute(sa.update(DraftVersion).values(passed=False))
    assert counts.read()["drafts"] == planted + 1


def test_who_asks_is_looked_up_again_after_any_write_to_users_or_tokens(
    desk: tuple[Database, WebServer],
) -> None:
    """Who a session cookie or a token signs in is kept per process under the users count: a
    disabled account or a revoked token, even written in plain SQL, is refused at once."""
    db, server = desk
    editor, script = signed_in(server), api(server, db)
    for _ in range(2):  # the second is the kept lookup
        assert editor.get("/queue").status_code == 200
        assert script.get("/api/queue").status_code == 200
    other = sa.create_engine(db.url)  # another writer: its own connections
    try:
        with other.begin() as conn:
            conn.execute(sa.update(User).where(User.username == "editor").values(active=False))
        assert editor.get("/queue").headers["location"].startswith("/login")
        with other.begin() as conn:
            conn.execute(sa.update(ApiToken).values(revoked_at=datetime.now(UTC)))
        assert script.get("/api/queue").status_code == 401
    finally:
        other.dispose()


def test_each_reader_gets_their_own_name_and_csrf_token(desk: tuple[Database, WebServer]) -> None:
    db, server = desk
    plant(db)
    pages = {name: signed_in(server, name) for name in ("editor", "admin")}
    seen = {name: client.get("/queue").text for name, client in pages.items()}
    tokens = {
        name: set(re.findall(r'name="csrf" value="([^"]+)"', page)) for name, page in seen.items()
    }
    assert all(len(found) == 1 for found in tokens.values())
    assert tokens["editor"] != tokens["admin"]
    assert "editor 测试 · editor" in seen["editor"] and "admin 测试" not in seen["editor"]
    assert "admin 测试 · admin" in seen["admin"] and "editor 测试" not in seen["admin"]
    # The token on each page is the one its own session accepts.
    for name, client in pages.items():
        (token,) = tokens[name]
        assert client.post("/logout", data={"csrf": token}).status_code == 303


def test_the_queue_kept_for_everyone_is_made_once_when_many_ask_at_once() -> None:
    cache = PageCache()
    made: list[int] = []
    gate = threading.Barrier(20)

    def make() -> Made[str]:
        time.sleep(0.2)
        made.append(1)
        return Made("page", float("inf"))

    def ask() -> str:
        gate.wait()
        return cache.get("queue", make)

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(ask())) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["page"] * 20 and made == [1]


def test_a_part_that_failed_is_not_kept_and_one_past_its_time_is_made_again() -> None:
    cache = PageCache(kept=2)

    def broken() -> Made[str]:
        raise ValueError("bad cursor")

    with pytest.raises(ValueError):
        cache.get("a", broken)
    assert cache.get("a", lambda: Made("made", float("inf"))) == "made"
    assert cache.get("b", lambda: Made("first", time.monotonic() - 1)) == "first"
    assert cache.get("b", lambda: Made("second", float("inf"))) == "second"
    cache.get("c", lambda: Made("c", float("inf")))  # past two kept: the least recent, "a", goes
    assert cache.get("a", lambda: Made("again", float("inf"))) == "again"


def test_a_closed_period_is_kept_until_the_daily_flow_writes_a_day_again(
    week: Database,  # noqa: F811
) -> None:
    snapshot_week(week)
    a_late_draft_on_the_23rd(week)
    seed_users(week)
    settings = review_settings()
    settings.demo.enabled = False  # the demo desk's clock stands inside the week
    settings.web.secret_key = "page-cache-test-" + "k" * 40
    with WebServer(settings, week) as server:
        editor = signed_in(server)
        for _ in range(2):
            assert "稿件 Drafts: <strong>5</strong>" in editor.get("/metrics?week=2026-W48").text
        other = Database(week.url)  # the daily flow, on connections of its own
        try:
            snapshot_day(other, SETTINGS, date(2026, 11, 23))
        finally:
            other.dispose()
        assert "稿件 Drafts: <strong>6</strong>" in editor.get("/metrics?week=2026-W48").text


def test_a_closed_period_shows_a_source_starting_to_fail_and_not_every_fetch(
    week: Database,  # noqa: F811
) -> None:
    """The page shows each source's run of failures: a change to it shows on the kept page; a
    fetch that leaves it as it was does not count as a change."""
    snapshot_week(week)
    seed_users(week)
    with week.session() as session:
        session.add(
            Source(name="z", title="丙", url="http://127.0.0.1/z", type="rss", state=FetchState())
        )
    settings = review_settings()
    settings.demo.enabled = False  # the demo desk's clock stands inside the week
    settings.web.secret_key = "page-cache-test-" + "k" * 40
    counts = ChangeCounts(week)
    with WebServer(settings, week) as server:
        editor = signed_in(server)
        for _ in range(2):
            assert "4321" not in editor.get("/metrics?week=2026-W48").text
        other = sa.create_engine(week.url)  # the fetcher, on connections of its own
        try:
            before = counts.read()["metrics"]
            with other.begin() as conn:
                conn.execute(sa.update(FetchState).values(last_status=200, items_seen=5))
            assert counts.read()["metrics"] == before
            with other.begin() as conn:
                conn.execute(sa.update(FetchState).values(error_count=4321))
            assert counts.read()["metrics"] == before + 1
            assert "4321" in editor.get("/metrics?week=2026-W48").text
        finally:
            other.dispose()
            counts.close()
