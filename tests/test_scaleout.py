"""README "Scaling out", followed as written, and a worker machine lost in the middle of drafting.

A Prefect server on PostgreSQL (a database of its own, dropped afterwards), the app
store in a scratch PostgreSQL schema, ``newsdesk prefect setup``, ``prefect deploy
--all`` and two process workers, each in its own checkout (the second a copy in a
temp folder whose desk has another persona, so the fake LLM can tell them apart).
Seven slot runs start at once — two of them of one slot — while an
OpenAI-compatible fake on 127.0.0.1 answers each request after a few seconds. As
soon as worker B has a request in flight, B and its runs get SIGKILL. Then: B's
runs must turn Crashed, the ``llm`` slots must come back, a re-run must finish the
half-written draft, the queue must never show a draft without text, and nothing may
be drafted twice. How long the crash and the slots took are printed as figures.

Everything listens on 127.0.0.1 and takes a free port. It takes about 3½ minutes,
most of it waiting on Prefect (a 60 s crash window, its 60 s minimum lease).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from newsdesk.config import load_settings
from newsdesk.demo_server import DemoServer
from newsdesk.feeds.ingest import ingest
from newsdesk.review.queue import queue
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, DraftVersion
from tests.fake_openai import completion_body
from tests.scratch import postgres_schema, prefect_database
from tests.web_support import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DAY = "2026-11-23"
CRASH_AFTER = 60  # orchestration.crash_after_seconds for this desk
LEASE = 60  # orchestration.slot_lease_seconds (Prefect's minimum)
REAPER = 15  # Prefect's lease reaper loop
REPLY_SECONDS = 3.0  # how long the fake LLM takes per request
HOLD_SECONDS = 30.0  # worker B's requests for a slot run only once: it dies before the answer
PERSONA_B = "研究助理小B"
# Two runs of one slot and five single runs: seven runs, six drafts, all created before
# the workers start. Whichever worker polls first takes four (--limit 4), the other the
# remaining three: any four hold at least two single runs, any three at least one.
RUNS = [
    "morning-report",
    "intraday-am",
    "morning-report",
    "viewpoint",
    "interaction",
    "intraday-pm",
    "close-summary",
]
SLOT_OF = {
    "morning-report": "morning_report",
    "viewpoint": "viewpoint",
    "intraday-am": "intraday_am",
    "interaction": "interaction",
    "intraday-pm": "intraday_pm",
    "close-summary": "close_summary",
}
SINGLE = {SLOT_OF[d] for d in RUNS if RUNS.count(d) == 1}

pytestmark = pytest.mark.cluster


def recipe() -> tuple[str, list[str]]:
    """README "Scaling out": its shell block, and the commands this test runs from it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Scaling out") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README 'Scaling out' has no bash block"
    # A trailing "  # ..." explains the command; it is not part of it.
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    commands = [
        line
        for line in lines
        if line and not line.startswith(("#", "export ", "PREFECT_SERVER_DATABASE"))
    ]
    return block.group(1), commands


class FakeLLM:
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers after REPLY_SECONDS.

    Records each request: the checkout that sent it (by persona), its slot (by
    the slot title in the prompt) and whether it was answered. Worker B's
    requests for the single-run slots are held for HOLD_SECONDS, so the test
    can kill B while it drafts a slot no other run would finish.
    """

    def __init__(self, slot_by_title: dict[str, str]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = "\n".join(m["content"] for m in body["messages"])
                title = re.search(r"栏目：(.*?)（", prompt)
                entry = {
                    "from": "B" if PERSONA_B in prompt else "A",
                    "slot": slot_by_title.get(title.group(1) if title else "", "?"),
                    "done": False,
                }
                with fake.lock:
                    fake.requests.append(entry)
                held = entry["from"] == "B" and entry["slot"] in SINGLE
                time.sleep(HOLD_SECONDS if held else REPLY_SECONDS)
                text = "【测试】今日市场要点见来源[1]，成交温和。投资有风险，入市需谨慎。"
                payload = json.dumps(completion_body(text)).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    entry["done"] = True
                except OSError:
                    pass  # the asking process was killed meanwhile

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def in_flight(self, who: str) -> set[str]:
        """Slots whose request from ``who`` is waiting for its answer."""
        with self.lock:
            return {r["slot"] for r in self.requests if r["from"] == who and not r["done"]}

    def asked_by(self, who: str) -> list[str]:
        """Slots of the requests recorded from ``who``."""
        with self.lock:
            return [r["slot"] for r in self.requests if r["from"] == who]

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(
    args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (flow runs start in sessions of their own)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def kill_tree(process: subprocess.Popen[bytes], sig: int) -> list[int]:
    pids = descendants(process.pid)
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)
    return pids


def stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds (a worker's SIGTERM waits for its runs)."""
    if process.poll() is None:
        kill_tree(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            kill_tree(process, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def checkout_copy(target: Path, persona: str) -> Path:
    """A second checkout of the code the flows need, its desk with another persona."""
    for folder in ("newsdesk", "flows", "tasks", "config", "demo", "prompts", "content_templates"):
        shutil.copytree(
            ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "prefect.yaml", target / "prefect.yaml")
    desk = target / "config" / "desk.yaml"
    text = desk.read_text(encoding="utf-8")
    assert "name: 研究助理小新" in text
    desk.write_text(text.replace("name: 研究助理小新", f"name: {persona}"), encoding="utf-8")
    return target


class Prefect:
    """The few REST calls the test needs."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.http = httpx.Client(base_url=api, timeout=15)

    def deployments(self) -> dict[str, str]:
        return {d["name"]: d["id"] for d in self.http.post("/deployments/filter", json={}).json()}

    def run(self, deployment_id: str) -> str:
        body = {"parameters": {"day": DAY}}
        return self.http.post(f"/deployments/{deployment_id}/create_flow_run", json=body).json()[
            "id"
        ]

    def flow_runs(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        body = {"flow_runs": {"id": {"any_": ids}}, "limit": 200}
        return {r["id"]: r for r in self.http.post("/flow_runs/filter", json=body).json()}

    def active_llm_slots(self) -> int:
        return int(self.http.get("/v2/concurrency_limits/llm").json()["active_slots"])


class QueueWatch:
    """Reads the review queue twice a second, as an editor's page would, all test long."""

    def __init__(self, db: Database) -> None:
        self.db, self.textless, self.reads = db, set[int](), 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.is_set():
            self.textless |= {r.id for r in queue(self.db) if r.version == 0}
            with self.db.session() as session:
                self.textless |= set(
                    session.scalars(
                        select(Draft.id).where(Draft.version == 0, Draft.state != "drafting")
                    )
                )
            self.reads += 1
            time.sleep(0.5)

    def __enter__(self) -> QueueWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def test_two_workers_survive_losing_one_mid_draft(
    tmp_path: Path, postgres_url: str, demo_dir: Path
) -> None:
    block, commands = recipe()
    # The install, the databases and the server's start this test does its own way (this
    # checkout's venv, scratch databases, a loopback server on a free port); the rest it runs.
    assert commands == [
        "python3.11 -m venv .venv && .venv/bin/pip install --constraint requirements/lock.txt --editable .",
        "source .venv/bin/activate",
        "createdb -h db-host -U postgres newsdesk && createdb -h db-host -U postgres prefect",
        "newsdesk db upgrade && newsdesk db check",
        "prefect server start --host 0.0.0.0 --port 4200",
        "newsdesk prefect setup",
        "prefect --no-prompt deploy --all",
        "prefect deployment schedule pause --all",
        "prefect worker start --pool newsdesk --limit 4",
    ], commands
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL=postgresql+asyncpg://" in block
    assert "export PREFECT_API_URL=" in block and "NEWSDESK_HOME=" in block
    started = time.monotonic()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSDESK_"))}
    base |= {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    checkout_b = checkout_copy(tmp_path / "checkout-b", PERSONA_B)
    processes: list[subprocess.Popen[bytes]] = []
    figures: dict[str, object] = {}
    with (
        postgres_schema(postgres_url, prefix="nd_scale_") as db,
        prefect_database(postgres_url) as prefect_db,
        FakeLLM(
            {s.title: s.name for s in load_settings(ROOT / "config" / "desk.yaml").slots}
        ) as llm,
        DemoServer(demo_dir, "127.0.0.1", 0) as feeds,
    ):
        # The same NEWSDESK_* environment on every machine, as the README asks.
        desk = {
            "NEWSDESK_DATABASE_URL": db.url,
            "NEWSDESK_LLM__PROVIDER": "openai",
            "NEWSDESK_LLM__BASE_URL": llm.base_url,
            "NEWSDESK_LLM__MODEL": "fake-model",
            "NEWSDESK_LLM_API_KEY": "test-key",
            "NEWSDESK_LLM__CONCURRENCY": "2",
            "NEWSDESK_THRESHOLDS__MAX_REVISIONS": "0",  # one request per draft: requests count drafters
            "NEWSDESK_ORCHESTRATION__CRASH_AFTER_SECONDS": str(CRASH_AFTER),
            "NEWSDESK_ORCHESTRATION__SLOT_LEASE_SECONDS": str(LEASE),
        }
        client = base | desk | {"PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "home")}

        def run(command: str) -> str:
            argv = shlex.split(command)
            done = subprocess.run(
                [str(BIN / argv[0]), *argv[1:]],
                env=client,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            return done.stdout

        try:
            processes.append(
                start(
                    [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                    # No scheduler: the deployments' crons (publish every minute) would only add load.
                    base | {"PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_db,
                            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
                            "PREFECT_HOME": str(tmp_path / "server-home")},
                    tmp_path / "server.log",
                )
            )  # fmt: skip
            # The demo day's items, while the server starts (data, not part of the recipe).
            settings = load_settings(ROOT / "config" / "desk.yaml")
            for source in settings.sources:
                source.url = source.url.replace("http://127.0.0.1:8765", feeds.base_url)
            assert sum(r.new for r in ingest(db, settings)) > 0
            run("newsdesk db upgrade")
            run("newsdesk db check")
            wait_for(
                lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, "Prefect"
            )
            setup_out = run("newsdesk prefect setup")
            assert "created" in setup_out and "llm" in setup_out, setup_out
            run("prefect --no-prompt deploy --all")
            run("prefect deployment schedule pause --all")
            prefect = Prefect(api)
            deployments = prefect.deployments()
            assert set(SLOT_OF) | {"ingest", "publish", "breaking-news", "daily-metrics"} <= set(
                deployments
            )
            pulls = prefect.http.get(f"/deployments/{deployments['morning-report']}").json()
            # No path of the deploying checkout baked in.
            assert str(ROOT) not in json.dumps(pulls["pull_steps"])
            figures["setup_s"] = round(time.monotonic() - started, 1)

            with QueueWatch(db) as watch:
                run_ids = [prefect.run(deployments[d]) for d in RUNS]
                slot_of_run = dict(zip(run_ids, RUNS, strict=True))
                workers_at = time.monotonic()
                workers = {}
                for name, home in (("A", ROOT), ("B", checkout_b)):
                    env = client | {
                        "PREFECT_HOME": str(tmp_path / f"home-{name}"),
                        "NEWSDESK_HOME": str(home),
                        # that checkout's code, as `pip install -e .` there gives
                        "PYTHONPATH": str(home),
                        "PREFECT_WORKER_QUERY_SECONDS": "2",
                    }
                    argv = shlex.split(commands[-1])
                    workers[name] = start(
                        [str(BIN / argv[0]), *argv[1:]],
                        env,
                        tmp_path / f"worker-{name}.log",
                        cwd=home,
                    )
                    processes.append(workers[name])

                def b_mid_draft() -> set[str]:
                    states = [r["state_type"] for r in prefect.flow_runs(run_ids).values()]
                    return set() if "PENDING" in states else llm.in_flight("B") & SINGLE

                half_written = wait_for(b_mid_draft, 600, "worker B to be mid-draft", every=0.2)
                killed_at = time.time()
                figures["workers_to_kill_s"] = round(time.monotonic() - workers_at, 1)
                killed = set(kill_tree(workers["B"], signal.SIGKILL))
                workers["B"].wait(timeout=10)
                lost = {
                    rid
                    for rid, r in prefect.flow_runs(run_ids).items()
                    if r["state_type"] == "RUNNING"
                    and r["infrastructure_pid"]
                    and int(str(r["infrastructure_pid"]).rsplit(":", 1)[-1]) in killed
                }
                assert lost, "worker B had no running flow run when it was killed"

                def settled() -> dict[str, dict[str, Any]] | None:
                    runs = prefect.flow_runs(run_ids)
                    final = all(
                        r["state_type"] in ("COMPLETED", "CRASHED", "FAILED") for r in runs.values()
                    )
                    return runs if final else None

                runs = wait_for(settled, CRASH_AFTER + 60, "every run to finish or crash", every=1)
                crashed_at = {
                    rid: datetime.fromisoformat(runs[rid]["state"]["timestamp"]).timestamp()
                    for rid in lost
                }
                assert {runs[rid]["state_type"] for rid in lost} == {"CRASHED"}
                assert {r["state_type"] for rid, r in runs.items() if rid not in lost} == {
                    "COMPLETED"
                }
                figures["crashed_after_kill_s"] = sorted(
                    round(t - killed_at, 1) for t in crashed_at.values()
                )
                message = runs[next(iter(lost))]["state"]["message"]
                assert f"no heartbeat for {CRASH_AFTER} s" in message, message

                # The dead worker's slots come back: a lease renewed just before the kill lasts
                # LEASE more, then waits for the reaper. How long that took is a figure (printed,
                # and in README), not a bound: the wait only keeps a stuck limit from hanging the test.
                wait_for(lambda: prefect.active_llm_slots() == 0, 5 * (LEASE + REAPER), "llm slots")
                figures["llm_slots_free_after_kill_s"] = round(time.time() - killed_at, 1)

                # Left behind: the draft B was writing, hidden from the queue.
                with db.session() as session:
                    unfinished = dict(
                        session.execute(
                            select(Draft.slot, Draft.id).where(Draft.state == "drafting")
                        ).all()
                    )
                assert half_written <= set(unfinished), (half_written, unfinished)
                figures["left_drafting"] = sorted(unfinished)
                figures["lost_runs"] = sorted(slot_of_run[rid] for rid in lost)
                # The operator's repair: re-run the slots the crashed runs left without a text.
                with db.session() as session:
                    written = set(session.scalars(select(Draft.slot).where(Draft.version > 0)))
                redo = sorted(
                    {d for d in (slot_of_run[rid] for rid in lost) if SLOT_OF[d] not in written}
                )
                assert {SLOT_OF[d] for d in redo} >= half_written
                rerun_started = time.monotonic()
                rerun_ids = [prefect.run(deployments[d]) for d in redo]
                wait_for(
                    lambda: all(
                        r["state_type"] == "COMPLETED"
                        for r in prefect.flow_runs(rerun_ids).values()
                    ),
                    150,
                    "the re-runs",
                    every=1,
                )
                figures["rerun_s"] = round(time.monotonic() - rerun_started, 1)
                with db.session() as session:
                    repaired = dict(
                        session.execute(
                            select(Draft.slot, Draft.id).where(
                                Draft.slot.in_(unfinished), Draft.state == "pending_review"
                            )
                        ).all()
                    )
                assert repaired == unfinished  # the same drafts, finished
            figures["queue_reads"] = watch.reads
            assert watch.textless == set(), f"drafts without text in the queue: {watch.textless}"
            assert watch.reads > 20

            with db.session() as session:
                rows = session.execute(
                    select(Draft.slot, Draft.state, Draft.version, func.count(DraftVersion.id))
                    .join(DraftVersion, DraftVersion.draft_id == Draft.id)
                    .where(Draft.day == date.fromisoformat(DAY))
                    .group_by(Draft.id)
                ).all()
                total = session.scalar(select(func.count()).select_from(Draft))
            assert sorted(r.slot for r in rows) == sorted(SLOT_OF.values())
            assert total == len(SLOT_OF)  # one draft per slot
            assert {(r.state, r.version, r[3]) for r in rows} == {("pending_review", 1, 1)}
            requests = llm.requests
            figures["llm_requests"] = len(requests)
            figures["requests_by_checkout"] = {
                who: sum(r["from"] == who for r in requests) for who in "AB"
            }
            # One request per draft, plus the ones that died with worker B: nothing drafted twice.
            asked = Counter(r["slot"] for r in requests)
            # Requests whose draft died with B: B left it `drafting`, answered or not (in CI, B
            # once had its answer and was killed while checking it, before storing the text).
            # Everything B asked for, read now: B is dead, so each was sent before the kill, but
            # the fake records a request when its thread reads it, which for one sent just before
            # the kill came after the kill (it did, once in CI, and the count then found a slot
            # asked twice).
            died_asking = [slot for slot in llm.asked_by("B") if slot in unfinished]
            assert asked == Counter(SLOT_OF.values()) + Counter(died_asking), (asked, died_asking)
            assert figures["requests_by_checkout"]["B"] >= 1  # type: ignore[index]
            assert figures["requests_by_checkout"]["A"] >= 1  # type: ignore[index]
            figures["total_s"] = round(time.monotonic() - started, 1)
            print("scale-out figures:", json.dumps(figures, ensure_ascii=False))
        except AssertionError:
            for log in ("server", "worker-A", "worker-B"):
                path = tmp_path / f"{log}.log"
                print(
                    f"--- {log}.log",
                    path.read_text(errors="replace")[-4000:] if path.exists() else "",
                )
            print("figures so far:", figures)
            raise
        finally:
            for process in reversed(processes):
                stop(process, grace=10 if process is processes[0] else 2)
