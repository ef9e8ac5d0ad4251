"""``newsdesk users``: desk accounts (editor, compliance, admin)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from newsdesk.cli.base import app, console, local_time, open_db, state

users_app = typer.Typer(help="Desk accounts (editor, compliance, admin).", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="editor | compliance | admin")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
) -> None:
    """Create an account (argon2-hashed password)."""
    from newsdesk.review.accounts import add_user

    add_user(open_db(state.settings), username, password, role, name)
    console.print(f"user {username} ({role}) created")


@users_app.command("list")
def users_list() -> None:
    """Every account with its role and status."""
    from rich.table import Table

    from newsdesk.review.accounts import list_users

    table = Table(title="users")
    for column in ("username", "name", "role", "active", "last login"):
        table.add_column(column)
    settings = state.settings
    for user in list_users(open_db(settings)):
        table.add_row(
            user.username,
            user.display_name,
            user.role,
            "yes" if user.active else "[red]disabled[/]",
            local_time(user.last_login_at, settings),
        )
    console.print(table)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account and revoke its API tokens."""
    from newsdesk.review.accounts import set_active

    set_active(open_db(state.settings), username, False)
    console.print(f"user {username} disabled")


@users_app.command("enable")
def users_enable(username: str) -> None:
    from newsdesk.review.accounts import set_active

    set_active(open_db(state.settings), username, True)
    console.print(f"user {username} enabled")


@users_app.command("passwd")
def users_passwd(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a new password."""
    from newsdesk.review.accounts import set_password

    set_password(open_db(state.settings), username, password)
    console.print(f"password of {username} changed")


@users_app.command("token")
def users_token(
    username: str,
    name: Annotated[str, typer.Option("--name", help="what the token is for")] = "default",
) -> None:
    """Issue a named API token for a script (shown once); the user's other tokens keep working."""
    from newsdesk.review.accounts import issue_token

    sys.stdout.write(issue_token(open_db(state.settings), username, name) + "\n")


@users_app.command("tokens")
def users_tokens(username: Annotated[str | None, typer.Argument()] = None) -> None:
    """The API tokens (names, not secrets): created, last used, revoked."""
    from rich.table import Table

    from newsdesk.review.accounts import list_tokens

    settings = state.settings
    table = Table(title="API tokens")
    for column in ("user", "name", "created", "last used", "revoked"):
        table.add_column(column)
    for t in list_tokens(open_db(settings), username):
        table.add_row(
            t.username,
            t.name,
            local_time(t.created_at, settings),
            local_time(t.last_used_at, settings),
            local_time(t.revoked_at, settings) if t.revoked_at else "—",
        )
    console.print(table)


@users_app.command("revoke-token")
def users_revoke_token(username: str, name: str) -> None:
    """Revoke one named API token; the user's others keep working."""
    from newsdesk.review.accounts import revoke_token

    revoke_token(open_db(state.settings), username, name)
    console.print(f"token {name!r} of {username} revoked")
