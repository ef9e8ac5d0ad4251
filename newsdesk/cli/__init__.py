"""The ``newsdesk`` command line. Every command calls the same service functions the flows call.

One module per command group; each registers its commands on the root app in
:mod:`newsdesk.cli.base` and imports the code it runs inside the command, so
start-up costs typer and rich only (bench/startup.py measures it).
"""

from __future__ import annotations

from importlib import import_module

from newsdesk.cli.base import app, err

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
for _group in GROUPS:
    import_module(f"newsdesk.cli.{_group}")


def main() -> None:
    """Console entry point: newsdesk errors become one red line and exit status 2."""
    from rich.markup import escape

    from newsdesk.errors import NewsdeskError

    try:
        app()
    except NewsdeskError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None


__all__ = ["app", "main"]
