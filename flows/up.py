"""``newsdesk up``: the whole desk in one process — local Prefect server, review UI, every deployment served.

Deployments come from prefect.yaml (one place for schedules), so what ``up``
serves locally is what ``prefect deploy --all`` registers on a real server.
"""

from __future__ import annotations

import _thread
import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
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


@dataclass
class PrefectServer:
    """The Prefect API ``newsdesk up`` talks to: its own local server (``process``) or an existing one."""

    api: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def wait_ready(self, timeout: float = 120) -> None:
        """Block until the local server answers its health check (an existing one is taken as is)."""
        if self.process is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise ConfigError(f"the local Prefect server exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ConfigError(
                    f"the local Prefect server did not start within {timeout:.0f} s; see {self.log_path}"
                )
            time.sleep(0.5)


def local_api(port: int) -> str:
    """The API of the Prefect server ``newsdesk up`` starts on ``port``."""
    return f"http://127.0.0.1:{port}/api"


@contextmanager
def local_prefect_server(var_dir: Path, port: int) -> Iterator[PrefectServer]:
    """``prefect server start`` on 127.0.0.1 with its SQLite database under var/, started and
    yielded at once: the caller does its own start-up while the server boots, then waits."""
    home = (var_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    log_path = home / "server.log"
    log = log_path.open("ab")
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
    try:
        yield PrefectServer(local_api(port), process, log_path)
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


def serve_desk(
    settings: Settings,
    app_for: Callable[[str], Any],
    *,
    prefect_port: int,
    on_ui: Callable[[], None],
    announce: Callable[[str, list[str]], None],
) -> None:
    """Run until Ctrl-C: review UI, Prefect server (unless PREFECT_API_URL is set), every deployment.

    The review UI answers first (``on_ui`` is told), and only then does the Prefect server
    start: booting it is seconds of CPU, and on a busy 2-core machine booting both at once
    delayed the UI by as much. The deployments' flows are imported while the server boots and
    served once it is up.
    ``app_for(api_url)`` makes the review app: the API URL is handed to what needs it (the app's
    job runner, the served runs' settings), never put in this process's environment.
    """
    existing = os.environ.get("PREFECT_API_URL")
    api = existing or local_api(prefect_port)
    with (
        _ctrl_c_spares_runs(),
        _Background(app_for(api), settings.web.host, settings.web.port, server_options(settings)),
    ):
        on_ui()
        from prefect import serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with (
            _server_or_existing(settings, existing, prefect_port) as server,
            temporary_settings(updates={PREFECT_API_URL: server.api}),
        ):
            # The flows (and the drafting they import) load while the server boots.
            deployments = load_deployments(settings.timezone)
            server.wait_ready()
            ensure_limit(settings.llm.concurrency_limit, settings.llm.concurrency)
            announce(server.api.removesuffix("/api"), [d.name for d in deployments])
            with suppress(KeyboardInterrupt):
                serve(*deployments, print_starting_message=False)


@contextmanager
def _ctrl_c_spares_runs() -> Iterator[None]:
    """A terminal's Ctrl-C reaches every process of its foreground group, the flow runs that
    serve() spawns included: one caught while starting died with two tracebacks and an ERROR
    line. So SIGINT is blocked while the desk serves (the runs, spawned from here, inherit the
    block and finish or are stopped by the runner) and one thread waits for it and interrupts
    the main thread, which stops serving as on a plain Ctrl-C."""
    ctrl_c = {signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, ctrl_c)

    def relay() -> None:
        signal.sigwait(ctrl_c)
        _thread.interrupt_main()

    threading.Thread(target=relay, name="ctrl-c", daemon=True).start()
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, ctrl_c)


@contextmanager
def _server_or_existing(
    settings: Settings, existing: str | None, port: int
) -> Iterator[PrefectServer]:
    if existing:
        yield PrefectServer(existing)
        return
    with local_prefect_server(settings.var_dir, port) as server:
        yield server
