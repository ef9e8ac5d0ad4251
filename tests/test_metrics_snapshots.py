"""Issue 27 item 2: closed days are read from their daily snapshots, only today is computed live;
the page, the CSV and ``newsdesk metrics`` show what the snapshots say."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import requests
import sqlalchemy as sa

from newsdesk.metrics.compute import Metrics
from newsdesk.metrics.periods import parse_period
from newsdesk.metrics.store import period_metrics, snapshot_day
from newsdesk.store.db import Database
from newsdesk.store.models import DailyMetrics
from newsdesk.timetable import SHANGHAI
from tests.cli_support import cli
from tests.test_metrics import GOOD, SETTINGS, at, audit, draft, week  # noqa: F401 (fixture)
from tests.web_support import PASSWORDS, WebServer, review_settings, seed_users

ROOT = Path(__file__).resolve().parent.parent
WEEK = parse_period(week="2026-W48")
AFTER_THE_WEEK = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def snapshot_week(db: Database) -> None:
    for day in WEEK.days:
        snapshot_day(db, SETTINGS, day)


def a_late_draft_on_the_23rd(db: Database) -> None:
    """What a snapshot no longer sees: a draft of the 23rd written after its day was closed."""
    with db.session() as s:
        late = draft(
            s,
            23,
            "breaking",
            "breaking",
            "approved",
            at(23, 20),
            [(at(23, 20), GOOD, "offline")],
        )
        audit(s, late, at(23, 21), "review.approve", "approved")


def test_a_period_of_snapshots_adds_up_to_the_live_figures(week: Database) -> None:  # noqa: F811
    """Medians, p90, revisions per draft, providers' latencies: summed days are exact."""
    snapshot_week(week)
    live = period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK, snapshots=False).as_json()
    assert period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK).as_json() == live
    assert live["drafts"] == 5 and live["approve_minutes"]["p90"] == 150.0


def test_closed_days_come_from_their_snapshots_today_is_live(week: Database) -> None:  # noqa: F811
    snapshot_week(week)
    a_late_draft_on_the_23rd(week)
    assert period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK, snapshots=False).drafts == 6
    assert period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK).drafts == 5
    # The daily flow run again for the 23rd: its new snapshot is read (not one decoded before).
    snapshot_day(week, SETTINGS, date(2026, 11, 23))
    assert period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK).drafts == 6
    # On the 23rd itself the day is still open: computed live, the snapshot not read.
    on_the_day = datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI)
    assert period_metrics(week, SETTINGS, WEEK, now=on_the_day).drafts == 6
    # A closed day without a snapshot, or with one of an older layout, is computed live.
    with week.session() as s:
        s.execute(sa.delete(DailyMetrics).where(DailyMetrics.day == date(2026, 11, 24)))
        s.execute(
            sa.update(DailyMetrics)
            .where(DailyMetrics.day == date(2026, 11, 23))
            .values(figures={"drafts": 3, "filled_on_time": 1}, computed_at=AFTER_THE_WEEK)
        )
    assert period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK).as_json() == (
        period_metrics(week, SETTINGS, WEEK, now=AFTER_THE_WEEK, snapshots=False).as_json()
    )


def test_the_page_the_csv_and_the_cli_show_the_snapshots(week: Database) -> None:  # noqa: F811
    snapshot_week(week)
    a_late_draft_on_the_23rd(week)
    seed_users(week)
    desk = review_settings()
    desk.demo.enabled = False  # the demo desk's clock stands on its demo day, inside the week
    desk.web.secret_key = "metrics-snapshot-test-" + "k" * 40
    with WebServer(desk, week) as server, requests.Session() as browser:
        login = browser.get(f"{server.url}/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login)
        assert csrf
        browser.post(
            f"{server.url}/login",
            data={"username": "editor", "password": PASSWORDS["editor"], "csrf": csrf.group(1)},
        ).raise_for_status()
        page = browser.get(f"{server.url}/metrics?week=2026-W48")
        assert page.status_code == 200
        assert "稿件 Drafts: <strong>5</strong>" in page.text
        slots = browser.get(f"{server.url}/metrics.csv?table_name=slots&week=2026-W48").text
        assert "\nbreaking,breaking,0,0,,1,1.0\n" in slots  # the 25th's only, not the late one
    env = {"NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"), "NEWSDESK_DATABASE_URL": week.url}
    out = cli("metrics", "--week", "2026-W48", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert '"drafts": 5,' in out.stdout


def test_the_page_shows_the_newest_notes_of_a_long_month_and_counts_them_all() -> None:
    from newsdesk.metrics.tables import PAGE_ROWS, page_tables, table

    month = Metrics(
        WEEK,
        rejections=[(n, "morning_report", "ed", "") for n in range(1, 121)],
        rewrite_requests=[(500, "viewpoint", "ed", "补充")],
    )
    shown, totals = page_tables(month)
    assert totals["rejections"] == 121 == len(table(month, "rejections"))
    assert [r["draft"] for r in shown["rejections"]] == [*range(120, 120 - PAGE_ROWS, -1), 500]
    assert shown["rejections"][-1] == {
        "kind": "request_revision",
        "draft": 500,
        "slot": "viewpoint",
        "by": "ed",
        "note": "补充",
    }
