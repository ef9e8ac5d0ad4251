"""Running the desk: ``newsdesk web``, ``demo``, ``up``, ``serve-demo``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from newsdesk.cli.base import app, console, open_db, state, today
from newsdesk.cli.feeds import run_ingest, summary_table
from newsdesk.cli.publish import announce_template_problems
from newsdesk.cli.topics import show_topics

if TYPE_CHECKING:
    from fastapi import FastAPI

    from newsdesk.config import Settings
    from newsdesk.demo_server import DemoServer
    from newsdesk.jobs import Runner
    from newsdesk.store.db import Database


@app.command("init")
def init_cmd(
    directory: Annotated[Path, typer.Argument(help="folder for the new desk (made if missing)")],
) -> None:
    """Write a desk of your own: desk.yaml (demo off, the SOP timetable) and .env (its secret)."""
    from newsdesk.desk_writer import write_desk

    desk, env = write_desk(directory)
    console.print(f"wrote {desk}\nwrote {env} (the session secret; keep it out of version control)")
    console.print(
        "next:\n"
        f"  1. list your feeds, research pages and market data under sources: in {desk}\n"
        f"  2. add accounts: NEWSDESK_CONFIG={desk} newsdesk users add NAME --role editor "
        "(roles: editor, compliance, admin)\n"
        f"  3. run the desk: NEWSDESK_CONFIG={desk} newsdesk up",
        highlight=False,
        soft_wrap=True,
    )


@app.command("web")
def web_cmd(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535)] = None,
) -> None:
    """Serve the review UI and JSON API (http://127.0.0.1:8000 by default).

    Breaking news and rewrites run as Prefect deployment runs (desk-job) when
    PREFECT_API_URL is set, else in worker threads of this process.
    """
    import os

    import uvicorn

    from newsdesk.web.app import create_app
    from newsdesk.web.security import server_options

    settings = state.settings
    announce_template_problems(settings)
    db = open_db(settings)
    from newsdesk.desk import refuse_known_secrets

    refuse_known_secrets(settings, db, host or settings.web.host)
    announce_demo_accounts(db)
    options = {
        "host": host or settings.web.host,
        "port": port or settings.web.port,
        "log_level": "warning",
        **server_options(settings),
    }
    if settings.web.workers > 1:
        # Each worker process builds its own app (uvicorn imports it by name) from the
        # desk file and environment this process read; the schema is already upgraded.
        if settings.config_path:
            os.environ["NEWSDESK_CONFIG"] = str(settings.config_path)
        uvicorn.run(
            "newsdesk.cli.desk:worker_app",
            factory=True,
            workers=settings.web.workers,
            **options,  # type: ignore[arg-type]
        )
        return
    uvicorn.run(create_app(settings, db, job_runner()), **options)  # type: ignore[arg-type]


def job_runner() -> Runner | None:
    """Prefect deployment runs when PREFECT_API_URL is set, else the app's worker threads."""
    import os

    if not os.environ.get("PREFECT_API_URL"):
        return None
    from flows.job_runner import PrefectRunner

    return PrefectRunner(os.environ["PREFECT_API_URL"])


def worker_app() -> FastAPI:
    """The app of one of ``web.workers`` server processes."""
    from newsdesk.config import load_settings
    from newsdesk.web.app import create_app

    settings = load_settings()
    return create_app(settings, open_db(settings, upgrade=False), job_runner())


def announce_demo_accounts(db: Database) -> None:
    """Print the demo accounts that still have their printed passwords (none on a real desk)."""
    from newsdesk.desk import DEMO_USERS, demo_password
    from newsdesk.review.accounts import has_password

    open_ones = [
        f"{username} / {demo_password(username)} ({role})"
        for username, role, _ in DEMO_USERS
        if has_password(db, username, demo_password(username))
    ]
    if open_ones:
        console.print(
            "demo accounts: "
            + ", ".join(open_ones)
            + " — change them with: newsdesk users passwd NAME"
        )


def load_demo(settings: Settings, db: Database) -> None:
    """The demo desk's day and its accounts: the only place demo accounts are made."""
    from newsdesk.desk import add_demo_users

    run_demo_day(settings, db)
    add_demo_users(db)


def demo_server(settings: Settings) -> DemoServer:
    from newsdesk.demo_server import DemoServer
    from newsdesk.errors import ConfigError

    if not settings.demo.enabled:
        raise ConfigError(
            "demo.enabled is false in the config; the demo needs the bundled demo desk"
        )
    try:
        return DemoServer(settings.demo_dir, settings.demo.host, settings.demo.port)
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the demo feeds on {settings.demo.host}:{settings.demo.port}: {exc.strerror} "
            "(set NEWSDESK_DEMO__PORT to a free port)"
        ) from exc


@app.command("demo")
def demo_cmd() -> None:
    """Run one demo trading day: serve the demo feeds on 127.0.0.1, ingest, rank topics, draft every slot."""
    settings = state.settings
    db = open_db(settings)
    with demo_server(settings) as server:
        console.print(f"demo feeds served at {server.base_url}")
        load_demo(settings, db)
    announce_demo_accounts(db)
    day = settings.demo.day
    console.print(
        f"Review them: newsdesk web (then http://{settings.web.host}:{settings.web.port}); "
        f"newsdesk topics --date {day}; newsdesk review list --date {day}; or everything at once: newsdesk up"
    )


def run_demo_day(settings: Settings, db: Database) -> None:
    """Ingest the (already served) demo feeds, rank the demo day's topics, draft every slot."""
    from rich.table import Table

    from newsdesk.drafting.service import draft_slot, latest_report, make_provider

    day = settings.demo.day or today(settings)
    runs = run_ingest(settings, db, None, force=True)
    console.print(summary_table(runs))
    show_topics(settings, db, day, False)
    writer = make_provider(settings, name="offline")
    table = Table(title=f"drafts for {day} (offline composer) · 待审核")
    for column in ("slot", "time", "draft", "versions", "checks", "originality"):
        table.add_column(column)
    for slot in settings.slots:
        for outcome in draft_slot(db, settings, slot.name, day, writer, rank_topics=False):
            report = latest_report(db, outcome.draft_id)
            verdict = "[red]flagged[/]" if outcome.flagged else "[green]passed[/]"
            ratio = f"{report['originality']['ratio']:.0%}" if report else "—"  # type: ignore[index]
            table.add_row(
                slot.title,
                slot.time.strftime("%H:%M"),
                str(outcome.draft_id),
                str(outcome.versions_added),
                verdict,
                ratio,
            )
    console.print(table)
    console.print(f"[bold]{sum(r.new for r in runs)}[/] new items; database: {db.safe_url}")


@app.command("up")
def up_cmd(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo", help="load and serve the demo desk (default on the demo desk)"
        ),
    ] = True,
    prefect_port: Annotated[
        int, typer.Option(min=1, max=65535, help="port of the local Prefect server")
    ] = 4200,
) -> None:
    """The whole desk until Ctrl-C: local Prefect server (unless PREFECT_API_URL is set), review UI, schedules."""
    from zoneinfo import ZoneInfo

    # flows/ is where Prefect lives; the CLI only dispatches to it.
    from flows.up import serve_desk
    from newsdesk.review.queue import queue
    from newsdesk.timetable import slots_for_day

    settings = state.settings
    announce_template_problems(settings)
    db = open_db(settings)
    server = demo_server(settings) if demo and settings.demo.enabled else None
    if server:
        server.start()
        if not queue(db, limit=1):
            console.print("loading the demo desk (first start) ...")
            load_demo(settings, db)
    from newsdesk.desk import refuse_known_secrets

    refuse_known_secrets(settings, db, settings.web.host)
    announce_demo_accounts(db)

    def review_app(api: str) -> Any:
        # Cheap: the runner imports Prefect when a job is submitted, so the UI does not wait.
        from flows.job_runner import PrefectRunner
        from newsdesk.web.app import create_app

        return create_app(settings, db, PrefectRunner(api))

    def on_ui() -> None:
        console.print(f"[bold]review UI[/]  http://{settings.web.host}:{settings.web.port}")

    def announce(prefect_url: str, deployments: list[str]) -> None:
        zone = ZoneInfo(settings.timezone)
        console.print(f"[bold]Prefect UI[/] {prefect_url}")
        console.print("serving: " + ", ".join(deployments))
        upcoming = [
            s
            for s in slots_for_day(settings, today(settings))
            if s.runs and s.posts_at > datetime.now(zone)
        ]
        console.print(
            "next slots today: "
            + (
                ", ".join(f"{s.posts_at:%H:%M} {s.slot.title}" for s in upcoming)
                or "none (after hours or market closed)"
            )
        )
        console.print("Ctrl-C to stop")

    try:
        serve_desk(settings, review_app, prefect_port=prefect_port, on_ui=on_ui, announce=announce)
    finally:
        if server:
            server.stop()
        console.print("stopped")


@app.command("serve-demo")
def serve_demo() -> None:
    """Serve the demo feeds until Ctrl-C (for Prefect runs against the demo desk)."""
    import time

    with demo_server(state.settings) as server:
        console.print(f"demo feeds served at {server.base_url} — Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")
