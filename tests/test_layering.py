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


# The CLI's entry commands start Prefect work (``newsdesk up``, ``newsdesk prefect setup``):
# the one place the core may reach up into flows/ (never tasks/).
CLI_ENTRY = "newsdesk/cli/"


def unit(module: str) -> str | None:
    """The part of the core a module belongs to: ``newsdesk.review.service`` -> ``review``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "newsdesk" and len(parts) > 1 else None


def core_graph() -> dict[str, set[str]]:
    """Which packages (and top-level modules) of newsdesk/ import which others."""
    graph: dict[str, set[str]] = {}
    for path in files("newsdesk"):
        rel = path.relative_to(ROOT / "newsdesk").parts
        source = rel[0].removesuffix(".py")
        targets = {unit(name) for name in imports(path)} - {None, source, "__version__"}
        graph.setdefault(source, set()).update(t for t in targets if t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_the_packages_of_the_core() -> None:
    """Each package of newsdesk/ builds on the ones below it: review never imports drafting
    or publish, the store never the feeds, research never the feeds, and so on."""
    assert cycles(core_graph()) == []


def test_the_core_imports_flows_only_from_the_cli_entry_commands() -> None:
    outside_cli = [
        o for o in offenders(("newsdesk",), ("flows", "tasks")) if not o.startswith(CLI_ENTRY)
    ]
    assert outside_cli == []
    assert offenders(("newsdesk/cli",), ("tasks",)) == []


def test_no_module_of_the_core_is_over_500_lines() -> None:
    """One job per module (issue 25): a module past 500 lines has more than one."""
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "newsdesk").rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}
