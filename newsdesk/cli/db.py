"""``newsdesk db``: the database schema."""

from __future__ import annotations

import typer

from newsdesk.cli.base import app, console, open_db, state

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to re-run)."""
    db = open_db(state.settings)
    console.print(f"database {db.safe_url} is up to date")


@db_app.command("check")
def db_check() -> None:
    """Exit non-zero unless the schema is at the newest migration."""
    open_db(state.settings, upgrade=False).check_current()
    console.print("schema is current")
