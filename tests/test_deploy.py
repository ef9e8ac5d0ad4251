"""Production path: `prefect server start`, `prefect deploy --all`, a process worker, a slot run.

The Prefect server runs on PostgreSQL when it is reachable (in CI: its own
database, created and dropped here), on SQLite in a temp dir otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy import select

from newsdesk.store.db import Database
from newsdesk.store.models import Draft
from tests.conftest import PG_URL, _postgres_available
from tests.web_support import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@contextmanager
def prefect_database(tmp_path: Path) -> Iterator[str]:
    if _postgres_available() is not None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
        return
    name = f"prefect_it_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.engine.make_url(PG_URL)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start(
    args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args,
        env=env,
        cwd=cwd,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_deploy_all_and_a_process_worker_drafts_a_slot(tmp_path: Path) -> None:
    port, demo_port = free_port(), free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(tmp_path / "home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    desk = {
        "NEWSDESK_CONFIG": str(ROOT / "config" / "desk.yaml"),
        "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "NEWSDESK_DEMO__PORT": str(demo_port),
        "NEWSDESK_HOME": str(ROOT),
    }
    client = base | desk | {"PREFECT_API_URL": api}
    processes: list[subprocess.Popen[bytes]] = []
    with prefect_database(tmp_path) as database:
        try:
            processes.append(
                start(
                    [
                        str(BIN / "prefect"),
                        "server",
                        "start",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    base | {"PREFECT_SERVER_DATABASE_CONNECTION_URL": database},
                    tmp_path / "server.log",
                )
            )
            wait_for(
                lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200,
                120,
                "the Prefect server",
            )
            processes.append(
                start([str(BIN / "newsdesk"), "serve-demo"], client, tmp_path / "demo.log")
            )
            # The demo server is a separate process: ingesting before it listens finds no items.
            wait_for(
                lambda: httpx.get(f"http://127.0.0.1:{demo_port}/", timeout=2).status_code == 200,
                60,
                "the demo feed server",
            )
            ingested = subprocess.run(
                [str(BIN / "newsdesk"), "ingest"],
                env=client,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert ingested.returncode == 0 and "done" in ingested.stdout, (
                ingested.stdout + ingested.stderr
            )
            subprocess.run(
                [str(BIN / "newsdesk"), "prefect", "setup"],
                env=client,
                cwd=ROOT,
                check=True,
                capture_output=True,
                timeout=60,
            )
            deployed = subprocess.run(
                [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"],
                env=client,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
            names = {
                d["name"]
                for d in httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json()
            }
            assert {"ingest", "morning-report", "publish", "breaking-news"} <= names
            processes.append(
                start(
                    [str(BIN / "prefect"), "worker", "start", "--pool", "newsdesk"],
                    client,
                    tmp_path / "worker.log",
                )
            )
            run = subprocess.run(
                [
                    str(BIN / "prefect"),
                    "deployment",
                    "run",
                    "slot/morning-report",
                    "--param",
                    "day=2026-11-23",
                ],
                env=client,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert run.returncode == 0, run.stdout + run.stderr
            db = Database(desk["NEWSDESK_DATABASE_URL"])

            def drafted() -> bool:
                # The row exists before the provider answers; wait for its first version (or a flag).
                with db.session() as session:
                    row = session.scalar(select(Draft).where(Draft.slot == "morning_report"))
                    return row is not None and (row.version >= 1 or row.flagged)

            wait_for(drafted, 180, "the worker to draft the morning report")
            with db.session() as session:
                draft = session.scalar(select(Draft).where(Draft.slot == "morning_report"))
                assert not draft.flagged, draft.flag_reason
                assert (
                    draft.state == "pending_review"
                    and draft.version >= 1
                    and draft.brief["sources"]
                )
        except AssertionError:
            worker = tmp_path / "worker.log"
            print(
                worker.read_text(errors="replace")[-3000:] if worker.exists() else "no worker log"
            )
            raise
        finally:
            for process in reversed(processes):
                stop(process)
