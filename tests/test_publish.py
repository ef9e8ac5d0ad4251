"""A simulated trading day with an injected clock: expiry, posting at slot time, exactly once."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from newsdesk.clock import SystemClock, desk_clock
from newsdesk.config import ChannelConfig, Settings, load_settings
from newsdesk.errors import InvalidTransition, ItemError, PermissionDenied
from newsdesk.publish.channels import Message, OutboxChannel, WeComChannel, split_utf8
from newsdesk.publish.render import render_script
from newsdesk.publish.service import publish_due
from newsdesk.publish.settle import list_posts, settle_post
from newsdesk.review.accounts import Actor
from newsdesk.review.service import get_draft, transition
from newsdesk.store.db import Database
from newsdesk.store.models import AuditEntry, Draft, DraftVersion, Post
from newsdesk.timetable import SHANGHAI, TradingCalendar, slots_for_day
from tests.cli_support import cli
from tests.review_data import BODY, plant

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 23)  # a Monday, a trading day


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def desk(tmp_path: Path) -> Settings:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.var_dir = tmp_path / "var"
    settings.publish.backoff_base = 0
    settings.publish.lease_seconds = 0.001  # a claim left behind is a dead run's at once
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


def test_a_replayed_day_runs_on_its_clock(sqlite_db: Database, tmp_path: Path) -> None:
    """The demo desk replays its day: its clock stands where that day's work starts (its first
    drafts due), so however long ago the day was its drafts stay reviewable, and an approved
    one goes out when a run is given its slot's time. No publishing code asks about replays."""
    settings = desk(tmp_path)
    assert settings.demo.enabled and settings.demo.day == DAY
    clock = desk_clock(settings)
    assert clock.now() == at(7, 30)
    morning = plant(sqlite_db)
    view = plant(sqlite_db, slot="viewpoint", kind="viewpoint")
    assert publish_due(sqlite_db, settings, clock.now()).expired == []
    approve(sqlite_db, settings, morning)
    assert publish_due(sqlite_db, settings, clock.now()).sent == []  # 08:00 is ahead
    assert publish_due(sqlite_db, settings, at(8, 0)).published == [morning]
    assert get_draft(sqlite_db, view).state == "pending_review"
    settings.demo.enabled = False  # a real desk reads the real time: the day's open drafts expire
    assert isinstance(desk_clock(settings), SystemClock)
    assert publish_due(sqlite_db, settings, desk_clock(settings).now()).expired == [view]


def test_a_desk_acts_as_at_its_clocks_time(sqlite_db: Database, tmp_path: Path) -> None:
    """``newsdesk publish`` without --now acts at the desk's clock: on the replayed day at 07:30
    nothing is due; given 09:00 (the CLI's --now) the 08:00 report goes and 09:00's expires."""
    settings = desk(tmp_path)
    morning = plant(sqlite_db)
    view = plant(sqlite_db, slot="viewpoint", kind="viewpoint")
    approve(sqlite_db, settings, morning)
    env = {"NEWSDESK_VAR_DIR": str(settings.var_dir), "NEWSDESK_DATABASE_URL": sqlite_db.url}
    quiet = cli("publish", env=env)
    assert quiet.returncode == 0 and "nothing due" in quiet.stdout, quiet.stdout + quiet.stderr
    assert get_draft(sqlite_db, morning).state == "approved" and outbox_files(settings) == []
    late = cli("publish", "--now", "2026-11-23T09:00:00+08:00", env=env).stdout
    assert f"sent draft {morning}" in late and f"expired draft {view}" in late, late
    assert get_draft(sqlite_db, view).state == "expired"


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
    with pytest.raises(ItemError, match="needs a variable: contact, group "):
        render_script(settings, "group_rules", {})
    with pytest.raises(ItemError, match="needs a variable: contact "):
        render_script(settings, "group_rules", {"group": "投研交流群"})
    with pytest.raises(ItemError, match="no script"):
        render_script(settings, "nope", {})


def apprise_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> tuple[Settings, list[dict[str, object]]]:
    """A desk whose morning report goes to an Apprise json:// URL on ``httpserver``; its inbox."""
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
    return settings, received


def test_apprise_channel_posts_json(
    sqlite_db: Database, tmp_path: Path, monkeypatch, httpserver
) -> None:  # type: ignore[no-untyped-def]
    settings, received = apprise_desk(tmp_path, monkeypatch, httpserver)
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


# --- faults: slow and failing webhooks, overlapping runs, settling by hand ----------------

EDITOR = Actor("ed", "editor")


@dataclass
class FakeWeCom:
    """A WeCom robot on loopback that misbehaves on purpose.

    ``errcode(content)`` decides each call: 0 delivers it, anything else refuses
    it (not delivered). ``slow(content)`` true: the message is delivered and the
    answer is held back until the test ends, as a robot whose reply is lost.
    """

    url: str
    calls: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    errcode: Callable[[str], int] = lambda content: 0
    slow: Callable[[str], bool] = lambda content: False
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def handle(self, request: Request) -> Response:
        content = json.loads(request.get_data())["markdown"]["content"]
        self.calls.append(content)
        code = self.errcode(content)
        if code == 0:
            self.delivered.append(content)
        if self.slow(content):
            self.entered.set()
            self.release.wait(10)
        return Response(
            json.dumps({"errcode": code, "errmsg": "ok" if code == 0 else "api freq out of limit"}),
            content_type="application/json",
        )

    def count(self, marker: str) -> int:
        return sum(marker in content for content in self.delivered)


@pytest.fixture
def fake_wecom(httpserver: HTTPServer) -> Iterator[FakeWeCom]:
    fake = FakeWeCom(httpserver.url_for("/cgi-bin/webhook/send"))
    httpserver.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_handler(
        fake.handle
    )
    yield fake
    fake.release.set()


def wecom_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeWeCom) -> Settings:
    settings = wecom_desk(tmp_path, monkeypatch, fake.url)
    settings.slot("morning_report").channels = ["wecom"]
    return settings


def long_body(lines: int) -> str:
    return "\n".join(
        f"第{n}段：降准之后，我们认为这是稳增长信号的又一次确认，后续关注政策落地节奏。"
        for n in range(lines)
    )


def post_of(db: Database, draft_id: int, channel: str = "wecom") -> Post:
    with db.session() as session:
        post = session.scalars(
            select(Post)
            .where(Post.draft_id == draft_id, Post.channel == channel)
            .order_by(Post.version.desc())
        ).first()
        assert post is not None
        session.expunge(post)
        return post


def audit_actions(db: Database, draft_id: int) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.draft_id == draft_id)
                .order_by(AuditEntry.id)
            )
        )


def test_a_slow_webhook_that_delivers_is_uncertain_never_resent(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Issue 14.1: the robot takes the message but answers after the timeout."""
    fake_wecom.slow = lambda content: True
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.publish.timeout = 0.3
    draft = plant(db)
    approve(db, settings, draft)
    first = publish_due(db, settings, at(8))
    assert first.uncertain == [(draft, "wecom")] and not first.failed and not first.sent
    second = publish_due(db, settings, at(8, 1))
    assert second.uncertain == [(draft, "wecom")] and len(fake_wecom.calls) == 1
    post = post_of(db, draft)
    assert (
        post.state == "uncertain"
        and post.parts_sent == 0
        and "ReadTimeout" in (post.last_error or "")
    )
    assert get_draft(db, draft).state == "approved"
    settled = settle_post(db, post.id, "mark_sent", EDITOR, "群里看到了")
    assert settled.state == "sent"
    third = publish_due(db, settings, at(8, 2))
    assert third.published == [draft] and len(fake_wecom.calls) == 1
    assert audit_actions(db, draft)[-3:] == [
        "publish.uncertain",
        "publish.mark_sent",
        "review.publish",
    ]


def test_multipart_post_resumes_at_the_first_unsent_part(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Issue 14.2: part 2 of 2 gets errcode 45009 (rate limit) through one whole run."""
    refusals = [45009, 45009]
    fake_wecom.errcode = lambda c: refusals.pop() if "第44段" in c and refusals else 0
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.publish.retries = 1
    draft = plant(db, body=long_body(45))
    approve(db, settings, draft)
    first = publish_due(db, settings, at(8))
    post = post_of(db, draft)
    assert post.parts == 2 and post.parts_sent == 1 and post.state == "failed"
    assert [f[:2] for f in first.failed] == [(draft, "wecom")] and "45009" in first.failed[0][2]
    assert fake_wecom.count("第0段") == 1 and len(fake_wecom.calls) == 3
    second = publish_due(db, settings, at(8, 1))
    assert second.published == [draft]
    assert fake_wecom.count("第0段") == 1 and fake_wecom.count("第44段") == 1
    assert post_of(db, draft).parts_sent == 2


def test_a_part_that_times_out_is_settled_part_by_part(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Part 2 of 3 delivered without an answer: 'it arrived' sends only part 3 next."""
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.publish.timeout = 0.3
    draft = plant(sqlite_db, body=long_body(90))
    approve(sqlite_db, settings, draft)
    parts = split_utf8(post_text_of(sqlite_db, settings, draft))
    marker = parts[1].splitlines()[-1][:5]
    held = [True]
    fake_wecom.slow = lambda c: marker in c and held.pop() if held else False
    assert publish_due(sqlite_db, settings, at(8)).uncertain == [(draft, "wecom")]
    post = post_of(sqlite_db, draft)
    assert (post.parts, post.parts_sent, post.state) == (3, 1, "uncertain")
    assert settle_post(sqlite_db, post.id, "mark_sent", EDITOR).state == "pending"
    assert publish_due(sqlite_db, settings, at(8, 1)).published == [draft]
    assert [fake_wecom.count(p.splitlines()[1][:6]) for p in parts] == [1, 1, 1]


def post_text_of(db: Database, settings: Settings, draft_id: int) -> str:
    """The text a post of this draft will carry: run once against a refusing robot."""
    with db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        from newsdesk.publish.render import render_post

        return render_post(
            settings,
            "wecom",
            draft.kind,
            title=draft.title,
            body=draft.versions[-1].body,
            day=draft.day.isoformat(),
            slot_title=settings.slot(draft.slot).title,
        )


def test_resend_and_the_rules_of_settling(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    held = [True]
    fake_wecom.slow = lambda c: held.pop() if held else False
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.publish.timeout = 0.3
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    publish_due(sqlite_db, settings, at(8))
    post = post_of(sqlite_db, draft)
    with pytest.raises(PermissionDenied):
        settle_post(sqlite_db, post.id, "resend", Actor("cc", "compliance"))
    with pytest.raises(InvalidTransition, match="unknown post action"):
        settle_post(sqlite_db, post.id, "delete", EDITOR)
    assert settle_post(sqlite_db, post.id, "resend", EDITOR, "群里没有").state == "pending"
    with pytest.raises(InvalidTransition, match="not uncertain"):
        settle_post(sqlite_db, post.id, "mark_sent", EDITOR)
    assert publish_due(sqlite_db, settings, at(8, 1)).published == [draft]
    assert len(fake_wecom.calls) == 2  # the person chose to send it again
    resend = next(e for e in get_draft(sqlite_db, draft).audit if e.action == "publish.resend")
    assert resend.actor == "ed" and resend.note == "群里没有" and resend.data["post"] == post.id


def test_overlapping_runs_exclude_each_other_and_go_on(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Issue 14.3: run A is mid-send when run B starts; B skips that post, publishes the rest."""
    fake_wecom.slow = lambda c: True
    settings = wecom_desk(tmp_path, monkeypatch, fake_wecom.url)
    settings.slot("morning_report").channels = ["wecom"]
    settings.publish.lease_seconds = 600
    slow = plant(db)
    other = plant(db, slot="intraday_am", kind="intraday", state="approved")
    approve(db, settings, slow)
    reports = []
    run_a = threading.Thread(target=lambda: reports.append(publish_due(db, settings, at(11))))
    run_a.start()
    assert fake_wecom.entered.wait(10)
    run_b = publish_due(db, settings, at(11))
    assert run_b.busy == [(slow, "wecom")] and run_b.published == [other] and not run_b.failed
    fake_wecom.release.set()
    run_a.join(20)
    (report_a,) = reports
    assert report_a.published == [slow] and report_a.sent == [(slow, "wecom")]
    assert [d for d, _ in report_a.skipped] == [other]  # B published it first: reported, not fatal
    assert len(fake_wecom.calls) == 1
    for draft in (slow, other):
        assert audit_actions(db, draft).count("review.publish") == 1


def test_concurrent_runs_resend_a_failed_post_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Issue 14.3: six runs start together on a post that failed before; one sends it."""
    refusing = [True]
    fake_wecom.errcode = lambda c: 45009 if refusing else 0
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.publish.retries = 0
    settings.publish.lease_seconds = 600
    draft = plant(db)
    approve(db, settings, draft)
    assert publish_due(db, settings, at(8)).failed
    refusing.clear()
    barrier = threading.Barrier(6)
    reports, errors = [], []

    def run() -> None:
        barrier.wait()
        try:
            reports.append(publish_due(db, settings, at(8, 1)))
        except Exception as exc:  # a run that dies is the bug this test is about
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(reports) == 6
    assert len(fake_wecom.delivered) == 1
    assert sum(r.published == [draft] for r in reports) == 1
    assert get_draft(db, draft).state == "published"


def test_a_draft_without_text_is_skipped_and_the_others_go(db: Database, tmp_path: Path) -> None:
    """Issue 17.3: an approved draft whose text never got written (a killed drafter)."""
    settings = desk(tmp_path)
    empty = plant(db, state="approved")
    with db.session() as session:
        session.query(DraftVersion).filter(DraftVersion.draft_id == empty).delete()
    blank = plant(db, slot="viewpoint", kind="viewpoint", state="approved", body="  ")
    good = plant(db, slot="intraday_am", kind="intraday", state="approved")
    report = publish_due(db, settings, at(10, 30))
    assert report.published == [good]
    assert [d for d, _ in report.skipped] == [empty, blank]
    assert all("has no text" in why for _, why in report.skipped)
    assert get_draft(db, empty).state == "approved"  # left for a person, not half-posted


def correct(db: Database, settings: Settings, draft_id: int, body: str) -> None:
    """An editor corrects a published draft (review's ``correct``) and it is approved again."""
    draft = get_draft(db, draft_id)
    transition(
        db,
        settings,
        draft_id,
        "correct",
        EDITOR,
        expected_version=draft.lock_version,
        note="数字更正",
        text=body,
    )
    # The planted text states no sourced facts, so the re-check flags it: an admin's override.
    transition(
        db,
        settings,
        draft_id,
        "approve",
        Actor("boss", "admin"),
        expected_version=get_draft(db, draft_id).lock_version,
        note="更正放行",
    )


def test_a_corrected_version_goes_out_as_a_correction(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Issue 15.1: posts are keyed on (draft, version, channel); v2 of a sent draft is 更正."""
    settings = wecom_desk(tmp_path, monkeypatch, fake_wecom.url)
    draft = plant(db)
    approve(db, settings, draft)
    assert publish_due(db, settings, at(8)).published == [draft]
    first_wecom, first_outbox = post_of(db, draft), post_of(db, draft, "outbox")
    correct(db, settings, draft, BODY.replace("降准之后", "降准落地之后"))
    report = publish_due(db, settings, at(8, 30))
    assert report.published == [draft] and sorted(report.sent) == [
        (draft, "outbox"),
        (draft, "wecom"),
    ]
    second = post_of(db, draft)
    assert second.version == 2 and second.corrects_id == first_wecom.id
    assert (
        fake_wecom.delivered[1].startswith("【更正】") and "降准落地之后" in fake_wecom.delivered[1]
    )
    assert not fake_wecom.delivered[0].startswith("【更正】")
    files = outbox_files(settings)
    assert len(files) == 2 and files[-1].read_text(encoding="utf-8").startswith("【更正】")
    assert post_of(db, draft, "outbox").corrects_id == first_outbox.id
    assert audit_actions(db, draft).count("publish.correction") == 2
    assert publish_due(db, settings, at(8, 31)).sent == [] and len(fake_wecom.calls) == 2


def test_segments_name_their_channels(sqlite_db: Database, tmp_path: Path) -> None:
    """Issue 15.7: a segment's drafts go to the segment's channels, others to the slot's."""
    settings = desk(tmp_path)
    settings.channels.append(ChannelConfig(name="vip", type="outbox"))
    settings.publish.segment_channels = {"高净值": ["vip"]}
    vip = plant(sqlite_db, segment="高净值", state="approved")
    plain = plant(sqlite_db, segment="新手", state="approved")
    report = publish_due(sqlite_db, settings, at(8))
    assert sorted(report.sent) == [(vip, "vip"), (plain, "outbox")]
    data = settings.model_dump(exclude={"config_path"})
    data["publish"]["segment_channels"] = {"高净值": ["nowhere"]}
    with pytest.raises(ValueError, match="segment '高净值' needs known channels"):
        Settings(**data)
    data["publish"]["segment_channels"] = {"散户": ["outbox"]}
    with pytest.raises(ValueError, match="no segment '散户'"):
        Settings(**data)


def test_outbox_on_shared_storage_and_the_text_in_the_database(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Issue 17.5: the outbox directory is configured (absolute: shared), the text is in the store."""
    settings = desk(tmp_path)
    shared = tmp_path / "shared-outbox"
    settings.publish.outbox_dir = shared
    draft = plant(sqlite_db, state="approved")
    publish_due(sqlite_db, settings, at(8))
    (written,) = sorted(shared.rglob("*.md"))
    (row,) = list_posts(sqlite_db, draft_id=draft)
    assert row.body == written.read_text(encoding="utf-8") and "降准之后" in (row.body or "")
    assert not (settings.var_dir / "outbox").exists()


def test_settling_from_the_draft_page_the_api_and_the_cli(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """Issue 14.4: an uncertain post has a way out everywhere, and each way is audited."""
    from fastapi.testclient import TestClient

    from newsdesk.review.accounts import issue_token
    from newsdesk.web.app import create_app
    from tests.cli_support import cli
    from tests.test_web import csrf_of, login
    from tests.web_support import seed_users

    fake_wecom.slow = lambda c: True
    settings = wecom_only(tmp_path, monkeypatch, fake_wecom)
    settings.publish.timeout = 0.3
    seed_users(sqlite_db)
    by_page = plant(sqlite_db, state="approved")
    by_api = plant(sqlite_db, slot="intraday_am", kind="intraday", state="approved")
    by_cli = plant(sqlite_db, slot="interaction", kind="interaction", state="approved")
    for slot in ("intraday_am", "interaction"):
        settings.slot(slot).channels = ["wecom"]
    assert len(publish_due(sqlite_db, settings, at(13)).uncertain) == 3
    posts = {d: post_of(sqlite_db, d).id for d in (by_page, by_api, by_cli)}

    with TestClient(create_app(settings, sqlite_db), base_url="http://127.0.0.1") as client:
        login(client, "editor")
        page = client.get(f"/drafts/{by_page}").text
        assert f'action="/posts/{posts[by_page]}/mark_sent"' in page
        done = client.post(
            f"/posts/{posts[by_page]}/resend",
            data={"csrf": csrf_of(page), "note": "群里没看到"},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"].startswith(f"/drafts/{by_page}")
        assert "post-pending" in client.get(f"/drafts/{by_page}").text
        forged = client.post(f"/posts/{posts[by_api]}/resend", data={"csrf": "nope"})
        assert forged.status_code in (400, 403)

        @cache  # one named token per user: a second "default" token is refused
        def bearer(username: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {issue_token(sqlite_db, username)}"}

        listed = client.get("/api/posts?state=uncertain", headers=bearer("editor")).json()
        assert {p["id"] for p in listed} == {posts[by_api], posts[by_cli]}
        assert all("降准之后" in p["text"] for p in listed)
        denied = client.post(
            f"/api/posts/{posts[by_api]}/mark-sent", json={}, headers=bearer("compliance")
        )
        assert denied.status_code == 403
        marked = client.post(
            f"/api/posts/{posts[by_api]}/mark-sent",
            json={"note": "截图已存"},
            headers=bearer("editor"),
        )
        assert marked.status_code == 200 and marked.json()["state"] == "sent"
        again = client.post(
            f"/api/posts/{posts[by_api]}/mark-sent", json={}, headers=bearer("editor")
        )
        assert again.status_code == 409 and "not uncertain" in again.json()["error"]

    env = {"NEWSDESK_DATABASE_URL": sqlite_db.url, "COLUMNS": "200"}
    shown = cli("posts", "list", "--state", "uncertain", env=env)
    assert shown.returncode == 0 and f"{posts[by_cli]} " in shown.stdout
    settled = cli(
        "posts", "mark-sent", str(posts[by_cli]), "--as", "admin", "--note", "ok", env=env
    )
    assert settled.returncode == 0 and "sent" in settled.stdout, settled.stderr
    refused = cli("posts", "resend", str(posts[by_cli]), "--as", "admin", env=env)
    assert refused.returncode == 2 and "not uncertain" in refused.stderr
    assert [
        (e.action, e.actor, e.note)
        for d in (by_page, by_api, by_cli)
        for e in get_draft(sqlite_db, d).audit
        if e.action in ("publish.resend", "publish.mark_sent")
    ] == [
        ("publish.resend", "editor", "群里没看到"),
        ("publish.mark_sent", "editor", "截图已存"),
        ("publish.mark_sent", "admin", "ok"),
    ]
    report = publish_due(sqlite_db, settings, at(13, 1))
    assert sorted(report.published) == [by_api, by_cli] and report.busy == []


def test_a_channel_without_its_url_fails_alone(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unset webhook variable used to abort the whole run; now only that channel's posts wait."""
    settings = wecom_desk(tmp_path, monkeypatch, "http://127.0.0.1:9/unused")
    monkeypatch.delenv("NEWSDESK_WECOM_URL")
    draft = plant(sqlite_db, state="approved")
    report = publish_due(sqlite_db, settings, at(8))
    assert report.sent == [(draft, "outbox")]
    assert [(d, c) for d, c, _ in report.failed] == [(draft, "wecom")]
    assert "NEWSDESK_WECOM_URL" in report.failed[0][2]
    assert get_draft(sqlite_db, draft).state == "approved"


def test_a_publish_process_killed_mid_send_never_sends_twice(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_wecom: FakeWeCom
) -> None:
    """kill -9 of `newsdesk publish` while the robot holds its answer: while the claim is fresh a
    second run keeps off; once it is stale the post is uncertain, never sent again."""
    import subprocess
    import sys

    import yaml

    data = yaml.safe_load((ROOT / "config" / "desk.yaml").read_text(encoding="utf-8"))
    data["channels"].append({"name": "wecom", "type": "wecom", "url_env": "NEWSDESK_WECOM_URL"})
    for slot in data["slots"]:
        if slot["name"] == "morning_report":
            slot["channels"] = ["wecom"]
    data["var_dir"] = str(tmp_path / "var")
    # The desk names its files relative to itself: the copy points at the bundled ones.
    data["topics"]["user_dictionaries"] = [
        str((ROOT / "config" / path).resolve()) for path in data["topics"]["user_dictionaries"]
    ]
    data["demo"]["directory"] = str((ROOT / "config" / data["demo"]["directory"]).resolve())
    config = tmp_path / "desk.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_WECOM_URL", fake_wecom.url)
    settings = load_settings(config)
    fake_wecom.slow = lambda c: True
    draft = plant(sqlite_db)
    approve(sqlite_db, settings, draft)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "publish", "--now", "2026-11-23T08:00:00+08:00"],
        cwd=ROOT,
        env=os.environ | {"NEWSDESK_CONFIG": str(config), "NEWSDESK_DATABASE_URL": sqlite_db.url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert fake_wecom.entered.wait(60)
    settings.publish.lease_seconds = 600
    assert publish_due(sqlite_db, settings, at(8, 1)).busy == [(draft, "wecom")]
    process.kill()
    process.wait(10)
    settings.publish.lease_seconds = 0.001
    rerun = publish_due(sqlite_db, settings, at(8, 2))
    assert rerun.uncertain == [(draft, "wecom")] and len(fake_wecom.calls) == 1
    assert "中断" in (post_of(sqlite_db, draft).last_error or "")
