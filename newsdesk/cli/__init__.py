"""The ``newsdesk`` command line. Every command calls the same service functions the flows call.

One module per command group; each registers its commands on the root app in
:mod:`newsdesk.cli.base` and imports the code it runs inside the command, so
start-up costs typer and rich only (bench/startup.py measures it).

A run of one command registers only the group that defines it (``COMMANDS``): Typer builds
the click command of every registered command, inspecting its signature, before it runs the
one asked for (37 of them were a tenth of ``newsdesk metrics``'s whole-process CPU). Help, an
option before any command and a name not listed register them all, as does ``app`` read from
here (``from newsdesk.cli import app``: the docs and tests see every command).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from newsdesk.cli.base import err

if TYPE_CHECKING:
    import typer

# Each group module registers its commands when imported; this order is ``newsdesk --help``'s.
GROUPS = (
    "db",
    "feeds",
    "topics",
    "drafting",
    "checks",
    "users",
    "review",
    "desk",
    "publish",
    "metrics",
    "orchestration",
)
# The group that registers each top-level command or sub-app (tests/test_cli_dispatch.py
# checks it against what the groups register); a name missing here still runs, with all
# the groups registered.
COMMANDS = {
    "db": "db",
    "ingest": "feeds",
    "sources": "feeds",
    "items": "feeds",
    "feed": "feeds",
    "item": "feeds",
    "topics": "topics",
    "draft": "drafting",
    "breaking": "drafting",
    "check": "checks",
    "users": "users",
    "review": "review",
    "slots": "desk",
    "init": "desk",
    "web": "desk",
    "demo": "desk",
    "up": "desk",
    "serve-demo": "desk",
    "script": "desk",
    "publish": "publish",
    "posts": "publish",
    "metrics": "metrics",
    "prefect": "orchestration",
}
_OPTIONS_WITH_VALUES = ("--config", "-c")


def register(groups: tuple[str, ...] = GROUPS) -> typer.Typer:
    """The root app with ``groups``' commands registered (each once; in GROUPS order)."""
    from newsdesk.cli.base import app

    for group in GROUPS:
        if group in groups:
            import_module(f"newsdesk.cli.{group}")
    return app


def groups_for(args: list[str]) -> tuple[str, ...]:
    """The groups a run with ``args`` needs: the one defining its command, else all."""
    rest = iter(args)
    for arg in rest:
        if arg in _OPTIONS_WITH_VALUES:
            next(rest, None)
        elif arg.startswith("--config="):
            continue
        elif arg.startswith("-"):
            return GROUPS  # --help, --install-completion ...: every command
        else:
            group = COMMANDS.get(arg)
            return (group,) if group else GROUPS
    return GROUPS


def __getattr__(name: str) -> object:
    if name == "app":
        return register()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console entry point: newsdesk errors become one red line and exit status 2."""
    import sys

    from rich.markup import escape

    from newsdesk.errors import NewsdeskError

    app = register(groups_for(sys.argv[1:]))
    try:
        app()
    except NewsdeskError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None


__all__ = ["COMMANDS", "GROUPS", "app", "groups_for", "main", "register"]
