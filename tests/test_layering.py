"""The layers of DESIGN.md, read from the imports: the core never imports Prefect, tasks and
flows reach the store only through the core, the CLI takes nothing from the web app's views."""

from __future__ import annotations

import subprocess
import sys

from tests.imports import ROOT, files, imports


def offenders(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in files(*folders)
        for name in imports(path)
        if name.startswith(forbidden)
    )


def test_the_core_never_imports_prefect() -> None:
    assert offenders(("newsdesk",), ("prefect",)) == []


def test_tasks_and_flows_open_the_store_through_the_core() -> None:
    assert offenders(("tasks", "flows"), ("newsdesk.store",)) == []


def test_the_cli_borrows_nothing_from_the_web_views() -> None:
    assert offenders(("newsdesk/cli",), ("newsdesk.web.views", "newsdesk.web.routes")) == []


def test_the_cli_starts_without_the_heavy_packages() -> None:
    """``newsdesk --help`` stays quick (bench/startup.py times it): importing the CLI loads none
    of the libraries its commands use, which each command imports when it runs."""
    heavy = (
        "prefect",
        "openai",
        "exchange_calendars",
        "fastapi",
        "sqlalchemy",
        "jieba",
        "numpy",
        "pandas",
        "pydantic",
        "feedparser",
        "newsdesk.config",
        "newsdesk.store",
    )
    probe = "import sys, newsdesk.cli; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(out.stdout.split())
    assert sorted(loaded & set(heavy)) == []
