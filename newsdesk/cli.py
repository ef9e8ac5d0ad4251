"""The ``newsdesk`` command line. Every command calls the same service functions the flows call."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.checks.report import run_checks
from newsdesk.config import Settings, load_settings
from newsdesk.demo_server import DemoServer
from newsdesk.drafting.breaking import interpret_breaking
from newsdesk.drafting.service import draft_slot, latest_report, make_provider
from newsdesk.errors import ConfigError, InputError, NewsdeskError
from newsdesk.feeds.ingest import SourceRun, ingest
from newsdesk.feeds.manual import add_manual_item
from newsdesk.feeds.normalise import parse_time
from newsdesk.feeds.parse import parse_feed
from newsdesk.metrics.compute import compute_metrics, parse_period
from newsdesk.metrics.tables import TABLES, table, to_csv
from newsdesk.publish.render import render_script, script_names
from newsdesk.publish.service import publish_due
from newsdesk.review.accounts import (
    Actor,
    actor_for,
    add_user,
    issue_token,
    list_users,
    set_active,
    set_password,
)
from newsdesk.review.service import get_draft, queue, transition
from newsdesk.store.db import Database, migrate
from newsdesk.store.items import count_by_source, recent_items
from newsdesk.store.models import Source
from newsdesk.store.sources import describe, reset_source, sync_sources
from newsdesk.timetable import slots_for_day
from newsdesk.topics.detect import detect
from newsdesk.topics.jsonl import read_items_jsonl
from newsdesk.topics.service import compute_topics, topic_segmenter
from newsdesk.web.app import create_app
from newsdesk.web.views import draft_json, row_json

app = typer.Typer(
    help="newsdesk: the content desk of a securities advisory team.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
feed_app = typer.Typer(help="Feed files.", no_args_is_help=True)
item_app = typer.Typer(help="Manual items.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(feed_app, name="feed")
app.add_typer(item_app, name="item")
topics_app = typer.Typer(help="Hot topics.", invoke_without_command=True)
app.add_typer(topics_app, name="topics")
users_app = typer.Typer(help="Desk accounts (editor, compliance, admin).", no_args_is_help=True)
app.add_typer(users_app, name="users")
review_app = typer.Typer(help="The review queue from the terminal.", no_args_is_help=True)
app.add_typer(review_app, name="review")
script_app = typer.Typer(help="话术库: welcome, group rules, announcements.", no_args_is_help=True)
app.add_typer(script_app, name="script")

console = Console()
err = Console(stderr=True)


class _State:
    config: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings


state = _State()


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="desk.yaml to use (default: $NEWSDESK_CONFIG or config/desk.yaml)",
        ),
    ] = None,
) -> None:
    state.config = config
    state._settings = None


def open_db(settings: Settings, upgrade: bool = True) -> Database:
    db = Database(settings.resolved_database_url)
    if upgrade:
        migrate(db)
    return db


def _local(value: datetime | None, settings: Settings) -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")


# --- db -------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to re-run)."""
    db = open_db(state.settings)
    console.print(f"database {db.safe_url} is up to date")


@db_app.command("check")
def db_check() -> None:
    """Exit non-zero unless the schema is at the newest migration."""
    Database(state.settings.resolved_database_url).check_current()
    console.print("schema is current")


# --- feeds ------------------------------------------------------------------------------


@feed_app.command("parse")
def feed_parse(
    paths: Annotated[list[Path], typer.Argument(help="feed files to parse")],
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON object per file and line")
    ] = False,
) -> None:
    """Parse feed files without the store; a broken file reports ok=false, the rest go on."""
    for path in paths:
        result: dict[str, object] = {"path": str(path), "ok": False, "error": None, "items": []}
        try:
            parsed = parse_feed(path.read_bytes())
            result["ok"] = True
            result["items"] = [e.as_json() for e in parsed.entries]
        except OSError as exc:
            result["error"] = f"cannot read file: {exc.strerror or exc}"
        except NewsdeskError as exc:
            result["error"] = str(exc)
        if as_json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        elif result["ok"]:
            console.print(f"[green]ok[/] {path}: {len(result['items'])} items")  # type: ignore[arg-type]
        else:
            console.print(f"[red]error[/] {path}: {result['error']}")


def _summary_table(runs: list[SourceRun]) -> Table:
    table = Table(title="ingest")
    for column in ("source", "status", "new", "duplicates", "error"):
        table.add_column(column)
    colours = {"done": "green", "unchanged": "cyan", "skipped": "yellow", "failed": "red"}
    for run in runs:
        colour = colours.get(run.status, "white")
        table.add_row(
            run.name,
            f"[{colour}]{run.status}[/]",
            str(run.new),
            str(run.duplicates),
            run.error or "",
        )
    return table


def run_ingest(
    settings: Settings, db: Database, names: list[str] | None, force: bool
) -> list[SourceRun]:
    total = len(names) if names else len([s for s in settings.sources if s.enabled])
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)

        def done(run: SourceRun) -> None:
            progress.update(task, advance=1, description=run.name)

        return ingest(db, settings, names, force=force, on_done=done)


@app.command("ingest")
def ingest_cmd(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="only these sources")
    ] = None,
    force: Annotated[bool, typer.Option(help="fetch even sources that are backing off")] = False,
) -> None:
    """Fetch every enabled source (or the named ones) and store new items."""
    settings = state.settings
    db = open_db(settings)
    runs = run_ingest(settings, db, source, force)
    console.print(_summary_table(runs))
    # A cron job or a script must notice a desk that is cut off from every feed.
    if runs and all(run.status == "failed" for run in runs):
        err.print("every source failed: no items came in")
        raise typer.Exit(1)


@app.command("sources")
def sources_cmd(
    reset: Annotated[
        str | None, typer.Option(help="clear the error counter and backoff of a source")
    ] = None,
) -> None:
    """Show every source: status, last fetch, errors, items."""
    settings = state.settings
    db = open_db(settings)
    now = datetime.now(ZoneInfo("UTC"))
    with db.session() as session:
        if reset:
            if not reset_source(session, reset):
                raise NewsdeskError(f"no source named {reset!r}")
            console.print(f"source {reset} reset")
        sync_sources(session, settings)
        counts = count_by_source(session)
        rows = [
            describe(s, counts.get(s.id, 0), now, settings.fetch)
            for s in session.query(Source).order_by(Source.name)
        ]
    table = Table(title="sources")
    for column in (
        "name",
        "title",
        "type",
        "status",
        "last fetch",
        "errors",
        "next try",
        "items",
        "last error",
    ):
        table.add_column(column)
    colours = {
        "ok": "green",
        "new": "cyan",
        "backoff": "yellow",
        "failing": "yellow",
        "paused": "red",
        "disabled": "dim",
    }
    for row in rows:
        table.add_row(
            row.name,
            row.title,
            row.type,
            f"[{colours.get(row.status, 'white')}]{row.status}[/]",
            _local(row.last_fetch_at, settings),
            f"{row.error_count} ({row.total_errors} total)",
            _local(row.next_attempt_at, settings),
            str(row.items),
            (row.last_error or "")[:80],
        )
    console.print(table)


@app.command("items")
def items_cmd(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the newest stored items."""
    settings = state.settings
    db = open_db(settings)
    with db.session() as session:
        items = recent_items(session, limit=limit, source=source)
        rows = [
            {
                "id": i.id,
                "source": i.source.name,
                "title": i.title,
                "link": i.link,
                "published": i.published_at.isoformat() if i.published_at else None,
            }
            for i in items
        ]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"newest {len(rows)} items")
    for column in ("id", "published", "source", "title"):
        table.add_column(column)
    for row in rows:
        when = datetime.fromisoformat(row["published"]) if row["published"] else None
        table.add_row(str(row["id"]), _local(when, settings), str(row["source"]), str(row["title"]))
    console.print(table)


@item_app.command("add")
def item_add(
    title: Annotated[str, typer.Option(help="headline")],
    text: Annotated[str, typer.Option(help="body text")] = "",
    link: Annotated[str | None, typer.Option(help="http(s) link to the original")] = None,
    published: Annotated[str | None, typer.Option(help="ISO 8601 time (default: now)")] = None,
) -> None:
    """Add an item by hand (e.g. a note from a call); deduplicated like feed items."""
    settings = state.settings
    db = open_db(settings)
    result = add_manual_item(
        db, title, text, link=link, published=published, timezone=settings.timezone
    )
    if result.new:
        console.print(f"stored item {result.item_ids[0]}")
    else:
        console.print("[yellow]already stored[/] (same guid, link or content)")


# --- topics -----------------------------------------------------------------------------


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@topics_app.callback()
def topics_cmd(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="day to rank (default: today, Asia/Shanghai)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Detect, store and show the day's hot topics with their evidence."""
    if ctx.invoked_subcommand is not None:
        return
    settings = state.settings
    show_topics(settings, open_db(settings), _parse_day(day), as_json)


def show_topics(settings: Settings, db: Database, day: date | None, as_json: bool) -> None:
    topics = compute_topics(db, settings, day=day)
    if as_json:
        rows = [
            {
                "rank": t.rank,
                "label": t.label,
                "terms": t.terms,
                "score": round(t.score, 4),
                "stories": t.stories,
                "sources": t.sources,
                "first_seen": t.first_seen.isoformat(),
                "evidence": t.evidence,
                "item_ids": t.item_ids,
            }
            for t in topics
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not topics:
        console.print("no hot topics: no term reached the burst threshold in this window")
        return
    table = Table(title="热点话题 hot topics")
    for column in (
        "#",
        "topic",
        "score",
        "stories",
        "sources",
        "today vs baseline",
        "first seen",
        "headlines",
    ):
        table.add_column(column)
    for t in topics:
        evidence = t.evidence
        table.add_row(
            str(t.rank),
            f"[bold]{t.label}[/]\n[dim]{' · '.join(t.terms)}[/]",
            f"{t.score:.2f}",
            str(t.stories),
            f"{t.sources}: {', '.join(evidence['sources'][:4])}",  # type: ignore[index]
            f"{evidence['window_stories']} vs {evidence['baseline_expected']}",
            _local(t.first_seen, settings),
            "\n".join(evidence["headlines"][:3]),  # type: ignore[index]
        )
    console.print(table)


@topics_app.command("detect")
def topics_detect(
    items: Annotated[
        Path,
        typer.Option("--items", help="JSON lines: id, title, summary, source, published, link"),
    ],
    now: Annotated[str, typer.Option("--now", help="ISO-8601 time to detect at")],
    top: Annotated[int | None, typer.Option(min=1, max=1000)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Detect topics in a file of items, without the store."""
    settings = state.settings
    moment = _parse_moment(now, settings)
    loaded = read_items_jsonl(items, ZoneInfo(settings.timezone))
    topics = detect(loaded, moment, settings.topics, topic_segmenter(settings), top=top)
    if as_json:
        sys.stdout.write(json.dumps([t.as_json() for t in topics], ensure_ascii=False) + "\n")
        return
    for rank, topic in enumerate(topics, start=1):
        console.print(
            f"{rank}. {topic.label}  score {topic.score:.2f}, {len(topic.stories)} stories, {len(topic.sources)} sources"
        )


def _parse_moment(value: str, settings: Settings) -> datetime:
    moment = parse_time(value, ZoneInfo(settings.timezone))
    if moment is None:
        raise typer.BadParameter(f"{value!r} is not an ISO-8601 time", param_hint="--now")
    return moment


# --- drafting ---------------------------------------------------------------------------


@app.command("draft")
def draft_cmd(
    slot: Annotated[
        str, typer.Option("--slot", help="slot name from desk.yaml, e.g. morning_report")
    ],
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (default: today, Asia/Shanghai)")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="offline | openai (default: llm.provider)")
    ] = None,
    new_version: Annotated[
        bool, typer.Option("--new-version", help="draft again even if the slot has a draft")
    ] = False,
) -> None:
    """Draft a slot (every audience segment), check, revise, and queue for review."""
    settings = state.settings
    db = open_db(settings)
    when = _parse_day(day) or datetime.now(ZoneInfo(settings.timezone)).date()
    writer = make_provider(settings, name=provider)
    outcomes = draft_slot(db, settings, slot, when, writer, new_version=new_version)
    table = Table(title=f"drafts · {slot} · {when}")
    for column in ("draft", "segment", "result", "versions added", "note"):
        table.add_column(column)
    for o in outcomes:
        result = (
            "[red]flagged[/]"
            if o.flagged
            else ("[green]passed[/]" if o.versions_added else "unchanged")
        )
        table.add_row(
            str(o.draft_id), o.segment or "—", result, str(o.versions_added), escape(o.reason or "")
        )
    console.print(table)


@app.command("breaking")
def breaking_cmd(
    request: Annotated[str, typer.Argument(help="the headline, or the URL of the article")],
    note: Annotated[
        str | None, typer.Option(help="what the interpretation should focus on")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="offline | openai (default: llm.provider)")
    ] = None,
) -> None:
    """突发事件解读: draft an interpretation now; it goes first in the review queue."""
    settings = state.settings
    db = open_db(settings)
    outcome = interpret_breaking(
        db, settings, request, make_provider(settings, name=provider), note=note
    )
    result = "[red]flagged[/]" if outcome.flagged else "[green]passed checks[/]"
    verb = "drafted" if outcome.created else "already drafted"
    console.print(
        f"breaking news draft {outcome.draft_id} {verb}: {result} {escape(outcome.reason or '')}"
    )


# --- checks -----------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A UTF-8 (or GB18030) text file; anything else is an InputError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: not a text file")
    for name in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: not UTF-8 or GB18030 text")


@app.command("check")
def check_cmd(
    draft: Annotated[Path, typer.Argument(help="the draft, a text file")],
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", "-s", help="source files, numbered [1].. in order"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    channel: Annotated[
        str | None, typer.Option(help="require this channel's risk disclaimer")
    ] = None,
    slot: Annotated[
        str | None, typer.Option(help="apply this slot's rules (e.g. trade instructions)")
    ] = None,
) -> None:
    """Run originality, citation and compliance checks on files; exit 0 whether or not it passes."""
    settings = state.settings
    text = read_text(draft)
    sources = [read_text(p) for p in source or []]
    report = run_checks(text, sources, settings, channel=channel, slot=slot)
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
        return
    verdict = "[green]PASS[/]" if report.passed else "[red]FAIL[/]"
    o, c = report.originality, report.citations
    console.print(
        f"{verdict}  originality {o.ratio:.0%} (≥ {o.threshold:.0%}), "
        f"citations recall {c.recall:.0%} precision {c.precision:.0%}, "
        f"compliance {'ok' if report.compliance.passed else 'violations'}"
    )
    for line in report.reasons():
        console.print(escape(line))


# --- accounts and review --------------------------------------------------------------


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="editor | compliance | admin")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
) -> None:
    """Create an account (argon2-hashed password)."""
    add_user(open_db(state.settings), username, password, role, name)
    console.print(f"user {username} ({role}) created")


@users_app.command("list")
def users_list() -> None:
    """Every account with its role and status."""
    table = Table(title="users")
    for column in ("username", "name", "role", "active", "API token", "last login"):
        table.add_column(column)
    settings = state.settings
    for user in list_users(open_db(settings)):
        table.add_row(
            user.username,
            user.display_name,
            user.role,
            "yes" if user.active else "[red]disabled[/]",
            "set" if user.token_hash else "—",
            _local(user.last_login_at, settings),
        )
    console.print(table)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account and revoke its API token."""
    set_active(open_db(state.settings), username, False)
    console.print(f"user {username} disabled")


@users_app.command("enable")
def users_enable(username: str) -> None:
    set_active(open_db(state.settings), username, True)
    console.print(f"user {username} enabled")


@users_app.command("passwd")
def users_passwd(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a new password."""
    set_password(open_db(state.settings), username, password)
    console.print(f"password of {username} changed")


@users_app.command("token")
def users_token(username: str) -> None:
    """Issue a new API token for scripts (shown once; the old one stops working)."""
    sys.stdout.write(issue_token(open_db(state.settings), username) + "\n")


def _review_actor(username: str) -> Actor:
    return actor_for(open_db(state.settings), username)


@review_app.command("list")
def review_list(
    day: Annotated[str | None, typer.Option("--date")] = None,
    slot: Annotated[str | None, typer.Option()] = None,
    state_name: Annotated[str | None, typer.Option("--state")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The queue: drafts by day, slot and state."""
    rows = queue(open_db(state.settings), day=_parse_day(day), slot=slot, state=state_name)
    if as_json:
        sys.stdout.write(json.dumps([row_json(r) for r in rows], ensure_ascii=False) + "\n")
        return
    table = Table(title="review queue")
    for column in ("id", "day", "slot", "segment", "state", "checks", "originality", "lock"):
        table.add_column(column)
    for r in rows:
        checks = "[red]flagged[/]" if r.flagged else ("[green]passed[/]" if r.passed else "—")
        ratio = f"{r.originality:.0%}" if r.originality is not None else "—"
        table.add_row(
            str(r.id),
            str(r.day),
            r.slot,
            r.segment or "—",
            r.state,
            checks,
            ratio,
            str(r.lock_version),
        )
    console.print(table)


@review_app.command("show")
def review_show(draft_id: int) -> None:
    """One draft: text, check summary, audit trail."""
    settings = state.settings
    data = draft_json(open_db(settings), settings, draft_id, Actor("cli", "admin"))
    console.print(
        f"[bold]#{data['id']} {escape(data['title'])}[/] · {data['day']} · {data['state']} · lock {data['expected_version']}"
    )
    if data["flagged"]:
        console.print(f"[red]flagged:[/] {escape(data['flag_reason'] or '')}")
    console.print(escape(data["text"] or "(no text yet)"))
    for entry in data["audit"]:
        console.print(
            f"  {entry['at'][:19]} {entry['actor']} {entry['action']} {entry['from']}→{entry['to']} {escape(entry['note'] or '')}"
        )


def _cli_transition(
    draft_id: int, action: str, username: str, note: str | None, lock: int | None
) -> None:
    settings = state.settings
    db = open_db(settings)
    expected = lock if lock is not None else get_draft(db, draft_id).lock_version
    result = transition(
        db,
        settings,
        draft_id,
        action,
        _review_actor(username),
        expected_version=expected,
        note=note,
    )
    console.print(f"draft {draft_id}: {result.from_state} → {result.to_state}")


@review_app.command("approve")
def review_approve(
    draft_id: int,
    as_user: Annotated[str, typer.Option("--as", help="the approving account")],
    note: Annotated[str | None, typer.Option()] = None,
    lock: Annotated[
        int | None, typer.Option(help="expected lock version (default: current)")
    ] = None,
) -> None:
    """Approve a draft as USER (a flagged draft needs an override role and --note)."""
    _cli_transition(draft_id, "approve", as_user, note, lock)


@review_app.command("reject")
def review_reject(
    draft_id: int,
    as_user: Annotated[str, typer.Option("--as")],
    note: Annotated[str, typer.Option(help="why (required)")] = "",
    lock: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Reject a draft as USER, with a note."""
    _cli_transition(draft_id, "reject", as_user, note, lock)


@app.command("web")
def web_cmd(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Serve the review UI and JSON API (http://127.0.0.1:8000 by default)."""
    import uvicorn

    settings = state.settings
    db = open_db(settings)
    ensure_demo_users(db, settings)
    uvicorn.run(
        create_app(settings, db),
        host=host or settings.web.host,
        port=port or settings.web.port,
        log_level="warning",
    )


DEMO_USERS = (
    ("editor", "editor", "编辑小王"),
    ("compliance", "compliance", "合规老李"),
    ("admin", "admin", "管理员"),
)


def ensure_demo_users(db: Database, settings: Settings) -> None:
    """On the demo desk, create the demo accounts (password = name + '-demo') and print them."""
    if not settings.demo.enabled:
        return
    existing = {u.username for u in list_users(db)}
    for username, role, name in DEMO_USERS:
        if username not in existing:
            add_user(db, username, f"{username}-demo", role, name)
    console.print(
        "demo accounts: "
        + ", ".join(f"{u} / {u}-demo ({r})" for u, r, _ in DEMO_USERS)
        + " — change them with: newsdesk users passwd NAME"
    )


# --- timetable and publishing -----------------------------------------------------------


@app.command("slots")
def slots_cmd(day: Annotated[str | None, typer.Option("--date")] = None) -> None:
    """The day's timetable: slot, kind, draft deadline, whether it runs, its drafts' states."""
    settings = state.settings
    db = open_db(settings)
    when = _parse_day(day) or datetime.now(ZoneInfo(settings.timezone)).date()
    rows = queue(db, day=when)
    table = Table(title=f"timetable {when}")
    for column in ("time", "slot", "kind", "drafts due", "runs", "drafts"):
        table.add_column(column)
    for slot_day in slots_for_day(settings, when):
        states = (
            ", ".join(f"#{r.id} {r.state}" for r in rows if r.slot == slot_day.slot.name) or "—"
        )
        runs = "yes" if slot_day.runs else "[dim]no (market closed / not this weekday)[/]"
        table.add_row(
            slot_day.posts_at.strftime("%H:%M"),
            slot_day.slot.title,
            slot_day.slot.kind,
            slot_day.drafts_due.strftime("%H:%M"),
            runs,
            states,
        )
    console.print(table)


@app.command("publish")
def publish_cmd(
    now: Annotated[str | None, typer.Option(help="ISO-8601 time to act as (default: now)")] = None,
) -> None:
    """Expire unapproved drafts past their slot and send approved ones that are due (exactly once)."""
    settings = state.settings
    moment = _parse_moment(now, settings) if now else datetime.now(ZoneInfo("UTC"))
    report = publish_due(open_db(settings), settings, moment)
    for draft_id, channel in report.sent:
        console.print(f"[green]sent[/] draft {draft_id} → {channel}")
    for draft_id, channel, error in report.failed:
        console.print(f"[red]failed[/] draft {draft_id} → {channel}: {escape(error)}")
    for draft_id, channel in report.uncertain:
        console.print(
            f"[yellow]uncertain[/] draft {draft_id} → {channel}: check the channel before resending"
        )
    for draft_id in report.expired:
        console.print(f"[yellow]expired[/] draft {draft_id}: its slot passed unapproved")
    if not (report.sent or report.failed or report.uncertain or report.expired):
        console.print("nothing due")


@script_app.command("render")
def script_render(
    name: str,
    var: Annotated[list[str] | None, typer.Option("--var", help="k=v, repeatable")] = None,
) -> None:
    """Render one 话术库 script with its variables."""
    variables = {}
    for pair in var or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not k=v", param_hint="--var")
        variables[key] = value
    sys.stdout.write(render_script(state.settings, name, variables))


@script_app.command("list")
def script_list() -> None:
    for name in script_names(state.settings):
        console.print(name)


# --- metrics --------------------------------------------------------------------------


@app.command("metrics")
def metrics_cmd(
    day: Annotated[str | None, typer.Option("--day", help="YYYY-MM-DD")] = None,
    week: Annotated[str | None, typer.Option("--week", help="YYYY-Www, e.g. 2026-W48")] = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
    table_name: Annotated[
        str, typer.Option("--table", help=f"for --csv: {', '.join(TABLES)}")
    ] = "slots",
) -> None:
    """日报 / 周报 / 月报: fill rate, approvals, time to approve, check failures, sources, LLM usage."""
    settings = state.settings
    if day is None and week is None and month is None:
        day = datetime.now(ZoneInfo(settings.timezone)).date().isoformat()
    try:
        period = parse_period(day, week, month)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    metrics = compute_metrics(open_db(settings), settings, period)
    if as_json:
        sys.stdout.write(json.dumps(metrics.as_json(), ensure_ascii=False) + "\n")
        return
    if as_csv:
        try:
            sys.stdout.write(to_csv(table(metrics, table_name)))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--table") from None
        return
    data = metrics.as_json()
    minutes = data["approve_minutes"]
    console.print(
        f"[bold]{period.label}[/] ({period.start} – {period.end}): fill rate {_pct(data['fill_rate'])} "
        f"({data['filled_on_time']}/{data['due']}), {data['drafts']} drafts, approval {_pct(data['approval_rate'])}, "
        f"time to approve median {minutes['median']} / p90 {minutes['p90']} min, "
        f"revisions per draft {data['revisions_per_draft']}"
    )
    for name in ("slots", "sources", "providers", "failures"):
        rows = table(metrics, name)
        if not rows:
            continue
        grid = Table(title=name)
        for column in rows[0]:
            grid.add_column(column)
        for row in rows:
            grid.add_row(*("—" if v is None else str(v) for v in row.values()))
        console.print(grid)


def _pct(value: object) -> str:
    return "—" if value is None else f"{float(value):.0%}"  # type: ignore[arg-type]


# --- demo -------------------------------------------------------------------------------


def demo_server(settings: Settings) -> DemoServer:
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
        run_demo_day(settings, db)
    ensure_demo_users(db, settings)
    day = settings.demo.day
    console.print(
        f"Review them: newsdesk web (then http://{settings.web.host}:{settings.web.port}); "
        f"newsdesk topics --date {day}; newsdesk review list --date {day}; or everything at once: newsdesk up"
    )


def run_demo_day(settings: Settings, db: Database) -> None:
    """Ingest the (already served) demo feeds, rank the demo day's topics, draft every slot."""
    day = settings.demo.day or datetime.now(ZoneInfo(settings.timezone)).date()
    runs = run_ingest(settings, db, None, force=True)
    console.print(_summary_table(runs))
    show_topics(settings, db, day, False)
    writer = make_provider(settings, name="offline")
    table = Table(title=f"drafts for {day} (offline composer) · 待审核")
    for column in ("slot", "time", "draft", "versions", "checks", "originality"):
        table.add_column(column)
    for slot in settings.slots:
        for outcome in draft_slot(db, settings, slot.name, day, writer):
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
    prefect_port: Annotated[int, typer.Option(help="port of the local Prefect server")] = 4200,
) -> None:
    """The whole desk until Ctrl-C: local Prefect server (unless PREFECT_API_URL is set), review UI, schedules."""
    # flows/ is where Prefect lives; the CLI only dispatches to it.
    from flows.up import serve_desk

    settings = state.settings
    db = open_db(settings)
    server = demo_server(settings) if demo and settings.demo.enabled else None
    if server:
        server.start()
        if not queue(db, limit=1):
            console.print("loading the demo desk (first start) ...")
            run_demo_day(settings, db)
    ensure_demo_users(db, settings)

    def announce(prefect_url: str, deployments: list[str]) -> None:
        today = datetime.now(ZoneInfo(settings.timezone)).date()
        console.print(f"[bold]review UI[/]  http://{settings.web.host}:{settings.web.port}")
        console.print(f"[bold]Prefect UI[/] {prefect_url}")
        console.print("serving: " + ", ".join(deployments))
        upcoming = [
            s
            for s in slots_for_day(settings, today)
            if s.runs and s.posts_at > datetime.now(ZoneInfo(settings.timezone))
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
        serve_desk(
            settings, db, create_app(settings, db), prefect_port=prefect_port, announce=announce
        )
    finally:
        if server:
            server.stop()
        console.print("stopped")


@app.command("serve-demo")
def serve_demo() -> None:
    """Serve the demo feeds until Ctrl-C (for Prefect runs against the demo desk)."""
    with demo_server(state.settings) as server:
        console.print(f"demo feeds served at {server.base_url} — Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")


def main() -> None:
    """Console entry point: newsdesk errors become one red line and exit status 2."""
    try:
        app()
    except NewsdeskError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
