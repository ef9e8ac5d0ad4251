"""Review UI under load: the queue, the JSON queue and one day's page at 50 clients, each beside
the same bytes served from memory by the same server setup; then 50 racing approvals.

    python bench/review_ui.py [--database-url URL] [--workers N] [--clients 50] [--quick]

Seeds 1,000 visible drafts (125 days x 8 slots ending on the working day, each with a version
and its check report, all awaiting review, so every earlier one is carried onto the working
day's queue) into a fresh SQLite file (or a fresh schema on the given PostgreSQL server,
dropped afterwards), starts ``newsdesk web`` with ``web.workers`` processes on 127.0.0.1,
logs in, and has ``--clients`` threads request each page ``--requests`` times. The floor is a
bare ASGI app under uvicorn with the same number of processes returning each page's bytes
from memory, measured in the same run. Prints p50 / p95, the ratio to the floor and the
server's CPU per request (all its processes; /proc). ``--quick`` (the test suite): 40
drafts, 4 clients, SQLite, seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.util import find_spec
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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
# The floor: a bare ASGI app answering every GET with the bytes of the file named by
# FLOOR_BODY, so it pays for the server and the sockets, none of the desk's work.
FLOOR_APP = """
import os
BODY = open(os.environ["FLOOR_BODY"], "rb").read()
TYPE = os.environ["FLOOR_TYPE"].encode()

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    headers = [(b"content-type", TYPE), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
"""


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server in a process of its own (its workers its children), stopped on exit."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.port = free_port()
        # A file, not a pipe: a server logging errors into a pipe nobody reads blocks when it
        # fills, and then never stops. Printed when the server fails to start.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [*args, "--port", str(self.port)],
            env=os.environ | env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        # Each worker process imports the whole app: minutes on a machine shared by many.
        deadline = time.monotonic() + 600
        while True:
            try:
                requests.get(f"{self.url}/login", timeout=30)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError(self.errors()) from None
                time.sleep(0.2)

    def errors(self) -> str:
        """The end of what the server wrote to stderr."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@dataclass
class Timing:
    p50: float
    p95: float
    cpu_ms: float  # server CPU per request
    size: int


def hammer(
    server: Server, path: str, clients: int, each: int, cookies: dict[str, str], headers: dict
) -> Timing:
    """``clients`` threads, each with its own connection, requesting ``path`` ``each`` times."""

    def client(_: int) -> list[float]:
        session = requests.Session()
        session.cookies.update(cookies)
        session.headers.update(headers)
        session.get(server.url + path, timeout=120)  # connect and warm up
        times = []
        for _ in range(each):
            started = time.perf_counter()
            response = session.get(server.url + path, timeout=120)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        return times

    cpu = server.cpu_seconds()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        timings = sorted(t for times in pool.map(client, range(clients)) for t in times)
    cpu = server.cpu_seconds() - cpu
    size = len(requests.get(server.url + path, cookies=cookies, headers=headers).content)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return Timing(statistics.median(timings), p95, cpu * 1000 / len(timings), size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2, help="web.workers (server processes)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10, help="per client and page")
    parser.add_argument("--quick", action="store_true", help="seconds: for the test suite")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.requests, args.workers = 4, 3, 1
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
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"database: {db.safe_url.split('?')[0]}; {days * 8} drafts awaiting review")
    print(f"{args.workers} server process(es), {args.clients} clients x {args.requests} requests")
    print(f"load average before: {' '.join(load)}; {server_stack()}")
    results: dict[str, tuple[Timing, Timing]] = {}
    with Server([sys.executable, "-m", "newsdesk.cli", "web"], env) as server:
        cookies = login(server)
        auth = {"Authorization": f"Bearer {token}"}
        bodies = {}
        for name, path in pages.items():
            headers = auth if path.startswith("/api") else {}
            response = requests.get(server.url + path, cookies=cookies, headers=headers)
            assert response.status_code == 200 and response.content, (path, response.status_code)
            bodies[name] = (response.content, response.headers["content-type"])
            results[name] = (
                hammer(server, path, args.clients, args.requests, cookies, headers),
                Timing(0, 0, 0, 0),
            )
        statuses = race(server, db, token, args.clients)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "floor_app.py").write_text(FLOOR_APP)
        for name, (body, content_type) in bodies.items():
            Path(folder, "page.body").write_bytes(body)
            floor_env = {
                "PYTHONPATH": os.pathsep.join(filter(None, [folder, os.environ.get("PYTHONPATH")])),
                "FLOOR_BODY": str(Path(folder, "page.body")),
                "FLOOR_TYPE": content_type,
            }
            with Server(_floor_command(args.workers), floor_env) as floor:
                timing = hammer(floor, "/", args.clients, args.requests, {}, {})
            results[name] = (results[name][0], timing)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average after: {' '.join(load)}")
    print()
    print(
        "| page | bytes | floor p50 / p95 | newsdesk p50 / p95 | p95 ratio | server CPU / request |"
    )
    print("|---|---|---|---|---|---|")
    for name, (desk, floor) in results.items():
        print(
            f"| {name} | {desk.size:,} | {floor.p50:.0f} / {floor.p95:.0f} ms | "
            f"{desk.p50:.0f} / {desk.p95:.0f} ms | {desk.p95 / max(floor.p95, 0.1):.1f}x | "
            f"{desk.cpu_ms:.1f} ms (floor {floor.cpu_ms:.1f}) |"
        )
    print()
    print(
        f"{len(statuses)} concurrent approvals: {statuses.count(200)} won, "
        f"{statuses.count(409)} conflicts, {sum(s >= 500 for s in statuses)} server errors "
        f"(target 1 / {len(statuses) - 1} / 0)"
    )


def server_stack() -> str:
    """What uvicorn runs on here, for the newsdesk server and the floor alike: its C parser and
    loop (httptools, uvloop) when installed, else pure-Python h11 on asyncio's loop."""
    http = "httptools" if find_spec("httptools") else "h11"
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    return f"uvicorn on {http} + {loop}"


def _floor_command(workers: int) -> list[str]:
    """uvicorn serving ``floor_app`` (on PYTHONPATH) in ``workers`` processes; --port follows."""
    code = (
        "import sys, uvicorn; uvicorn.run('floor_app:app', host='127.0.0.1', "
        f"port=int(sys.argv[2]), workers={workers}, log_level='warning')"
    )
    return [sys.executable, "-c", code]


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
