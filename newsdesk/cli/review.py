"""``newsdesk review``: the review queue from the terminal."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from newsdesk.cli.base import app, console, open_db, parse_day, state, today

review_app = typer.Typer(help="The review queue from the terminal.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    day: Annotated[str | None, typer.Option("--date")] = None,
    slot: Annotated[str | None, typer.Option()] = None,
    state_name: Annotated[str | None, typer.Option("--state")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The queue: the working day's drafts and earlier days' undecided ones (or --date D's)."""
    from rich.table import Table

    from newsdesk.review.queue import queue
    from newsdesk.review.serialise import row_json

    settings = state.settings
    working = today(settings)
    shown = parse_day(day) or working
    rows = queue(
        open_db(settings), day=shown, carry_open=shown == working, slot=slot, state=state_name
    )
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
    from rich.markup import escape

    from newsdesk.review.accounts import Actor
    from newsdesk.review.serialise import draft_json

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
    from newsdesk.review.accounts import actor_for
    from newsdesk.review.service import get_draft, transition

    settings = state.settings
    db = open_db(settings)
    expected = lock if lock is not None else get_draft(db, draft_id).lock_version
    result = transition(
        db,
        settings,
        draft_id,
        action,
        actor_for(db, username),
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
