"""``newsdesk prefect``: the Prefect server side of a scaled-out desk."""

from __future__ import annotations

import typer

from newsdesk.cli.base import app, console, state

prefect_app = typer.Typer(
    help="Prefect server set-up for workers on many machines.", no_args_is_help=True
)
app.add_typer(prefect_app, name="prefect")


@prefect_app.command("setup")
def prefect_setup() -> None:
    """Create or update the work pool, the llm limit and the crash automation (safe to re-run)."""
    import httpx
    from rich.table import Table

    # flows/ is where Prefect lives; the CLI only dispatches to it.
    from flows.orchestration import api_url, setup
    from newsdesk.errors import ConfigError

    api = api_url()
    if not api:
        raise ConfigError(
            "PREFECT_API_URL 未设置 / PREFECT_API_URL is not set: "
            "export PREFECT_API_URL=http://prefect-host:4200/api"
        )
    try:
        done = setup(state.settings)
    except httpx.HTTPError as exc:
        raise ConfigError(
            f"Prefect 服务器无法访问 / cannot reach the Prefect server at {api}: {exc}"
        ) from exc
    table = Table(title=f"Prefect at {api}")
    table.add_column("what")
    table.add_column("result")
    for what, result in done:
        table.add_row(what, result)
    console.print(table)
