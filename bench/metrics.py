"""Month view with 20,000 drafts and 100,000 audit rows: compute time on SQLite and PostgreSQL.

    python bench/metrics.py [--postgres URL]

Seeds a fresh SQLite file and (when reachable) a fresh PostgreSQL schema with
20,000 drafts spread over 2026-11 (each with a version and a report),
100,000 audit rows, 100,000 items over four months from nine sources and a
month of fetches every 15 minutes (25,920 attempts), then computes the month's metrics three times on each and
prints the median. Target: < 1 s on both.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_database  # noqa: E402
from newsdesk.config import load_settings  # noqa: E402
from newsdesk.metrics.compute import compute_metrics, parse_period  # noqa: E402
from newsdesk.store.db import Database  # noqa: E402
from newsdesk.store.models import (  # noqa: E402
    AuditEntry,
    Draft,
    DraftVersion,
    FetchAttempt,
    Item,
    Source,
)
from newsdesk.timetable import SHANGHAI  # noqa: E402

ITEMS = 100_000
REPORT = {
    "passed": True,
    "originality": {"ratio": 0.9, "threshold": 0.6, "passed": True, "borrowed": []},
    "citations": {"recall": 1.0, "precision": 1.0, "passed": True, "needing": 0, "problems": []},
    "compliance": {"passed": True, "violations": []},
}


def seed(
    db: Database, slots: list[str], drafts: int = 20_000, audits: int = 100_000, items: int = ITEMS
) -> None:
    rng = random.Random(1)
    draft_rows, version_rows, audit_rows = [], [], []
    for n in range(1, drafts + 1):
        day = date(2026, 11, 1) + timedelta(days=n % 30)
        created = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(
            hours=6, minutes=rng.randint(0, 600)
        )
        draft_rows.append(
            {
                "id": n,
                "day": day,
                "slot": rng.choice(slots),
                "kind": "morning_report",
                "segment": str(n),
                "title": "t",
                "state": rng.choice(["approved", "published", "rejected", "pending_review"]),
                "flagged": False,
                "version": 1,
                "lock_version": 1,
                "brief": {"sources": []},
                "created_at": created,
                "updated_at": created,
            }
        )
        version_rows.append(
            {
                "draft_id": n,
                "number": 1,
                "body": "正文",
                "report": REPORT,
                "passed": True,
                "origin": "draft",
                "provider": "offline",
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "latency_ms": 5,
                "created_at": created,
            }
        )
    for _ in range(audits):
        draft_id = rng.randint(1, drafts)
        audit_rows.append(
            {
                "draft_id": draft_id,
                "action": rng.choice(["review.approve", "review.reject", "review.edit"]),
                "actor": "ed",
                "at": draft_rows[draft_id - 1]["created_at"]
                + timedelta(minutes=rng.randint(1, 300)),
                "from_state": "pending_review",
                "to_state": rng.choice(["approved", "rejected", "pending_review"]),
                "version": 1,
                "note": None,
                "data": {},
            }
        )
    with db.session() as session:
        session.execute(sa.insert(Draft), draft_rows)
        session.execute(sa.insert(DraftVersion), version_rows)
        session.execute(sa.insert(AuditEntry), audit_rows)
        seed_feeds(session, rng, items)


def seed_feeds(session: sa.orm.Session, rng: random.Random, count: int) -> None:
    """Nine sources, 100,000 items over four months and a month of fetches every 15 minutes."""
    start = datetime(2026, 8, 1, tzinfo=SHANGHAI)
    sources = [{"id": n, "name": f"s{n}", "title": f"来源{n}", "type": "rss"} for n in range(1, 10)]
    session.execute(sa.insert(Source), sources)
    items = []
    for n in range(count):
        when = start + timedelta(minutes=rng.randint(0, 122 * 24 * 60))
        items.append(
            {
                "source_id": rng.randint(1, 9),
                "guid": str(n),
                "guid_key": str(n),
                "content_hash": str(n),
                "title": "t",
                "published_at": when if n % 10 else None,
                "fetched_at": when + timedelta(minutes=5),
            }
        )
    session.execute(sa.insert(Item), items)
    month = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    attempts = [
        {
            "source_id": source,
            "at": month + timedelta(minutes=15 * slot),
            "ok": rng.random() > 0.05,
            "http_status": 200,
        }
        for source in range(1, 10)
        for slot in range(30 * 24 * 4)
    ]
    session.execute(sa.insert(FetchAttempt), attempts)


def measure(db: Database, drafts: int) -> float:
    settings = load_settings(ROOT / "config" / "desk.yaml")
    period = parse_period(month="2026-11")
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        data = compute_metrics(db, settings, period).as_json()
        timings.append(time.perf_counter() - started)
    assert data["drafts"] == drafts
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--quick", action="store_true", help="1/40 of the data, SQLite: tests")
    args = parser.parse_args()
    drafts, audits, items = (500, 2_500, 2_500) if args.quick else (20_000, 100_000, ITEMS)
    slots = [s.name for s in load_settings(ROOT / "config" / "desk.yaml").slots]
    databases = (("SQLite    ", None), ("PostgreSQL", args.postgres))
    for label, url in databases[:1] if args.quick else databases:
        with scratch_database(url, "newsdesk-metrics-") as db:
            if db is None:
                continue
            seed(db, slots, drafts, audits, items)
            if url:
                # What autovacuum does to a live desk's tables; bulk-loaded ones have no
                # statistics yet, and without them the planner probes the audit once per draft.
                with db.engine.begin() as conn:
                    conn.execute(sa.text("ANALYZE"))
            print(
                f"{label} month view, {drafts:,} drafts / {audits:,} audit rows / {items:,} items: "
                f"{measure(db, drafts) * 1000:7.1f} ms (target < 1000 ms)"
            )


if __name__ == "__main__":
    main()
