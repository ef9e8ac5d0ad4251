"""The README stays true: every CLI command and every audit action is documented."""

from __future__ import annotations

from pathlib import Path

import typer

from newsdesk.cli import app
from newsdesk.review.states import Action

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: typer.Typer, prefix: str = "newsdesk") -> list[str]:
    names = [
        f"{prefix} {c.name or c.callback.__name__.removesuffix('_cmd').replace('_', '-')}"
        for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        names.append(f"{prefix} {sub.name}")
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in commands(app) if f"`{name}" not in README]
    assert missing == []


def test_every_review_action_is_in_the_readme() -> None:
    """Each action of the transition table is named in the README, as code."""
    missing = [a.value for a in Action if f"`{a.value}`" not in README]
    assert missing == []
