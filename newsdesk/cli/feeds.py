"""Feeds and items: ``newsdesk feed parse``, ``ingest``, ``sources``, ``items``, ``item add``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newsdesk.cli.base import app, console, err, local_time, open_db, state

if TYPE_CHECKING:
    from rich.table import Table

    from newsdesk.config import Settings
    from newsdesk.feeds.ingest import SourceRun
    from newsdesk.store.db import Database

feed_app = typer.Typer(help="Feed files.", no_args_is_help=True)
item_app = typer.Typer(help="Manual items.", no_args_is_help=True)
app.add_typer(feed_app, name="feed")
app.add_typer(item_app, name="item")


@feed_app.command("parse")
def feed_parse(
    paths: Annotated[list[Path], typer.Argument(help="feed files to parse")],
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON object per file and line")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="the feed's own URL, for relative links that neither xml:base nor the channel link make absolute",
        ),
    ] = None,
) -> None:
    """Parse feed files without the store; a broken file reports ok=false, the rest go on."""
    from newsdesk.errors import NewsdeskError
    from newsdesk.feeds.parse import parse_feed

    for path in paths:
        result: dict[str, object] = {"path": str(path), "ok": False, "error": None, "items": []}
        try:
            parsed = parse_feed(path.read_bytes(), base_url=base_url)
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


def summary_table(runs: list[SourceRun]) -> Table:
    from rich.table import Table

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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from newsdesk.feeds.ingest import ingest

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
    console.print(summary_table(runs))
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
    from datetime import UTC

    from rich.table import Table

    from newsdesk.errors import NewsdeskError
    from newsdesk.store.items import count_by_source
    from newsdesk.store.models import Source
    from newsdesk.store.sources import describe, reset_source, sync_sources

    settings = state.settings
    db = open_db(settings)
    now = datetime.now(UTC)
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
            local_time(row.last_fetch_at, settings),
            f"{row.error_count} ({row.total_errors} total)",
            local_time(row.next_attempt_at, settings),
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
    from rich.table import Table

    from newsdesk.store.items import recent_items

    settings = state.settings
    db = open_db(settings)
    with db.session() as session:
        items = recent_items(session, limit=limit, source=source)
        rows = [(i.id, i.source.name, i.title, i.link, i.published_at) for i in items]
    if as_json:
        for item_id, name, title, link, published in rows:
            row = {
                "id": item_id,
                "source": name,
                "title": title,
                "link": link,
                "published": published.isoformat() if published else None,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"newest {len(rows)} items")
    for column in ("id", "published", "source", "title"):
        table.add_column(column)
    for item_id, name, title, _, published in rows:
        table.add_row(str(item_id), local_time(published, settings), name, title)
    console.print(table)


@item_app.command("add")
def item_add(
    title: Annotated[str, typer.Option(help="headline")],
    text: Annotated[str, typer.Option(help="body text")] = "",
    link: Annotated[str | None, typer.Option(help="http(s) link to the original")] = None,
    published: Annotated[str | None, typer.Option(help="ISO 8601 time (default: now)")] = None,
    outlet: Annotated[
        str | None,
        typer.Option(help="who published it (财联社); hot topics count items by outlet"),
    ] = None,
) -> None:
    """Add an item by hand (e.g. a note from a call); deduplicated like feed items."""
    from newsdesk.feeds.manual import add_manual_item

    settings = state.settings
    db = open_db(settings)
    result = add_manual_item(
        db,
        title,
        text,
        link=link,
        published=published,
        timezone=settings.timezone,
        outlet=outlet,
    )
    if result.new:
        console.print(f"stored item {result.item_ids[0]}")
    else:
        console.print("[yellow]already stored[/] (same guid, link or content)")
