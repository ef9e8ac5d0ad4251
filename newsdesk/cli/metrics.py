"""``newsdesk metrics``: 日报 / 周报 / 月报 of the desk."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from newsdesk.cli.base import app, console, open_db, state, today
from newsdesk.metrics.tables import TABLES


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
    from rich.markup import escape
    from rich.table import Table

    from newsdesk.metrics.display import cell, summary
    from newsdesk.metrics.periods import parse_period
    from newsdesk.metrics.store import period_metrics
    from newsdesk.metrics.tables import rows, table, to_csv

    settings = state.settings
    if day is None and week is None and month is None:
        day = today(settings).isoformat()
    try:
        period = parse_period(day, week, month)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    metrics = period_metrics(open_db(settings), settings, period)
    if as_json:
        sys.stdout.write(json.dumps(metrics.as_json(), ensure_ascii=False) + "\n")
        return
    if as_csv:
        try:
            sys.stdout.write(to_csv(table(metrics, table_name)))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--table") from None
        return
    # Once, without the notes (tens of thousands in a month), which none of this shows.
    data = metrics.as_json(notes=False)
    console.print(
        f"[bold]{period.label}[/] ({period.start} – {period.end}): {escape(summary(data))}"
    )
    for name in ("slots", "sources", "providers", "failures"):
        shown = rows(data, name)
        if not shown:
            continue
        grid = Table(title=name)
        for column in shown[0]:
            grid.add_column(column)
        for row in shown:
            grid.add_row(*(escape(cell(k, v)) for k, v in row.items()))
        console.print(grid)
