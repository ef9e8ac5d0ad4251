"""A simulated trading day with an injected clock: expiry, posting at slot time, exactly once."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from newsdesk.config import ChannelConfig, Settings, load_settings
from newsdesk.errors import InvalidTransition, ItemError
from newsdesk.publish.channels import Message, OutboxChannel, WeComChannel, split_utf8
from newsdesk.publish.render import render_script
from newsdesk.publish.service import publish_due
from newsdesk.review.accounts import Actor
from newsdesk.review.service import get_draft, transition
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Post
from newsdesk.timetable import SHANGHAI, TradingCalendar, slots_for_day
from tests.review_data import plant

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 23)  # a Monday, a trading day


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def desk(tmp_path: Path) -> Settings:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.var_dir = tmp_path / "var"
    settings.publish.backoff_base = 0
    settings.publish.lease_seconds = 0  # a claim left behind is a dead run's at once
    return settings


def approve(db: Database, settings: Settings, draft_id: int) -> None:
    draft = get_draft(db, draft_id)
    transition(
        db,
        settings,
        draft_id,
        "approve",
        Actor("ed", "editor"),
        expected_version=draft.lock_version,
    )


def outbox_files(settings: Settings) -> list[Path]:
    return sorted((settings.var_dir / "outbox").rglob("*.md"))


def test_timetable_and_holidays() -> None:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    monday = slots_for_day(settings, DAY)
    assert [s.posts_at.strftime("%H:%M") for s in monday][:3] == ["08:00", "09:00", "10:00"]
    assert monday[0].drafts_due == at(7, 30) and monday[0].runs
    weekly = next(s for s in monday if s.slot.calendar == "weekly")
    assert not weekly.runs  # Friday only
    holiday = TradingCalendar(holidays=frozenset({DAY}))
    assert not any(
        s.runs for s in slots_for_day(settings, DAY, holiday) if s.slot.calendar == "trading"
    )
    assert not slots_for_day(settings, date(2026, 10, 1))[0].runs  # National Day


def test_a_day_of_posting(sqlite_db: Database, tmp_path: Path) -> None:
    settings = desk(tmp_path)
    morning = plant(sqlite_db)
    view = plant(sqlite_db, slot="viewpoint", kind="viewpoint")
    approve(sqlite_db, settings, morning)
    early = publish_due(sqlite_db, settings, at(7, 59))
    assert (early.sent, early.expired) == ([], []) and outbox_files(settings) == []
    on_time = publish_due(sqlite_db, settings, at(8, 0))
    assert on_time.sent == [(morning, "outbox")] and on_time.published == [morning]
    (posted,) = outbox_files(settings)
    assert "降准之后" in posted.read_text(encoding="utf-8") and "2026-11-23" in str(posted)
    again = publish_due(sqlite_db, settings, at(8, 5))
    assert again.sent == [] and len(outbox_files(settings)) == 1
    assert get_draft(sqlite_db, morning).state == "published"
    late = publish_due(sqlite_db, settings, at(9, 0))
    assert late.expired == [view] and get_draft(sqlite_db, view).state == "expired"
    assert get_draft(sqlite_db, view).audit[-1].action == "review.expire"


def test_a_replayed_demo_day_stays_reviewable(sqlite_db: Database, tmp_path: Path) -> None:
    settings = desk(tmp_path)
    assert settings.demo.enabled and settings.demo.day == DAY
    morning = plant(sqlite_db)
    view = plant(sqlite_db, slot="viewpoint", kind="viewpoint")
    next_week = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    assert publish_due(sqlite_db, settings, next_week).expired == []
    assert get_draft(sqlite_db, view).state == "pending_review"
    approve(sqlite_db, settings, morning)
    assert publish_due(sqlite_db, settings, next_week).published == [morning]
    settings.demo.enabled = False  # a real desk's past day: its open drafts expire
    assert publish_due(sqlite_db, settings, next_week).expired == [view]


def test_breaking_news_posts_when_approved(sqlite_db: Database, tmp_path: Path) -> None:
    settings = desk(tmp_path)
    breaking = plant(sqlite_db, slot="breaking", kind="breaking")
    assert publish_due(sqlite_db, settings, at(3, 0)).sent == []
    approve(sqlite_db, settings, breaking)
    assert publish_due(sqlite_db, settings, at(3, 1)).published == [breaking]


@pytest.fixture
def webhook(httpserver: HTTPServer) -> list[dict[str, object]]:
    received: list[dict[str, object]] = []

    def ok(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    httpserver.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_handler(ok)
    return received


def wecom_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Settings:
    settings = desk(tmp_path)
    monkeypatch.setenv("NEWSDESK_WECOM_URL", url)
    settings.channels.append(
        ChannelConfig(name="wecom", type="wecom", url_env="NEWSDESK_WECOM_URL")
    )
    settings.slot("morning_report").channels = ["outbox", "wecom"]
    return settings


def test_wecom_success(
    sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver, webhook
) -> None:  # type: ignore[no-untyped-def]
    settings = wecom_desk(tmp_path, monkeypatch, httpserver.url_for("/cgi-bin/webhook/send"))
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    report = publish_due(sqlite_db, settings, at(8))
    assert sorted(report.sent) == [(draft, "outbox"), (draft, "wecom")]
    assert webhook[0]["msgtype"] == "markdown" and "降准之后" in webhook[0]["markdown"]["content"]  # type: ignore[index]


@pytest.mark.parametrize(
    "failure",
    [
        Response(
            json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"}),
            content_type="application/json",
        ),
        Response("oops", status=500),
    ],
    ids=["errcode", "http-500"],
)
def test_wecom_failure_others_still_go(
    sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver, failure
) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/hook").respond_with_response(failure)
    settings = wecom_desk(tmp_path, monkeypatch, httpserver.url_for("/hook"))
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    report = publish_due(sqlite_db, settings, at(8))
    assert report.sent == [(draft, "outbox")] and [f[:2] for f in report.failed] == [
        (draft, "wecom")
    ]
    assert len(httpserver.log) == 1 + settings.publish.retries
    with sqlite_db.session() as session:
        post = session.scalar(select(Post).where(Post.channel == "wecom"))
        assert (
            post.state == "failed"
            and post.attempts == 1 + settings.publish.retries
            and post.last_error
        )
    assert (
        get_draft(sqlite_db, draft).state == "approved"
    )  # not published until every channel took it


def test_wecom_timeout(sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver) -> None:  # type: ignore[no-untyped-def]
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(json.dumps({"errcode": 0}), content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = wecom_desk(tmp_path, monkeypatch, httpserver.url_for("/slow"))
    settings.publish.timeout = 0.5
    settings.publish.retries = 0
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    report = publish_due(sqlite_db, settings, at(8))
    assert report.uncertain == [(draft, "wecom")] and not report.failed


def test_long_post_is_split_under_the_limit(
    sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver, webhook
) -> None:  # type: ignore[no-untyped-def]
    settings = wecom_desk(tmp_path, monkeypatch, httpserver.url_for("/cgi-bin/webhook/send"))
    long_body = "\n".join(
        f"第{n}段：降准之后，我们认为这是稳增长信号的又一次确认，后续关注政策落地节奏。"
        for n in range(120)
    )
    draft = plant(sqlite_db, body=long_body)
    approve(sqlite_db, settings, draft)
    publish_due(sqlite_db, settings, at(8))
    sizes = [len(m["markdown"]["content"].encode()) for m in webhook]  # type: ignore[index]
    assert len(sizes) >= 3 and max(sizes) <= 4096
    assert "第119段" in webhook[-1]["markdown"]["content"]  # type: ignore[index]
    assert all(len(part.encode()) <= 10 for part in split_utf8("一二三四五六七八九十" * 3, 10))


class Crash(BaseException):
    """The process dies: nothing in publish_due catches a BaseException."""


class CrashAfterSend(WeComChannel):
    def send_part(self, message: Message, number: int, part: str) -> str:
        super().send_part(message, number, part)
        raise Crash


class CrashAfterWrite(OutboxChannel):
    def send_part(self, message: Message, number: int, part: str) -> str:
        super().send_part(message, number, part)
        raise Crash


def test_crash_between_send_and_record_never_double_posts(
    sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver, webhook
) -> None:  # type: ignore[no-untyped-def]
    url = httpserver.url_for("/cgi-bin/webhook/send")
    settings = wecom_desk(tmp_path, monkeypatch, url)
    settings.slot("morning_report").channels = ["wecom"]
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    with pytest.raises(Crash):
        publish_due(
            sqlite_db,
            settings,
            at(8),
            channels={
                "wecom": CrashAfterSend("wecom", url, 5),
                "outbox": OutboxChannel("outbox", tmp_path),
            },
        )
    assert len(webhook) == 1
    rerun = publish_due(sqlite_db, settings, at(8, 1))
    assert rerun.uncertain == [(draft, "wecom")] and rerun.sent == [] and len(webhook) == 1
    assert (
        publish_due(sqlite_db, settings, at(8, 2)).uncertain == [(draft, "wecom")]
        and len(webhook) == 1
    )


def test_crash_after_outbox_write_is_recognised_as_sent(
    sqlite_db: Database, tmp_path: Path
) -> None:
    settings = desk(tmp_path)
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    directory = (settings.var_dir / "outbox").resolve()
    with pytest.raises(Crash):
        publish_due(
            sqlite_db, settings, at(8), channels={"outbox": CrashAfterWrite("outbox", directory)}
        )
    (written,) = outbox_files(settings)
    stamp = written.stat().st_mtime_ns
    rerun = publish_due(sqlite_db, settings, at(8, 1))
    assert rerun.sent == [(draft, "outbox")] and rerun.published == [draft]
    assert written.stat().st_mtime_ns == stamp  # confirmed, not rewritten


def test_scripts(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    text = render_script(settings, "group_rules", {"group": "投研交流群", "contact": "小王"})
    assert "【投研交流群群规】" in text and "小王" in text
    with pytest.raises(ItemError, match="needs a variable"):
        render_script(settings, "group_rules", {})
    with pytest.raises(ItemError, match="no script"):
        render_script(settings, "nope", {})


def test_apprise_channel_posts_json(
    sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver
) -> None:  # type: ignore[no-untyped-def]
    received: list[dict[str, object]] = []

    def hook(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/notify", method="POST").respond_with_handler(hook)
    settings = desk(tmp_path)
    monkeypatch.setenv("NEWSDESK_APPRISE_URL", f"json://127.0.0.1:{httpserver.port}/notify")
    settings.channels.append(
        ChannelConfig(name="team", type="apprise", url_env="NEWSDESK_APPRISE_URL")
    )
    settings.slot("morning_report").channels = ["team"]
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    report = publish_due(sqlite_db, settings, at(8))
    assert report.sent == [(draft, "team")] and "降准之后" in str(received[0].get("message"))


def test_slots_cli(tmp_path: Path) -> None:
    from tests.cli_support import cli

    out = cli(
        "slots",
        "--date",
        "2026-10-01",
        env={"NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}", "COLUMNS": "200"},
    )
    assert out.returncode == 0 and "08:00" in out.stdout and "market closed" in out.stdout


def test_breaking_news_goes_to_its_own_channels(sqlite_db: Database, tmp_path: Path) -> None:
    settings = desk(tmp_path)
    settings.channels.append(ChannelConfig(name="archive", type="outbox"))
    settings.breaking.channels = ["archive"]
    breaking = plant(sqlite_db, slot="breaking", kind="breaking")
    approve(sqlite_db, settings, breaking)
    assert publish_due(sqlite_db, settings, at(3, 1)).sent == [(breaking, "archive")]


def test_breaking_news_expires_at_its_deadline(sqlite_db: Database, tmp_path: Path) -> None:
    settings = desk(tmp_path)
    settings.demo.enabled = False
    asked = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    stale = plant(sqlite_db, slot="breaking", kind="breaking", day=date(2026, 11, 30))
    fresh = plant(sqlite_db, slot="breaking", kind="breaking", day=date(2026, 11, 30), segment="b")
    with sqlite_db.session() as session:
        for draft_id, minutes in ((stale, 0), (fresh, 40)):
            session.get(Draft, draft_id).deadline = asked + timedelta(
                minutes=settings.breaking.deadline_minutes + minutes
            )
    report = publish_due(sqlite_db, settings, asked + timedelta(minutes=31))
    assert report.expired == [stale] and report.sent == []
    assert get_draft(sqlite_db, stale).state == "expired"
    assert get_draft(sqlite_db, fresh).state == "pending_review"
    with pytest.raises(InvalidTransition):
        approve(sqlite_db, settings, stale)
