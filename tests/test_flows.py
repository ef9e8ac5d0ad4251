"""The real ingest flow under a Prefect test server; assertions on store rows and artifacts."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from newsdesk.store.db import Database
from newsdesk.store.models import Item
from tasks.desk import reset_desk

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_desk_env(tmp_path: Path, demo_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The bundled desk, pointed at a demo server on a free port and a temp database."""
    conf = yaml.safe_load((ROOT / "config" / "desk.yaml").read_text(encoding="utf-8"))
    conf["demo"]["port"] = int(demo_server.base_url.rsplit(":", 1)[1])
    conf["demo"]["directory"] = str(ROOT / "demo")
    conf["topics"]["user_dictionaries"] = [str(ROOT / "demo" / "dictionary.txt")]
    path = tmp_path / "desk.yaml"
    path.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'flow.db'}"
    monkeypatch.setenv("NEWSDESK_CONFIG", str(path))
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    reset_desk()
    yield url
    reset_desk()


def test_ingest_flow_stores_demo_items(prefect_harness: None, demo_desk_env: str) -> None:
    from prefect.client.orchestration import get_client

    from flows.ingest import ingest_flow

    summary = ingest_flow(return_state=False)
    assert len(summary) == 10 and all(s["status"] == "done" for s in summary), summary
    db = Database(demo_desk_env)
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Item))
    assert stored == sum(int(s["new"]) for s in summary) >= 200

    again = ingest_flow()
    assert sum(int(s["new"]) for s in again) == 0
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == stored

    import anyio

    async def latest_artifact() -> object:
        async with get_client() as client:
            return await client.read_latest_artifacts()

    artifacts = anyio.run(latest_artifact)
    keys = {a.key for a in artifacts}
    assert {"ingest-summary", "hot-topics"} <= keys


def test_ingest_flow_stores_the_sources_together(prefect_harness: None, demo_desk_env: str) -> None:
    """Fetched and parsed per source, stored as ``ingest()`` stores: the items of the demo's
    eight feeds and its research pages (fewer than a batch) go in with one INSERT, not one per
    source in a transaction of its own (which cost three times as much on 200 feeds). The
    market snapshots, left out here, are stored on their own."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from flows.ingest import ingest_flow

    inserts: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])  # conn, cursor, statement, parameters, context, executemany
        if re.match(r"\s*INSERT INTO items\b", statement):
            inserts.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    conf = yaml.safe_load(Path(os.environ["NEWSDESK_CONFIG"]).read_text(encoding="utf-8"))
    names = [s["name"] for s in conf["sources"] if s.get("type") != "market"]
    try:
        summary = ingest_flow(sources=names, return_state=False)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert len(summary) == 9 and all(s["status"] == "done" for s in summary), summary
    assert sum(int(s["new"]) for s in summary) >= 200
    assert len(inserts) == 1, inserts


def test_a_source_whose_task_failed_does_not_stop_the_others_store(demo_desk_env: str) -> None:
    """What the store task gets for a source whose fetch or parse task failed after its
    retries (the exception, or nothing for one that never ran) ends that source failed; the
    parsed ones are stored."""
    from newsdesk.feeds.ingest import DONE, FAILED, fetch_step, parse_step, register_sources
    from tasks.desk import desk
    from tasks.ingest import store_sources

    d = desk()
    register_sources(d.db, d.settings)
    parsed = parse_step(d.db, d.settings, fetch_step(d.db, d.settings, "chanye", force=True))
    names = ["chanye", "hushang", "beian"]
    runs = store_sources.fn(names, [parsed, OSError("database is locked"), None])
    assert [(r.name, r.status) for r in runs] == [
        ("chanye", DONE),
        ("hushang", FAILED),
        ("beian", FAILED),
    ]
    assert runs[0].new > 0 and runs[1].error == "OSError: database is locked"
    assert "did not finish" in (runs[2].error or "")
    with d.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == runs[0].new


def test_ingest_flow_failing_source_does_not_stop_others(
    prefect_harness: None,
    demo_desk_env: str,
    httpserver,  # type: ignore[no-untyped-def]
) -> None:

    from flows.ingest import ingest_flow

    httpserver.expect_request("/broken").respond_with_data(
        "<rss><channel><item><title>半", status=200
    )
    path = Path(os.environ["NEWSDESK_CONFIG"])
    conf = yaml.safe_load(path.read_text(encoding="utf-8"))
    conf["sources"].append({"name": "broken", "url": httpserver.url_for("/broken")})
    path.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    reset_desk()

    summary = {s["source"]: s for s in ingest_flow(sources=["chanye", "broken", "beian"])}
    assert summary["broken"]["status"] == "failed" and "malformed XML" in str(
        summary["broken"]["error"]
    )
    assert summary["chanye"]["status"] == summary["beian"]["status"] == "done"
    with pytest.raises(Exception, match="no source named"):
        ingest_flow(sources=["nosuch"])


def test_ingest_flow_stores_the_others_when_a_source_task_fails(
    prefect_harness: None,
    demo_desk_env: str,
    httpserver,  # type: ignore[no-untyped-def]
) -> None:
    """A fetch task that fails after its retries (its feed is gone, and the store refuses to
    record that: a trigger stands for a disk that fails under one source's row) leaves its
    parse task unrun; the flow still stores the other sources, and ends that one failed."""
    from flows.ingest import ingest_flow
    from newsdesk.feeds.ingest import register_sources
    from tasks.desk import desk

    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    path = Path(os.environ["NEWSDESK_CONFIG"])
    conf = yaml.safe_load(path.read_text(encoding="utf-8"))
    conf["sources"].append({"name": "flaky", "url": httpserver.url_for("/gone")})
    path.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    reset_desk()
    register_sources(desk().db, desk().settings)
    with sqlite3.connect(demo_desk_env.removeprefix("sqlite:///")) as connection:
        connection.execute(
            "CREATE TRIGGER flaky_disk BEFORE UPDATE ON fetch_state WHEN NEW.source_id = "
            "(SELECT id FROM sources WHERE name = 'flaky') "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )

    summary = {s["source"]: s for s in ingest_flow(sources=["chanye", "flaky", "beian"])}

    assert summary["flaky"]["status"] == "failed", summary["flaky"]
    assert "did not finish" in str(summary["flaky"]["error"])
    assert summary["chanye"]["status"] == summary["beian"]["status"] == "done"
    stored = int(summary["chanye"]["new"]) + int(summary["beian"]["new"])
    assert stored > 0
    with Database(demo_desk_env).session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == stored


def test_slot_flow_drafts_checks_and_queues(prefect_harness: None, demo_desk_env: str) -> None:
    from datetime import date

    from flows.ingest import ingest_flow
    from flows.slot import run_slot
    from newsdesk.store.models import Draft, DraftVersion

    ingest_flow()
    first = run_slot("morning_report", day=date(2026, 11, 23))
    assert len(first) == 1 and first[0]["versions_added"] == 1
    again = run_slot("morning_report")  # the desk's clock: the demo desk stands on its day
    assert again[0]["draft_id"] == first[0]["draft_id"] and again[0]["versions_added"] == 0
    db = Database(demo_desk_env)
    with db.session() as session:
        drafts = session.scalars(select(Draft)).all()
        assert [(d.slot, d.state, d.version) for d in drafts] == [
            ("morning_report", "pending_review", 1)
        ]
        version = session.scalars(select(DraftVersion)).one()
        assert drafts[0].brief["sources"]
        # Checked and queued either way: a draft that fails its checks is flagged with why.
        assert version.report["passed"] is first[0]["passed"]
        assert drafts[0].flagged is not first[0]["passed"]
        assert first[0]["passed"] or drafts[0].flag_reason
    assert "\n1、" in version.body  # the numbered morning report, one story a line

    import anyio
    from prefect.client.orchestration import get_client

    async def artifact() -> object:
        async with get_client() as client:
            return await client.read_latest_artifacts()

    markdown = next(a for a in anyio.run(artifact) if a.key == "slot-morning-report")
    share = re.search(r"originality (\d+)%", str(markdown.data))
    assert share and int(share.group(1)) >= 60 and "1、" in str(markdown.data)


def test_prefect_yaml_matches_the_desk() -> None:
    """Every slot of desk.yaml has a deployment whose cron is slot time minus lead, in Asia/Shanghai."""
    from datetime import datetime, timedelta

    from newsdesk.config import load_settings

    deployments = {
        d["name"]: d
        for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    }
    assert deployments["ingest"]["schedules"][0] == {
        "cron": "*/15 * * * *",
        "timezone": "Asia/Shanghai",
    }
    for slot in load_settings(ROOT / "config" / "desk.yaml").slots:
        deployment = deployments[slot.name.replace("_", "-")]
        assert deployment["parameters"] == {"slot": slot.name}
        start = datetime.combine(datetime(2026, 1, 1), slot.time) - timedelta(
            minutes=slot.lead_minutes
        )
        minute, hour, _, _, weekdays = deployment["schedules"][0]["cron"].split()
        assert (int(hour), int(minute)) == (start.hour, start.minute)
        assert deployment["schedules"][0]["timezone"] == "Asia/Shanghai"
        assert weekdays == ("1-5" if slot.calendar == "trading" else str((slot.weekday + 1) % 7))


def test_newsdesk_up_serves_everything_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The README's first command: local Prefect server, every deployment, review UI; Ctrl-C stops it."""
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from tests.web_support import free_port

    web, prefect_port, demo_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_VAR_DIR": str(tmp_path / "var"),
        "NEWSDESK_WEB__PORT": str(web),
        "NEWSDESK_DEMO__PORT": str(demo_port),
        "PREFECT_HOME": str(tmp_path / "prefect-client"),
    }
    # A file, not a pipe: nobody reads a pipe while we poll, and a full one would block `up`.
    log = tmp_path / "up.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "up", "--prefect-port", str(prefect_port)],
        env=env,
        cwd=tmp_path,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    expected = {
        d["name"]
        for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    }
    try:
        # A wait, not a bound: the first start drafts the demo day, minutes on a loaded machine.
        deadline = time.monotonic() + 420
        served: set[str] = set()
        while time.monotonic() < deadline and served != expected:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                found = httpx.post(
                    f"http://127.0.0.1:{prefect_port}/api/deployments/filter", json={}, timeout=3
                ).json()
                served = {d["name"] for d in found}
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
        assert served == expected
        assert httpx.get(f"http://127.0.0.1:{web}/login", timeout=5).status_code == 200
        db = Database(f"sqlite:///{tmp_path / 'var' / 'newsdesk.db'}")
        with db.session() as session:
            from newsdesk.store.models import Draft

            assert (
                session.scalar(select(func.count()).select_from(Draft)) >= 9
            )  # the demo day was loaded
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group gets it
        process.wait(timeout=60)
    output = log.read_text(errors="replace")
    assert "review UI" in output and "demo accounts" in output and "stopped" in output
    assert "Traceback" not in output and "Timeout of" not in output, output[-3000:]
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{web}/login", timeout=2)


def test_daily_metrics_flow_stores_the_day(prefect_harness: None, demo_desk_env: str) -> None:
    from datetime import date

    from flows.metrics import daily_metrics
    from flows.slot import run_slot
    from newsdesk.store.models import DailyMetrics

    run_slot("morning_report", day=date(2026, 11, 23))
    figures = daily_metrics(day=date(2026, 11, 23))
    assert figures["drafts"] == 1 and figures["due"] == 8
    db = Database(demo_desk_env)
    with db.session() as session:
        assert session.get(DailyMetrics, date(2026, 11, 23)).figures["drafts"] == 1


def test_fanned_out_tasks_have_no_timeouts_prefect_cannot_enforce() -> None:
    """Mapped tasks run in worker threads: a Prefect timeout there only logs a warning per run."""
    import importlib
    import re

    fanned = []
    for path in sorted((ROOT / "flows").glob("*.py")):
        module = importlib.import_module(f"flows.{path.stem}")
        for name in re.findall(r"(\w+)\.(?:map|submit)\(", path.read_text(encoding="utf-8")):
            fanned.append((name, getattr(module, name).timeout_seconds))
    assert {"fetch_source", "parse_source", "draft_segment"} <= {n for n, _ in fanned}
    assert [(n, t) for n, t in fanned if t is not None] == []


class _Recorded:
    """A runner that only records: the job is then run by the desk-job flow, as a worker would."""

    name = "prefect"

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str) -> str | None:
        self.submitted.append(job_id)
        return "flow-run-id"


def test_desk_job_flow_runs_a_recorded_job(prefect_harness: None, demo_desk_env: str) -> None:
    from flows.jobs import desk_job
    from newsdesk.config import load_settings
    from newsdesk.jobs import create_job, get_job
    from newsdesk.store.db import migrate

    db = Database(demo_desk_env)
    migrate(db)
    runner = _Recorded()
    params = {"request": "突发：央行宣布降准0.25个百分点"}
    job = create_job(db, runner, "breaking", params, "lead", settings=load_settings())
    assert runner.submitted == [job.id] and job.state == "queued"
    result = desk_job(job.id)
    assert result["state"] == "done" and result["draft_id"]
    again = desk_job(job.id)  # a second run of the same job does nothing
    assert again["finished_at"] == result["finished_at"]
    with db.session() as session:
        from newsdesk.store.models import Draft

        assert session.get(Draft, result["draft_id"]).kind == "breaking"
    assert get_job(db, job.id).runner == "prefect"


def test_prefect_retries_a_provider_that_is_down_not_an_unusable_answer(
    prefect_harness: None,
    demo_desk_env: str,
    httpserver,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider that is down fails the task run, so Prefect runs it again; its last attempt
    puts the draft in the queue flagged. An unusable answer is not retried."""
    from datetime import date

    from werkzeug import Response

    from newsdesk.review.service import get_draft
    from tasks.desk import desk
    from tasks.drafting import draft_segment
    from tests.fake_openai import FakeOpenAI, reply

    fake = FakeOpenAI(httpserver)
    path = Path(os.environ["NEWSDESK_CONFIG"])
    conf = yaml.safe_load(path.read_text(encoding="utf-8"))
    conf["llm"] |= {"provider": "openai", "base_url": fake.base_url, "retries": 0, "timeout": 5}
    path.write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_LLM_API_KEY", "test-key")
    reset_desk()
    draft = draft_segment.with_options(retry_delay_seconds=0)

    fake.serve(lambda body: Response("upstream down", status=500))
    down = draft("viewpoint", date(2026, 11, 23))
    assert len(fake.requests) == 2  # the first attempt's failure reached Prefect, which retried
    row = get_draft(desk().db, down.draft_id)
    assert (row.state, row.version, row.flagged) == ("pending_review", 0, True)
    assert "HTTP 500" in (row.flag_reason or "") and [e.action for e in row.audit] == [
        "review.fail"
    ]

    fake.server.clear()
    fake.requests.clear()
    fake.serve(lambda body: reply(""))
    empty = draft("intraday_am", date(2026, 11, 23))
    assert len(fake.requests) == 1  # not transient: no second attempt
    assert empty.flagged and "empty" in (empty.reason or "")
