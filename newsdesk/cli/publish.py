"""The timetable and publishing: ``newsdesk slots``, ``publish``, ``posts``, ``script`` (话术库)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from newsdesk.cli.base import app, console, open_db, parse_day, parse_moment, state, today

if TYPE_CHECKING:
    from newsdesk.config import Settings

script_app = typer.Typer(help="话术库: welcome, group rules, announcements.", no_args_is_help=True)
app.add_typer(script_app, name="script")
posts_app = typer.Typer(
    help="Posts per channel: list them, settle an uncertain one.", no_args_is_help=True
)
app.add_typer(posts_app, name="posts")


@app.command("slots")
def slots_cmd(day: Annotated[str | None, typer.Option("--date")] = None) -> None:
    """The day's timetable: slot, kind, draft deadline, whether it runs, its drafts' states."""
    from rich.table import Table

    from newsdesk.review.queue import queue
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


def announce_template_problems(settings: Settings) -> None:
    """Every content template rendered against a sample at start: the broken ones are named
    now, not at slot time (their posts fail alone; the others still go)."""
    from rich.markup import escape

    from newsdesk.publish.render import template_problems

    for problem in template_problems(settings):
        console.print(f"[red]内容模板有误 broken content template[/] {escape(problem)}")


@app.command("publish")
def publish_cmd(
    now: Annotated[str | None, typer.Option(help="ISO-8601 time to act as (default: now)")] = None,
) -> None:
    """Remind editors, expire unapproved drafts past their slot, send approved ones that are due."""
    from rich.markup import escape

    from newsdesk.clock import desk_clock
    from newsdesk.publish.notices import notify_editors
    from newsdesk.publish.service import publish_due

    settings = state.settings
    moment = parse_moment(now, settings) if now else desk_clock(settings).now()
    announce_template_problems(settings)
    db = open_db(settings)
    notices = notify_editors(db, settings, moment)
    for label, ids in (("reminded", notices.reminded), ("escalated", notices.escalated)):
        if ids:
            console.print(f"[yellow]{label}[/] editors about drafts {', '.join(map(str, ids))}")
    for draft_id, error in notices.failed:
        console.print(f"[red]editor notice failed[/] (draft {draft_id}): {escape(error)}")
    report = publish_due(db, settings, moment)
    for draft_id, channel in report.sent:
        console.print(f"[green]sent[/] draft {draft_id} → {channel}")
    for draft_id, channel, error in report.failed:
        console.print(f"[red]failed[/] draft {draft_id} → {channel}: {escape(error)}")
    for draft_id, channel in report.uncertain:
        console.print(
            f"[yellow]uncertain[/] draft {draft_id} → {channel}: check the channel, then "
            "'newsdesk posts mark-sent' or 'newsdesk posts resend'"
        )
    for draft_id, channel in report.busy:
        console.print(f"busy draft {draft_id} → {channel}: another run is sending it")
    for draft_id, reason in report.skipped:
        console.print(f"[red]skipped[/] draft {draft_id}: {escape(reason)}")
    for draft_id in report.expired:
        console.print(f"[yellow]expired[/] draft {draft_id}: its slot passed unapproved")
    if report.empty:
        console.print("nothing due")


@posts_app.command("list")
def posts_list(
    state_name: Annotated[
        str | None, typer.Option("--state", help="pending, sending, sent, failed, uncertain")
    ] = None,
    draft: Annotated[int | None, typer.Option(help="only this draft's posts")] = None,
) -> None:
    """Posts newest first: draft, channel, version, state, parts delivered, problem."""
    from rich.markup import escape
    from rich.table import Table

    from newsdesk.publish.settle import list_posts

    rows = list_posts(open_db(state.settings), state=state_name, draft_id=draft)
    table = Table(title="posts")
    for column in ("id", "draft", "day", "channel", "v", "state", "parts", "problem"):
        table.add_column(column)
    for r in rows:
        version = f"{r.version} 更正" if r.corrects_id else str(r.version)
        table.add_row(
            str(r.id),
            str(r.draft_id),
            str(r.day),
            r.channel,
            version,
            r.state,
            f"{r.parts_sent}/{r.parts}",
            escape(r.last_error or ""),
        )
    console.print(table)


def _settle(post_id: int, action: str, username: str, note: str | None) -> None:
    from newsdesk.publish.settle import settle_post
    from newsdesk.review.accounts import actor_for

    db = open_db(state.settings)
    settled = settle_post(db, post_id, action, actor_for(db, username), note)
    console.print(
        f"post {post_id} of draft {settled.draft_id}: {settled.state}"
        + ("" if settled.state == "sent" else " (the next publish run sends what is left)")
    )


@posts_app.command("mark-sent")
def posts_mark_sent(
    post_id: int,
    as_user: Annotated[str, typer.Option("--as", help="the account that checked the channel")],
    note: Annotated[str | None, typer.Option(help="how you checked")] = None,
) -> None:
    """An uncertain post did arrive: record it as sent (audited)."""
    _settle(post_id, "mark_sent", as_user, note)


@posts_app.command("resend")
def posts_resend(
    post_id: int,
    as_user: Annotated[str, typer.Option("--as", help="the account that checked the channel")],
    note: Annotated[str | None, typer.Option(help="how you checked")] = None,
) -> None:
    """An uncertain post did not arrive: send it again at the next publish run (audited)."""
    _settle(post_id, "resend", as_user, note)


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
