"""What every command group shares: the root Typer app, the consoles, the desk settings.

Only typer and rich are imported here (and by every group module at import time), so
``newsdesk --help`` answers at once; each command imports what it needs when it runs.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from newsdesk.config import Settings
    from newsdesk.store.db import Database

app = typer.Typer(
    help="newsdesk: the content desk of a securities advisory team.", no_args_is_help=True
)

console = Console()
err = Console(stderr=True)


class _State:
    config: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from newsdesk.config import load_settings

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
    from newsdesk.desk import open_store

    return open_store(settings, upgrade=upgrade)


def local_time(value: datetime | None, settings: Settings) -> str:
    """A stored time as the desk reads it: in the desk's time zone, to the minute."""
    from zoneinfo import ZoneInfo

    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")


def today(settings: Settings) -> date:
    """The desk's working day (the same rule as the queue page and the dashboard)."""
    from newsdesk.timetable import working_day

    return working_day(settings)


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_moment(value: str, settings: Settings) -> datetime:
    from zoneinfo import ZoneInfo

    from newsdesk.feeds.normalise import parse_time

    moment = parse_time(value, ZoneInfo(settings.timezone))
    if moment is None:
        raise typer.BadParameter(f"{value!r} is not an ISO-8601 time", param_hint="--now")
    return moment
