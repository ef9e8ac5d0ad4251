"""Month view with 20,000 drafts and 100,000 audit rows: in-process, the page and the CLI, each
beside its floor, on SQLite and PostgreSQL.

    python bench/metrics.py [--postgres URL] [--clients 50] [--quick]

Seeds a fresh SQLite file and (when reachable) a fresh PostgreSQL schema with 20,000 drafts
spread over 2026-11 (each with a version and a report), 100,000 audit rows, 100,000 items over
four months from nine sources and a month of fetches every 15 minutes (25,920 attempts), then
stores each day's snapshot as the daily-metrics flow does and measures (issue 27 item 2):

- in process: the month computed from the store (before), read from its snapshots (after), and
  the current month on its last afternoon (29 snapshots, today live); the floor is reading the
  month's 30 snapshot rows, decoded, and nothing else;
- ``GET /metrics?month=2026-11`` from ``newsdesk web`` (2 processes): one client, then
  ``--clients`` at once; the floor is the same bytes served from memory (bench/load.py's);
- ``newsdesk metrics --month 2026-11`` as a whole process, wall and CPU, beside three floors:
  python and its database driver doing the same reads (the month's snapshots, the sources),
  ``newsdesk --help``, and the stack any store-reading command stands on (typer, rich,
  pydantic, the desk's settings, the store opened with SQLAlchemy).

Targets: page < 300 ms and a few hundred KB, the CLI < 1 s. ``--quick`` (the test suite): 500
drafts, SQLite, a few requests.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Floor, Server, hammer, server_stack  # noqa: E402
from bench.review_ui import DESK  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from newsdesk.config import load_settings  # noqa: E402
from newsdesk.metrics.periods import parse_period  # noqa: E402
from newsdesk.metrics.store import period_metrics, snapshot_day  # noqa: E402
from newsdesk.review.accounts import add_user  # noqa: E402
from newsdesk.store.db import Database  # noqa: E402
from newsdesk.store.models import (  # noqa: E402
    AuditEntry,
    DailyMetrics,
    Draft,
    DraftVersion,
    FetchAttempt,
    Item,
    Source,
)
from newsdesk.timetable import SHANGHAI  # noqa: E402

CONFIG = ROOT / "config" / "desk.yaml"
MONTH = "2026-11"
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


def median_ms(work: Callable[[], object], runs: int) -> float:
    """Median wall milliseconds (a whole process: the CLI)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def best_cpu_ms(work: Callable[[], object], runs: int) -> float:
    """Least CPU milliseconds of this process (in-process work on a shared machine: the
    neighbours lengthen wall time and a median, not the least CPU the work takes)."""
    timings = []
    for _ in range(runs):
        started = time.process_time()
        work()
        timings.append(time.process_time() - started)
    return min(timings) * 1000


def in_process(db: Database, drafts: int, runs: int) -> list[tuple[str, float]]:
    settings = load_settings(CONFIG)
    period = parse_period(month=MONTH)
    last_afternoon = datetime(2026, 11, 30, 14, 0, tzinfo=SHANGHAI)

    def floor() -> None:
        with db.session() as session:
            rows = session.scalars(
                sa.select(DailyMetrics.figures).where(
                    DailyMetrics.day.between(period.start, period.end)
                )
            ).all()
        assert sum(r["drafts"] for r in rows) == drafts

    # As the page reads them: the summary, the notes left as rows.
    def stored() -> None:
        assert period_metrics(db, settings, period).as_json(notes=False)["drafts"] == drafts

    def current() -> None:
        period_metrics(db, settings, period, now=last_afternoon).as_json(notes=False)

    def before() -> None:
        period_metrics(db, settings, period, snapshots=False).as_json(notes=False)

    return [
        ("floor: read the 30 snapshot rows", best_cpu_ms(floor, runs)),
        ("from snapshots (closed month)", best_cpu_ms(stored, runs)),
        ("current month, today live", best_cpu_ms(current, runs)),
        ("computed from the store (before)", best_cpu_ms(before, runs)),
    ]


def page(db: Database, clients: int, each: int) -> list[str]:
    add_user(db, "bench", "bench-password", "admin")
    env = DESK | {
        "NEWSDESK_DATABASE_URL": db.url,
        "NEWSDESK_WEB__WORKERS": "2",
        "NEWSDESK_WEB__LOGIN_ATTEMPTS": "1000",
    }
    path = f"/metrics?month={MONTH}"
    with Server([sys.executable, "-m", "newsdesk.cli", "web"], env) as server:
        session = requests.Session()
        csrf = re.search(r'name="csrf" value="([^"]+)"', session.get(f"{server.url}/login").text)
        assert csrf
        session.post(
            f"{server.url}/login",
            data={"username": "bench", "password": "bench-password", "csrf": csrf.group(1)},
        ).raise_for_status()
        cookies = session.cookies.get_dict()
        response = session.get(server.url + path)
        assert response.status_code == 200 and "月报" in response.text, response.status_code
        body, content_type = response.content, response.headers["content-type"]
        with Floor({path: (body, content_type)}, 2) as floor:
            one = hammer(server, path, 1, each * 2, cookies)
            floor_one = hammer(floor, path, 1, each * 2, cookies)
            load_before = _load()
            many = hammer(server, path, clients, each, cookies)
            floor_many = hammer(floor, path, clients, each, cookies)
            load_after = _load()
    return [
        f"| GET {path}, 1 client | {len(body):,} | {floor_one.p50:.0f} / {floor_one.p95:.0f} ms | "
        f"{one.p50:.0f} / {one.p95:.0f} ms | {one.cpu_ms:.1f} ms |",
        f"| GET {path}, {clients} clients (load {load_before} → {load_after}) | {len(body):,} | "
        f"{floor_many.p50:.0f} / {floor_many.p95:.0f} ms | {many.p50:.0f} / {many.p95:.0f} ms | "
        f"{many.cpu_ms:.1f} ms |",
    ]


def _load() -> str:
    """The one-minute load average."""
    return Path("/proc/loadavg").read_text().split()[0]


# The command's floors: the same reads by a bare process (the driver, json), and the libraries
# every newsdesk command that reads the store stands on (typer and rich, pydantic for typer's
# parameters and the desk's settings, SQLAlchemy for the store), imported and the store opened.
BARE_READS = """
import json, sys
url, first, last = sys.argv[1:4]
if url.startswith("sqlite"):
    import sqlite3
    conn = sqlite3.connect(url.split(":///", 1)[1])
    mark = "?"
else:
    import psycopg
    conn = psycopg.connect(url)
    mark = "%s"
cur = conn.cursor()
cur.execute(f"SELECT day, figures FROM daily_metrics WHERE day BETWEEN {mark} AND {mark}",
            (first, last))
days = [(day, f if isinstance(f, dict) else json.loads(f)) for day, f in cur.fetchall()]
cur.execute("SELECT s.name, s.title, f.error_count FROM sources s "
            "LEFT JOIN fetch_state f ON f.source_id = s.id ORDER BY s.name")
sources = cur.fetchall()
print(len(days), sum(f["drafts"] for _, f in days), len(sources))
"""
STACK = (
    "import pydantic, rich.table; import newsdesk.cli; "
    "from newsdesk.cli.base import open_db, state; open_db(state.settings)"
)


def command(db: Database, runs: int) -> list[tuple[str, float, float]]:
    """(what, median wall ms, median CPU ms) of each whole process, ``runs`` times each in turn."""
    env = os.environ | DESK | {"NEWSDESK_DATABASE_URL": db.url}
    period = parse_period(month=MONTH)
    bare_url = sa.engine.make_url(db.url)
    if bare_url.drivername.startswith("postgresql"):
        bare_url = bare_url.set(drivername="postgresql")
    newsdesk = str(Path(sys.executable).with_name("newsdesk"))
    commands = {
        "floor: python + its driver, the same reads (30 snapshots, the sources)": [
            sys.executable,
            "-c",
            BARE_READS,
            bare_url.render_as_string(hide_password=False),
            period.start.isoformat(),
            period.end.isoformat(),
        ],
        "floor: newsdesk --help": [newsdesk, "--help"],
        "floor: the CLI's stack (typer, rich, pydantic, settings, SQLAlchemy store opened)": [
            sys.executable,
            "-c",
            STACK,
        ],
        f"newsdesk metrics --month {MONTH}": [newsdesk, "metrics", "--month", MONTH],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # in turn, so a neighbour's burst falls on each alike
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
            walls[name].append((time.perf_counter() - started) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(
                (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
            )
            assert done.returncode == 0, done.stderr[-2000:]
    return [
        (name, statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands
    ]


def snapshot_month(db: Database) -> float:
    """Each day of the month stored as the daily-metrics flow stores it; ms per day."""
    settings = load_settings(CONFIG)
    days = parse_period(month=MONTH).days
    started = time.perf_counter()
    for day in days:
        snapshot_day(db, settings, day)
    return (time.perf_counter() - started) * 1000 / len(days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="1/40 of the data, SQLite: tests")
    args = parser.parse_args()
    drafts, audits, items = (500, 2_500, 2_500) if args.quick else (20_000, 100_000, ITEMS)
    runs, clients, each = (1, 2, 2) if args.quick else (5, args.clients, 4)
    slots = [s.name for s in load_settings(CONFIG).slots]
    databases = (("SQLite", None), ("PostgreSQL", args.postgres))
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
            per_day = snapshot_month(db)
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            print(
                f"\n{label}: {drafts:,} drafts / {audits:,} audit rows / {items:,} items; "
                f"load average {load}; daily snapshot {per_day:.0f} ms a day; {server_stack()}"
            )
            print(f"\n| {label} month view, in process | ms CPU, least of {runs} |\n|---|---|")
            for name, ms in in_process(db, drafts, runs):
                print(f"| {name} | {ms:,.1f} |")
            print(
                f"\n| {label} page | bytes | floor p50 / p95 | newsdesk p50 / p95 | server CPU / request |"
            )
            print("|---|---|---|---|---|")
            for line in page(db, clients, each):
                print(line)
            print(
                f"\n| {label} command, whole process | wall ms, median of {runs} | CPU ms |"
                "\n|---|---|---|"
            )
            for name, wall, cpu in command(db, runs):
                print(f"| {name} | {wall:,.0f} | {cpu:,.0f} |")
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            print(f"load average after: {load}")


if __name__ == "__main__":
    main()
