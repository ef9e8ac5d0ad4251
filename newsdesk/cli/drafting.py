"""Drafting: ``newsdesk draft`` for a slot, ``newsdesk breaking`` on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from newsdesk.cli.base import app, console, open_db, parse_day, state, today

if TYPE_CHECKING:
    from newsdesk.config import Settings


@app.command("draft")
def draft_cmd(
    slot: Annotated[
        str, typer.Option("--slot", help="slot name from desk.yaml, e.g. morning_report")
    ],
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (default: the desk's working day)")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="offline | openai (default: llm.provider)")
    ] = None,
    new_version: Annotated[
        bool, typer.Option("--new-version", help="draft again even if the slot has a draft")
    ] = False,
) -> None:
    """Draft a slot (every audience segment), check, revise, and queue for review."""
    from rich.markup import escape
    from rich.table import Table

    from newsdesk.drafting.service import draft_slot, make_provider
    from newsdesk.topics.service import moment_for

    settings = state.settings
    db = open_db(settings)
    when = parse_day(day) or today(settings)
    writer = make_provider(settings, name=provider)
    now = datetime.now(UTC)
    # The day's items as `newsdesk topics --date` reads them: up to now while the day runs (an
    # item stamped later than now is not in the brief), to its end once it is over.
    outcomes = draft_slot(
        db, settings, slot, when, writer, new_version=new_version, now=moment_for(when, now)
    )
    if not outcomes:
        console.print(f"{when} 休市（非交易日）/ not a trading day: {slot} not drafted")
        return
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
    _warn_if_past(settings, slot, when)


def _warn_if_past(settings: Settings, slot: str, day: date) -> None:
    """A slot whose time has passed is drafted for review only: say so, not a minute later."""
    from newsdesk.clock import desk_clock
    from newsdesk.timetable import slot_time

    posts_at = slot_time(settings, settings.slot(slot), day)
    if posts_at <= desk_clock(settings).now():
        console.print(
            f"[yellow]注意[/]：{slot} 的发布时间 {posts_at:%Y-%m-%d %H:%M} 已过，本稿仅供审阅："
            "未批准的稿件在下一次 publish 运行（一分钟内）时过期，批准后则立即发出 / "
            "the slot's time has passed: drafted for review only; unless approved it expires "
            "at the next publish run (within a minute), approved it goes out at that run"
        )


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
    from rich.markup import escape

    from newsdesk.drafting.breaking import interpret_breaking
    from newsdesk.drafting.service import make_provider

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
