"""Editor reminders and escalations: a fake WeCom robot on loopback, an injected clock."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsdesk.config import ChannelConfig, Settings, load_settings
from newsdesk.publish.notices import notify_editors
from newsdesk.publish.service import publish_due
from newsdesk.review.accounts import Actor
from newsdesk.review.service import get_draft, transition
from newsdesk.store.db import Database
from newsdesk.store.models import Draft
from newsdesk.timetable import SHANGHAI
from tests.review_data import plant

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def robot(httpserver: HTTPServer) -> list[str]:
    """A WeCom group robot that keeps every message it is sent."""
    received: list[str] = []

    def answer(request: Request) -> Response:
        received.append(json.loads(request.data)["markdown"]["content"])
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    httpserver.expect_request("/robot", method="POST").respond_with_handler(answer)
    return received


def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Settings:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.var_dir = tmp_path / "var"
    settings.demo.enabled = False
    settings.channels.append(ChannelConfig(name="editors", type="wecom", url_env="TEST_EDITORS"))
    settings.review.editor_channel = "editors"
    settings.review.links_base_url = "https://desk.example"
    monkeypatch.setenv("TEST_EDITORS", url)
    return settings


def morning_drafts(db: Database) -> list[int]:
    """Two segments of the 08:00 slot, due for review at 07:30, and one already approved."""
    ids = [plant(db, day=DAY), plant(db, day=DAY, segment="进阶")]
    done = plant(db, day=DAY, segment="高净值", state="approved")
    with db.session() as session:
        for draft_id in [*ids, done]:
            session.get_one(Draft, draft_id).deadline = at(7, 30)
    return ids


def actions(db: Database, draft_id: int) -> list[str]:
    return [e.action for e in get_draft(db, draft_id).audit]


def test_one_reminder_and_one_escalation(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer, robot
) -> None:  # type: ignore[no-untyped-def]
    settings = desk(tmp_path, monkeypatch, httpserver.url_for("/robot"))
    first, second = morning_drafts(db)
    loaded = get_draft(db, second).lock_version
    assert notify_editors(db, settings, at(6, 59)).reminded == []
    report = notify_editors(db, settings, at(7, 0))
    assert report.reminded == [first, second] and report.failed == []
    (reminder,) = robot
    assert reminder.startswith(
        "【审核提醒】2026-11-30 早报：2 篇稿件待审核，审核截止 07:30（还有 30 分钟）"
    )
    assert f"https://desk.example/drafts/{first}" in reminder
    assert f"https://desk.example/drafts/{second}" in reminder
    assert notify_editors(db, settings, at(7, 5)).reminded == [] and len(robot) == 1
    # one editor acts in time; the other draft is escalated once its deadline passes
    lock = get_draft(db, first).lock_version
    transition(db, settings, first, "approve", Actor("ed", "editor"), expected_version=lock)
    assert notify_editors(db, settings, at(7, 29)).escalated == []
    assert notify_editors(db, settings, at(7, 31)).escalated == [second]
    assert notify_editors(db, settings, at(7, 45)).escalated == []
    assert len(robot) == 2 and robot[1].startswith(
        "【审核超时】2026-11-30 早报：审核截止 07:30 已过"
    )
    assert f"/drafts/{second}" in robot[1] and f"/drafts/{first}" not in robot[1]
    assert actions(db, first) == ["review.remind", "review.approve"]
    assert actions(db, second) == ["review.remind", "review.escalate"]
    # the notices never changed the draft: the editor's form (lock version) is still good
    assert get_draft(db, second).lock_version == loaded


def test_overlapping_runs_notify_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer, robot
) -> None:  # type: ignore[no-untyped-def]
    settings = desk(tmp_path, monkeypatch, httpserver.url_for("/robot"))
    morning_drafts(db)
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        notify_editors(db, settings, at(7, 10))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(robot) == 1


def test_a_failing_robot_is_recorded_not_retried(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robot").respond_with_json({"errcode": 93000, "errmsg": "invalid"})
    settings = desk(tmp_path, monkeypatch, httpserver.url_for("/robot"))
    first, _ = morning_drafts(sqlite_db)
    report = notify_editors(sqlite_db, settings, at(7, 0))
    assert [draft for draft, _ in report.failed] == [first, first + 1]
    assert "errcode 93000" in report.failed[0][1]
    assert actions(sqlite_db, first) == ["review.remind", "review.notice_failed"]
    assert notify_editors(sqlite_db, settings, at(7, 1)).failed == []
    assert len(httpserver.log) == 1


def test_an_unset_robot_url_claims_nothing(
    sqlite_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    robot,
) -> None:  # type: ignore[no-untyped-def]
    settings = desk(tmp_path, monkeypatch, httpserver.url_for("/robot"))
    monkeypatch.delenv("TEST_EDITORS")
    first, _ = morning_drafts(sqlite_db)
    assert "TEST_EDITORS" in notify_editors(sqlite_db, settings, at(7, 0)).failed[0][1]
    assert actions(sqlite_db, first) == []
    monkeypatch.setenv("TEST_EDITORS", httpserver.url_for("/robot"))
    assert notify_editors(sqlite_db, settings, at(7, 2)).reminded == [first, first + 1]
    assert len(robot) == 1


def test_publish_run_escalates_breaking_news_before_it_expires(
    sqlite_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    robot,
) -> None:  # type: ignore[no-untyped-def]
    settings = desk(tmp_path, monkeypatch, httpserver.url_for("/robot"))
    breaking = plant(sqlite_db, day=DAY, slot="breaking", kind="breaking")
    with sqlite_db.session() as session:
        session.get_one(Draft, breaking).deadline = at(10, 30)
    assert notify_editors(sqlite_db, settings, at(10, 31)).escalated == [breaking]
    assert publish_due(sqlite_db, settings, at(10, 31)).expired == [breaking]
    assert actions(sqlite_db, breaking) == ["review.escalate", "review.expire"]
    assert "突发" in robot[0]
