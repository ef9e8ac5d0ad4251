"""The timetable and publishing: ``newsdesk slots``, ``publish``, ``script`` (话术库)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from newsdesk.cli.base import app, console, open_db, parse_day, parse_moment, state, today

script_app = typer.Typer(help="话术库: welcome, group rules, announcements.", no_args_is_help=True)
app.add_typer(script_app, name="script")


@app.command("slots")
def slots_cmd(day: Annotated[str | None, typer.Option("--date")] = None) -> None:
    """The day's timetable: slot, kind, draft deadline, whether it runs, its drafts' states."""
    from rich.table import Table

    from newsdesk.review.service import queue
    from newsdesk.timetable import slots_for_day

    settings = state.settings
    db = open_db(settings)
    when = parse_day(day) or today(settings)
    rows = queue(db, day=when, drafting=True)
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
    from rich.markup import escape

    from newsdesk.publish.service import publish_due

    settings = state.settings
    moment = parse_moment(now, settings) if now else datetime.now(UTC)
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
    from newsdesk.publish.render import render_script

    variables = {}
    for pair in var or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not k=v", param_hint="--var")
        variables[key] = value
    sys.stdout.write(render_script(state.settings, name, variables))


@script_app.command("list")
def script_list() -> None:
    from newsdesk.publish.render import script_names

    for name in script_names(state.settings):
        console.print(name)
