"""Review UI under load: queue page latency with 1,000 drafts stored, and 50 racing approvals.

    python bench/review_ui.py [--database-url URL]

Seeds 1,000 drafts (125 days x 8 slots, each with a version and its check
report) into a fresh SQLite file (or a fresh schema on the given PostgreSQL
server, dropped afterwards), serves the real app
with uvicorn on 127.0.0.1, logs in, and requests the queue page of one day
200 times in a row over loopback: p50 / p95 (target p95 < 100 ms on SQLite).
Then 50 clients approve the same draft version at once through the JSON API:
exactly one must win, 49 get 409, none gets a 500.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_database  # noqa: E402
from newsdesk.config import Settings, load_settings  # noqa: E402
from newsdesk.review.accounts import add_user, issue_token  # noqa: E402
from newsdesk.store.db import Database  # noqa: E402
from newsdesk.store.models import Draft, DraftVersion  # noqa: E402
from tests.web_support import WebServer  # noqa: E402

REPORT = {
    "passed": True,
    "originality": {"ratio": 0.93, "threshold": 0.6, "passed": True, "borrowed": []},
    "citations": {"recall": 1.0, "precision": 1.0, "passed": True, "needing": 3, "problems": []},
    "compliance": {"passed": True, "violations": []},
}


def seed(db: Database, slots: list[str], days: int) -> date:
    first = date(2026, 7, 1)
    with db.session() as session:
        for offset in range(days):
            day = first + timedelta(days=offset)
            for slot in slots:
                draft = Draft(
                    day=day,
                    slot=slot,
                    kind=slot,
                    segment="",
                    title=slot,
                    version=1,
                    brief={"sources": []},
                )
                draft.versions = [
                    DraftVersion(
                        number=1,
                        body="机器草稿正文。" * 40,
                        report=REPORT,
                        passed=True,
                        origin="draft",
                        provider="offline",
                    )
                ]
                session.add(draft)
    return first + timedelta(days=days // 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    settings = load_settings(ROOT / "config" / "desk.yaml")
    settings.web.login_attempts = 1000
    with scratch_database(args.database_url, "newsdesk-review-") as db:
        if db is not None:
            run(db, settings)


def run(db: Database, settings: Settings) -> None:
    day = seed(db, [s.name for s in settings.slots[:8]], 125)
    add_user(db, "bench", "bench-password", "admin")
    token = issue_token(db, "bench")
    with WebServer(settings, db) as server:
        session = requests.Session()
        login = session.get(f"{server.url}/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
        session.post(
            f"{server.url}/login",
            data={"username": "bench", "password": "bench-password", "csrf": csrf},
        )
        timings = []
        for _ in range(200):
            started = time.perf_counter()
            response = session.get(f"{server.url}/queue", params={"day": day.isoformat()})
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and "draft-row" in response.text
        timings.sort()
        p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
        with db.session() as s:
            target = s.query(Draft).filter(Draft.day == day).first()
            draft_id, lock = target.id, target.lock_version

        def approve(_: int) -> int:
            return requests.post(
                f"{server.url}/api/drafts/{draft_id}/approve",
                json={"expected_version": lock},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(approve, range(50)))
    print(f"database: {db.safe_url.split('?')[0]}; 1000 drafts stored")
    print(f"queue page, 200 requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 < 100 ms)")
    print(
        f"50 concurrent approvals: {statuses.count(200)} won, {statuses.count(409)} conflicts, "
        f"{sum(s >= 500 for s in statuses)} server errors (target 1 / 49 / 0)"
    )


if __name__ == "__main__":
    main()
