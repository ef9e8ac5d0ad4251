"""Metrics for a hand-built week: every figure exact, empty periods, CSV = JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from newsdesk.config import load_settings
from newsdesk.metrics.compute import percentile
from newsdesk.metrics.display import minutes, percent
from newsdesk.metrics.periods import parse_period
from newsdesk.metrics.store import period_metrics, snapshot_day
from newsdesk.metrics.tables import TABLES, table, to_csv
from newsdesk.store.db import Database
from newsdesk.store.models import (
    AuditEntry,
    DailyMetrics,
    Draft,
    DraftVersion,
    FetchAttempt,
    FetchState,
    Item,
    Post,
    Source,
)
from newsdesk.timetable import SHANGHAI
from tests.cli_support import cli

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "config" / "desk.yaml")
GOOD = {
    "passed": True,
    "originality": {"ratio": 0.95, "threshold": 0.6, "passed": True, "borrowed": []},
    "citations": {"recall": 1.0, "precision": 1.0, "passed": True, "needing": 0, "problems": []},
    "compliance": {"passed": True, "violations": []},
}
BAD = {
    "passed": False,
    "originality": {"ratio": 0.35, "threshold": 0.6, "passed": False, "borrowed": []},
    "citations": {"recall": 1.0, "precision": 1.0, "passed": True, "needing": 0, "problems": []},
    "compliance": {
        "passed": False,
        "violations": [{"rule": "banned:稳赚", "text": "稳赚", "start": 0, "end": 2}],
    },
}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def draft(
    session,
    day: int,
    slot: str,
    kind: str,
    state: str,
    created: datetime,
    versions: list[tuple[datetime, dict, str]],
) -> Draft:  # type: ignore[no-untyped-def]
    row = Draft(
        day=date(2026, 11, day),
        slot=slot,
        kind=kind,
        segment="",
        title=slot,
        state=state,
        version=len(versions),
        brief={"sources": []},
        created_at=created,
    )
    row.versions = [
        DraftVersion(
            number=n,
            body="正文",
            report=report,
            passed=report["passed"],
            origin="draft" if n == 1 else "revision",
            provider=provider,
            prompt_tokens=100 * n,
            completion_tokens=10 * n,
            latency_ms=200 * n,
            created_at=when,
        )
        for n, (when, report, provider) in enumerate(versions, start=1)
    ]
    session.add(row)
    session.flush()
    return row


def audit(
    session, row: Draft, when: datetime, action: str, to_state: str, note: str | None = None
) -> None:  # type: ignore[no-untyped-def]
    session.add(
        AuditEntry(
            draft_id=row.id,
            action=action,
            actor="ed",
            at=when,
            from_state="pending_review",
            to_state=to_state,
            version=row.version,
            note=note,
            data={},
        )
    )


@pytest.fixture
def week(db: Database) -> Database:
    with db.session() as s:
        morning = draft(
            s,
            23,
            "morning_report",
            "morning_report",
            "published",
            at(23, 7, 20),
            [(at(23, 7, 20), GOOD, "offline")],
        )
        audit(s, morning, at(23, 7, 50), "review.approve", "approved")
        s.add(
            Post(
                draft_id=morning.id,
                channel="outbox",
                state="sent",
                version=1,
                attempts=1,
                sent_at=at(23, 8, 0),
            )
        )
        view = draft(
            s,
            23,
            "viewpoint",
            "viewpoint",
            "approved",
            at(23, 7, 0),
            [(at(23, 7, 0), BAD, "openai"), (at(23, 7, 10), GOOD, "openai")],
        )
        audit(s, view, at(23, 9, 30), "review.approve", "approved")
        intraday = draft(
            s,
            23,
            "intraday_am",
            "intraday",
            "rejected",
            at(23, 9, 0),
            [(at(23, 9, 0), GOOD, "offline")],
        )
        audit(s, intraday, at(23, 9, 20), "review.reject", "rejected", "数据不准")
        chat = draft(
            s,
            24,
            "interaction",
            "interaction",
            "needs_revision",
            at(24, 11, 0),
            [(at(24, 11, 0), GOOD, "offline")],
        )
        audit(s, chat, at(24, 11, 10), "review.request_revision", "needs_revision", "补充风险提示")
        breaking = draft(
            s,
            25,
            "breaking",
            "breaking",
            "published",
            at(25, 10, 0),
            [(at(25, 10, 0), GOOD, "offline")],
        )
        audit(s, breaking, at(25, 10, 10), "review.approve", "approved")
        s.add(
            Post(
                draft_id=breaking.id,
                channel="outbox",
                state="sent",
                version=1,
                attempts=1,
                sent_at=at(25, 10, 20),
            )
        )
    return db


def test_a_hand_built_week_is_exactly_right(week: Database) -> None:
    data = period_metrics(week, SETTINGS, parse_period(week="2026-W48"), snapshots=False).as_json()
    assert (
        data["due"] == 8 * 5 + 1
    )  # eight trading-day slots on five trading days, the weekly one on Friday
    assert data["filled_on_time"] == 1 and data["fill_rate"] == round(1 / 41, 4)
    assert (
        data["drafts"] == 5 and data["approval_rate"] == 0.6
    )  # morning (published), viewpoint, breaking
    assert data["approve_minutes"] == {
        "median": 30.0,
        "p90": 150.0,
        "count": 3,
    }  # 30, 150, 10 minutes
    assert data["revisions_per_draft"] == 0.2
    assert data["rejections"] == [
        {"draft": 3, "slot": "intraday_am", "by": "ed", "note": "数据不准"}
    ]
    assert data["rewrite_requests"] == [
        {"draft": 4, "slot": "interaction", "by": "ed", "note": "补充风险提示"}
    ]
    assert data["failures_by_rule"] == {"banned:稳赚": 1, "originality": 1}
    assert data["originality"]["90-100%"] == 5 and sum(data["originality"].values()) == 5
    slots = {s["slot"]: s for s in data["slots"]}
    assert slots["morning_report"] == {
        "slot": "morning_report",
        "kind": "morning_report",
        "due": 5,
        "filled_on_time": 1,
        "fill_rate": 0.2,
        "drafts": 1,
        "approval_rate": 1.0,
    }
    assert slots["viewpoint"]["filled_on_time"] == 0  # approved at 09:30, after its 09:00 slot
    assert slots["promo"] == {
        "slot": "promo",
        "kind": "promo",
        "due": 5,
        "filled_on_time": 0,
        "fill_rate": 0.0,
        "drafts": 0,
        "approval_rate": None,
    }  # a slot with no drafts
    assert slots["weekly_summary"]["due"] == 1
    providers = {p["provider"]: p for p in data["providers"]}
    assert providers["openai"] == {
        "provider": "openai",
        "calls": 2,
        "prompt_tokens": 300,
        "completion_tokens": 30,
        "median_latency_ms": 300.0,
    }
    assert data["breaking_turnaround_minutes"] == {"median": 20.0, "count": 1}


def test_sources_table_counts_items_and_feed_errors_in_the_period(db: Database) -> None:
    with db.session() as s:
        a = Source(name="a", title="甲", url="http://127.0.0.1/a", type="rss", state=FetchState())
        b = Source(
            name="b",
            title="乙",
            url="http://127.0.0.1/b",
            type="rss",
            state=FetchState(error_count=2),
        )
        s.add_all([a, b])
        s.flush()
        items = [
            Item(source_id=src.id, guid=g, guid_key=g, content_hash=g, title=g, fetched_at=when)
            for src, g, when in [
                (a, "a1", at(23, 6)),
                (a, "a2", at(24, 6)),
                (a, "a0", at(20, 6)),  # the week before
                (b, "b1", at(25, 6)),
            ]
        ]
        # published in the week, fetched (back-filled) a week later: counts in its week
        items.append(
            Item(
                source_id=b.id,
                guid="b2",
                guid_key="b2",
                content_hash="b2",
                title="b2",
                published_at=at(26, 9),
                fetched_at=datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI),
            )
        )
        s.add_all(items)
        s.flush()
        s.add_all(
            FetchAttempt(source_id=src.id, at=when, ok=ok, http_status=status)
            for src, when, ok, status in [
                (a, at(23, 6), True, 200),
                (a, at(23, 7), False, 503),
                (a, at(24, 6), True, 200),
                (a, at(20, 6), False, 500),  # the week before
                (b, at(25, 6), False, None),
                (b, at(25, 7), False, 429),
            ]
        )
        row = draft(s, 23, "morning_report", "morning_report", "pending_review", at(23, 7), [])
        row.brief = {
            "sources": [{"n": 1, "item_id": items[0].id}, {"n": 2, "item_id": items[3].id}]
        }
    data = period_metrics(db, SETTINGS, parse_period(week="2026-W48"), snapshots=False).as_json()
    assert data["sources"] == [
        {
            "source": "a",
            "title": "甲",
            "ingested": 2,
            "used": 1,
            "fetches": 3,
            "errors": 1,
            "failing_now": 0,
        },
        {
            "source": "b",
            "title": "乙",
            "ingested": 2,
            "used": 1,
            "fetches": 2,
            "errors": 2,
            "failing_now": 2,
        },
    ]
    before = period_metrics(db, SETTINGS, parse_period(day="2026-11-20"), snapshots=False).as_json()
    assert [(r["ingested"], r["fetches"], r["errors"]) for r in before["sources"]] == [
        (1, 1, 1),
        (0, 0, 0),
    ]


def test_empty_periods(db: Database) -> None:
    holiday = period_metrics(
        db, SETTINGS, parse_period(day="2026-10-01"), snapshots=False
    ).as_json()
    assert (
        holiday["due"] == 0
        and holiday["fill_rate"] is None
        and holiday["drafts"] == 0
        and holiday["approval_rate"] is None
    )
    assert holiday["approve_minutes"] == {"median": None, "p90": None, "count": 0}
    month = period_metrics(db, SETTINGS, parse_period(month="2026-10"), snapshots=False).as_json()
    # a desk that never ran was due nothing (issue 24 item 7: it read 0/172 for a whole month;
    # this desk replays 2026-11-23, so October is before it)
    assert (month["due"], month["fill_rate"], month["revisions_per_draft"]) == (0, None, None)


def test_periods_and_percentiles() -> None:
    assert (parse_period(week="2026-W48").start, parse_period(week="2026-W48").end) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert parse_period(month="2026-12").end == date(2026, 12, 31)
    for bad in ({"month": "2026-13"}, {"week": "48"}, {"day": "yesterday"}, {}):
        with pytest.raises(ValueError):
            parse_period(**bad)
    assert (
        percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == 90
        and percentile([], 0.5) is None
    )


def test_csv_matches_json(week: Database) -> None:
    metrics = period_metrics(week, SETTINGS, parse_period(week="2026-W48"), snapshots=False)
    for name in TABLES:
        rows = table(metrics, name)
        parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
        assert parsed == [
            {k: "" if v is None else str(v) for k, v in row.items()} for row in rows
        ], name


def test_cli_json_and_csv(week: Database) -> None:
    env = {"NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"), "NEWSDESK_DATABASE_URL": week.url}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return cli("metrics", *args, env=env)

    out = run("--week", "2026-W48", "--json")
    assert out.returncode == 0, out.stderr
    assert (
        json.loads(out.stdout)
        == period_metrics(week, SETTINGS, parse_period(week="2026-W48"), snapshots=False).as_json()
    )
    csv_out = run("--week", "2026-W48", "--csv", "--table", "slots")
    assert csv_out.stdout.startswith(
        "slot,kind,due,filled_on_time,fill_rate,drafts,approval_rate\nmorning_report,"
    )
    assert run("--month", "2026-13").returncode == 2
    assert run("--day", "2026-11-23", "--week", "2026-W48").returncode == 2


def test_figures_read_as_the_desk_reads_them(week: Database) -> None:
    assert (percent(1 / 9), minutes(9.5818), percent(None), minutes(None)) == (
        "11.1 %",
        "9.6 分钟",
        "无",
        "无",
    )
    env = {"NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"), "NEWSDESK_DATABASE_URL": week.url}
    out = cli("metrics", "--week", "2026-W48", env=env | {"COLUMNS": "250"})
    assert out.returncode == 0, out.stderr
    assert "通过率 approval 60.0 %" in out.stdout and "中位 median 30.0 分钟" in out.stdout
    assert "None" not in out.stdout and "0.6" not in out.stdout.replace("60.0", "")
    assert "无" in out.stdout  # a slot with no drafts has no approval rate


def test_daily_snapshot_is_stored(week: Database) -> None:
    snapshot_day(week, SETTINGS, date(2026, 11, 23))
    snapshot_day(week, SETTINGS, date(2026, 11, 23))
    with week.session() as session:
        (row,) = session.query(DailyMetrics).all()
        assert row.figures["drafts"] == 3
        assert sum(slot["filled_on_time"] for slot in row.figures["slots"]) == 1


def test_fill_rate_counts_only_slots_due_while_the_desk_ran(db: Database) -> None:
    """Issue 24 item 7: a desk first seen on Tue 24 Nov at 10:30 (its first fetch), viewed on Wed
    25 Nov at 11:00, was due the 24th's slots from 12:00 on and the 25th's up to 10:00 — not
    November's earlier days (0/172 before) nor the 25th's later slots."""
    with db.session() as s:
        source = Source(name="a", title="甲", url="http://127.0.0.1/a", type="rss")
        source.created_at = at(24, 10, 30)
        s.add(source)
        s.flush()
        s.add(FetchAttempt(source_id=source.id, at=at(24, 10, 30), ok=True, http_status=200))
        early = draft(
            s,
            25,
            "morning_report",
            "morning_report",
            "approved",
            at(25, 7),
            [(at(25, 7), GOOD, "offline")],
        )
        audit(s, early, at(25, 7, 30), "review.approve", "approved")
    month = parse_period(month="2026-11")
    desk = SETTINGS.model_copy(update={"demo": SETTINGS.demo.model_copy(update={"enabled": False})})
    # On the real clock (December) the month is over: every slot from the 24th on was due.
    later = period_metrics(db, desk, month, snapshots=False).as_json()
    assert later["due"] == 5 + 8 * 4 + 1  # 24th from 12:00, 25-27 and 30 Nov, Friday's weekly
    data = period_metrics(db, desk, month, now=at(25, 11), snapshots=False).as_json()
    # 24th: interaction 12:00, intraday_pm, close_summary, promo, research_digest; 25th: 08-10:00
    assert (data["due"], data["filled_on_time"]) == (5 + 3, 1)
    slots = {s["slot"]: s["due"] for s in data["slots"]}
    assert (
        slots["morning_report"] == 1 and slots["interaction"] == 1 and slots["weekly_summary"] == 0
    )
    # The demo desk replays the 23rd (its clock stands there): it ran that day from 07:30 on.
    replaying = period_metrics(
        db, SETTINGS, parse_period(day="2026-11-23"), snapshots=False
    ).as_json()
    assert replaying["due"] == 8
