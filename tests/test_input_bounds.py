"""Out-of-range input answers 404/400 with a message, never a 500 or a traceback (issue 26 items 2, 3).

Ids beyond a 32-bit key overflowed the driver on both databases; periods at the ends of
the calendar overflowed the dashboard's date arithmetic; a reject note written as a
spreadsheet formula went into the CSV export as one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from newsdesk.metrics.periods import parse_period
from newsdesk.metrics.store import period_metrics
from newsdesk.metrics.tables import table, to_csv
from newsdesk.review.accounts import actor_for, issue_token
from newsdesk.review.service import transition
from newsdesk.store.db import Database
from newsdesk.web.app import create_app
from tests.cli_support import ROOT, cli
from tests.review_data import plant
from tests.test_web import login
from tests.web_support import review_settings, seed_users

HUGE_IDS = ("2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999")
BAD_PERIODS = (
    "day=0001-01-01",
    "day=9999-12-31",
    "week=0001-W01",
    "week=9999-W52",
    "month=0001-01",
    "month=9999-12",
    "week=2026-W99999999999999999999",
)
FORMULA = '=HYPERLINK("http://x","click")'


@pytest.fixture
def desk(db: Database) -> Database:
    seed_users(db)
    return db


@pytest.fixture
def client(desk: Database) -> Iterator[TestClient]:
    app = create_app(review_settings(), desk)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        yield client


def test_huge_ids_are_not_found(client: TestClient, desk: Database) -> None:
    api = {"Authorization": f"Bearer {issue_token(desk, 'editor')}"}
    body = {"expected_version": 0, "note": "x"}
    for number in HUGE_IDS:
        response = client.get(f"/api/drafts/{number}", headers=api)
        assert response.status_code == 404, (number, response.text)
        assert response.json()["kind"] == "NotFound"
        assert (
            client.post(f"/api/drafts/{number}/reject", json=body, headers=api).status_code == 404
        )
        assert client.post(f"/api/posts/{number}/resend", json={}, headers=api).status_code == 404
        assert client.get(f"/api/posts?draft={number}", headers=api).json() == []
    login(client, "editor")
    for number in HUGE_IDS:
        assert client.get(f"/drafts/{number}").status_code == 404


def test_periods_at_the_ends_of_the_calendar_are_refused(client: TestClient) -> None:
    login(client, "editor")
    for query in BAD_PERIODS:
        for path in ("/metrics", "/metrics.csv"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query, response.status_code)
            assert "Traceback" not in response.text
    assert client.get("/metrics?day=2026-11-23").status_code == 200


def test_the_cli_refuses_them_in_one_line(desk: Database) -> None:
    env = {"NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"), "NEWSDESK_DATABASE_URL": desk.url}
    shown = cli("review", "show", "99999999999999999999", env=env)
    assert shown.returncode == 2 and "no draft" in shown.stderr, shown.stderr
    assert "Traceback" not in shown.stderr
    for option, value in (("--day", "0001-01-01"), ("--week", "9999-W52"), ("--month", "0001-01")):
        out = cli("metrics", option, value, env=env)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr


def test_formula_notes_are_neutralised_in_every_csv(client: TestClient, desk: Database) -> None:
    settings = review_settings()
    draft_id = plant(desk)
    transition(
        desk,
        settings,
        draft_id,
        "reject",
        actor_for(desk, "editor"),
        expected_version=1,
        note=FORMULA,
    )
    rows = table(
        period_metrics(desk, settings, parse_period(day="2026-11-23"), snapshots=False),
        "rejections",
    )
    cells = [cell for row in csv.reader(io.StringIO(to_csv(rows))) for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    login(client, "editor")
    web = client.get("/metrics.csv?table_name=rejections&day=2026-11-23").text
    assert "'" + FORMULA.replace('"', '""') in web
    env = {"NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"), "NEWSDESK_DATABASE_URL": desk.url}
    out = cli("metrics", "--day", "2026-11-23", "--csv", "--table", "rejections", env=env)
    assert out.returncode == 0, out.stderr
    assert [c for row in csv.reader(io.StringIO(out.stdout)) for c in row if "HYPERLINK" in c] == [
        "'" + FORMULA
    ]
    # Numbers stay numbers: a negative figure is not text that starts like a formula.
    assert to_csv([{"change": -0.5, "note": "-5% 下跌"}]) == "change,note\n-0.5,'-5% 下跌\n"
