"""``newsdesk topics``: the day's hot topics, from the store or from a file of items."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newsdesk.cli.base import app, console, local_time, open_db, parse_day, parse_moment, state

if TYPE_CHECKING:
    from newsdesk.config import Settings
    from newsdesk.store.db import Database

topics_app = typer.Typer(help="Hot topics.", invoke_without_command=True)
app.add_typer(topics_app, name="topics")


@topics_app.callback()
def topics_cmd(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="day to rank (default: the desk's working day)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Detect, store and show the day's hot topics with their evidence."""
    if ctx.invoked_subcommand is not None:
        return
    settings = state.settings
    show_topics(settings, open_db(settings), parse_day(day), as_json)


def show_topics(settings: Settings, db: Database, day: date | None, as_json: bool) -> None:
    from rich.table import Table

    from newsdesk.topics.service import compute_topics

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
            local_time(t.first_seen, settings),
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
    from zoneinfo import ZoneInfo

    from newsdesk.topics.detect import detect
    from newsdesk.topics.jsonl import read_items_jsonl
    from newsdesk.topics.service import topic_segmenter

    settings = state.settings
    moment = parse_moment(now, settings)
    loaded = read_items_jsonl(items, ZoneInfo(settings.timezone))
    topics = detect(loaded, moment, settings.topics, topic_segmenter(settings), top=top)
    if as_json:
        sys.stdout.write(json.dumps([t.as_json() for t in topics], ensure_ascii=False) + "\n")
        return
    for rank, topic in enumerate(topics, start=1):
        console.print(
            f"{rank}. {topic.label}  score {topic.score:.2f}, {len(topic.stories)} stories, {len(topic.sources)} sources"
        )
