"""Review UI under load: the queue, the JSON queue and one day's page at 50 clients, each beside
the same bytes served from memory by the same server setup; then 50 racing approvals.

    python bench/review_ui.py [--database-url URL] [--workers N] [--clients 50] [--quick]

Seeds 1,000 visible drafts (125 days x 8 slots ending on the working day, each with a version
and its check report, all awaiting review, so every earlier one is carried onto the working
day's queue) into a fresh SQLite file (or a fresh schema on the given PostgreSQL server,
dropped afterwards), starts ``newsdesk web`` with ``web.workers`` processes on 127.0.0.1,
logs in, and has ``--clients`` connections at once request each page ``--requests`` times
(bench/load.py's asyncio client: the same request bytes to both sides). The floor is a bare
ASGI app under uvicorn with the same number of processes returning each page's bytes from
memory; the two are hammered in turn (``--rounds``) in the same run. Prints p50 / p95, the
ratio to the floor, the server's CPU per request (all its processes; /proc) and the client's
(it must stay well under the servers' for the figures to be theirs). ``--quick`` (the test
suite): 40 drafts, 4 clients, SQLite, seconds.
"""

from __future__ import annotations

import argparse
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import Floor, Sample, Server, load_average, server_stack, side_by_side  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from newsdesk.config import load_settings  # noqa: E402
from newsdesk.review.accounts import add_user, issue_token  # noqa: E402
from newsdesk.store.db import Database  # noqa: E402
from newsdesk.store.models import Draft, DraftVersion  # noqa: E402
from newsdesk.timetable import working_day  # noqa: E402

REPORT = {
    "passed": True,
    "originality": {"ratio": 0.93, "threshold": 0.6, "passed": True, "borrowed": []},
    "citations": {"recall": 1.0, "precision": 1.0, "passed": True, "needing": 3, "problems": []},
    "compliance": {"passed": True, "violations": []},
}
# The bundled desk without its demo, on the real clock (the demo desk's clock stands on its
# demo day, whose queue is not the seeded one).
DESK = {
    "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
    "NEWSDESK_DEMO__ENABLED": "false",
    "NEWSDESK_WEB__SECRET_KEY": "bench-review-ui-" + "k" * 40,
}


def seed(db: Database, slots: list[str], days: int, last: date) -> date:
    """``days`` x ``slots`` drafts awaiting review, the last day being ``last``; a day with
    nothing carried onto it (the first) for the one-day page."""
    first = last - timedelta(days=days - 1)
    with db.session() as session:
        for offset in range(days):
            day = first + timedelta(days=offset)
            for slot in slots:
                draft = Draft(
                    day=day,
                    slot=slot,
                    kind=slot,
                    segment="",
                    title=f"{slot} {day}",
                    state="pending_review",
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
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2, help="web.workers (server processes)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10, help="per client and page")
    parser.add_argument("--rounds", type=int, default=2, help="turns with the floor, per page")
    parser.add_argument("--quick", action="store_true", help="seconds: for the test suite")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.requests, args.workers, args.rounds = 4, 3, 1, 1
    with scratch_database(args.database_url, "newsdesk-review-") as db:
        if db is not None:
            run(db, args)


def run(db: Database, args: argparse.Namespace) -> None:
    config = ROOT / "config" / "desk.yaml"
    settings = load_settings(config)
    days = 5 if args.quick else 125
    first = seed(db, [s.name for s in settings.slots[:8]], days, working_day(settings))
    add_user(db, "bench", "bench-password", "admin")
    token = issue_token(db, "bench")
    env = DESK | {
        "NEWSDESK_DATABASE_URL": db.url,
        "NEWSDESK_WEB__WORKERS": str(args.workers),
        "NEWSDESK_WEB__LOGIN_ATTEMPTS": "1000",
    }
    pages = {
        "/queue (working day + earlier)": "/queue",
        "/api/queue": "/api/queue",
        "one day's page": f"/queue?day={first.isoformat()}",
    }
    print(f"database: {db.safe_url.split('?')[0]}; {days * 8} drafts awaiting review")
    print(
        f"{args.workers} server process(es) each side, {args.clients} clients x "
        f"{args.requests} requests a page, in {args.rounds} rounds alternating with the floor"
    )
    print(f"load average before: {load_average()}; {server_stack()}")
    results: dict[str, tuple[Sample, Sample]] = {}
    with Server([sys.executable, "-m", "newsdesk.cli", "web"], env) as server:
        cookies = login(server)
        auth = {"Authorization": f"Bearer {token}"}
        bodies = {}
        for path in pages.values():
            headers = auth if path.startswith("/api") else {}
            response = requests.get(server.url + path, cookies=cookies, headers=headers)
            assert response.status_code == 200 and response.content, (path, response.status_code)
            bodies[path] = (response.content, response.headers["content-type"])
        with Floor(bodies, args.workers) as floor:
            for name, path in pages.items():
                headers = auth if path.startswith("/api") else {}
                results[name] = side_by_side(
                    server, floor, path, args.clients, args.requests, args.rounds, cookies, headers
                )
        statuses = race(server, db, token, args.clients)
    print(f"load average after: {load_average()}")
    print()
    print(
        "| page | bytes | floor p50 / p95 | newsdesk p50 / p95 | p95 ratio "
        "| server CPU / request | client CPU / request |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, (desk, bare) in results.items():
        print(
            f"| {name} | {desk.size:,} | {bare.p50:.0f} / {bare.p95:.0f} ms | "
            f"{desk.p50:.0f} / {desk.p95:.0f} ms | {desk.p95 / max(bare.p95, 0.1):.1f}x | "
            f"{desk.cpu_ms:.2f} ms (floor {bare.cpu_ms:.2f}) | "
            f"{desk.client_ms:.2f} ms (floor {bare.client_ms:.2f}) |"
        )
    print()
    print(
        f"{len(statuses)} concurrent approvals: {statuses.count(200)} won, "
        f"{statuses.count(409)} conflicts, {sum(s >= 500 for s in statuses)} server errors "
        f"(target 1 / {len(statuses) - 1} / 0)"
    )


def login(server: Server) -> dict[str, str]:
    session = requests.Session()
    page = session.get(f"{server.url}/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = session.post(
        f"{server.url}/login",
        data={"username": "bench", "password": "bench-password", "csrf": csrf},
    )
    assert response.status_code == 200 and "draft-row" in response.text, response.status_code
    return session.cookies.get_dict()


def race(server: Server, db: Database, token: str, clients: int) -> list[int]:
    """``clients`` approvals of one draft version at once: one wins, the rest get 409."""
    with db.session() as session:
        target = session.query(Draft).order_by(Draft.id.desc()).first()
        draft_id, lock = target.id, target.lock_version  # type: ignore[union-attr]

    def approve(_: int) -> int:
        return requests.post(
            f"{server.url}/api/drafts/{draft_id}/approve",
            json={"expected_version": lock},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(approve, range(clients)))


if __name__ == "__main__":
    main()
