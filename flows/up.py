"""``newsdesk up``: the whole desk in one process — local Prefect server, review UI, every deployment served.

Deployments come from prefect.yaml (one place for schedules), so what ``up``
serves locally is what ``prefect deploy --all`` registers on a real server.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml

from flows.orchestration import ensure_limit
from newsdesk.config import Settings
from newsdesk.errors import ConfigError
from newsdesk.web.security import server_options

ROOT = Path(__file__).resolve().parent.parent


def load_deployments(zone: str, path: Path = ROOT / "prefect.yaml") -> list[Any]:
    """RunnerDeployments for every entry of prefect.yaml, schedules and parameters included.

    A schedule without its own ``timezone`` runs on the desk's clock (``zone``).
    """
    from prefect.schedules import Cron

    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"]
    deployments = []
    for entry in entries:
        module_path, function = entry["entrypoint"].split(":")
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, function)
        schedules = [
            Cron(s["cron"], timezone=s.get("timezone", zone)) for s in entry.get("schedules", [])
        ]
        deployments.append(
            flow.to_deployment(
                name=entry["name"],
                schedules=schedules or None,
                parameters=entry.get("parameters"),
                description=entry.get("description"),
                concurrency_limit=entry.get("concurrency_limit"),
            )
        )
    return deployments


@contextmanager
def local_prefect_server(var_dir: Path, port: int) -> Iterator[str]:
    """``prefect server start`` on 127.0.0.1 with its SQLite database under var/; yields the API URL."""
    home = (var_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own session: a terminal's Ctrl-C reaches only `newsdesk up`, which stops
        # serving first and then this server. Killed together, the serve loop outlived
        # the server for a moment and printed an asyncio traceback per reconnect.
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise ConfigError(f"the local Prefect server exited; see {home / 'server.log'}")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ConfigError(
                    f"the local Prefect server did not start within 120 s; see {home / 'server.log'}"
                )
            time.sleep(0.5)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class _Background:
    """A uvicorn server in a daemon thread."""

    def __init__(self, app: Any, host: str, port: int, options: dict[str, Any]) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Background:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError("the review UI did not start (is the port free?)")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_desk(settings: Settings, app: Any, *, prefect_port: int, announce: Any) -> None:
    """Run until Ctrl-C: Prefect server (unless PREFECT_API_URL is set), review UI, every deployment."""
    with (
        _server_or_existing(settings, prefect_port) as api,
        _Background(app, settings.web.host, settings.web.port, server_options(settings)),
    ):
        os.environ["PREFECT_API_URL"] = api
        from prefect import serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: api}):
            ensure_limit(settings.llm.concurrency_limit, settings.llm.concurrency)
            deployments = load_deployments(settings.timezone)
            announce(api.removesuffix("/api"), [d.name for d in deployments])
            with suppress(KeyboardInterrupt):
                serve(*deployments, print_starting_message=False)


@contextmanager
def _server_or_existing(settings: Settings, port: int) -> Iterator[str]:
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        yield existing
        return
    with local_prefect_server(settings.var_dir, port) as api:
        yield api
