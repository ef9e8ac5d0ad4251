"""``newsdesk check``: originality, citation, substance and compliance checks on text files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from newsdesk.cli.base import app, console, state


def read_text(path: Path) -> str:
    """A UTF-8 (or GB18030) text file; anything else is an InputError naming the file."""
    from newsdesk.errors import InputError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: not a text file")
    for name in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: not UTF-8 or GB18030 text")


@app.command("check")
def check_cmd(
    draft: Annotated[Path, typer.Argument(help="the draft, a text file")],
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", "-s", help="source files, numbered [1].. in order"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    channel: Annotated[
        str | None, typer.Option(help="require this channel's risk disclaimer")
    ] = None,
    slot: Annotated[
        str | None, typer.Option(help="apply this slot's rules (e.g. trade instructions)")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="content kind for the facts a draft must state (default: the slot's)"),
    ] = None,
    day_drafts: Annotated[
        list[Path] | None,
        typer.Option("--day-drafts", help="other drafts of the same day (repeated sentences)"),
    ] = None,
) -> None:
    """Run originality, citation, substance and compliance checks on files; exit 0 whether or not it passes."""
    from rich.markup import escape

    from newsdesk.checks.report import run_checks
    from newsdesk.errors import InputError
    from newsdesk.kinds import REGISTRY

    settings = state.settings
    text = read_text(draft)
    sources = [read_text(p) for p in source or []]
    others = [read_text(p) for p in day_drafts or []]
    if kind is not None and kind not in REGISTRY:
        raise InputError(f"no content kind named {kind!r} (kinds: {', '.join(REGISTRY)})")
    report = run_checks(
        text, sources, settings, channel=channel, slot=slot, kind=kind, day_drafts=others
    )
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
        return
    verdict = "[green]PASS[/]" if report.passed else "[red]FAIL[/]"
    o, c, s = report.originality, report.citations, report.substance
    console.print(
        f"{verdict}  originality {o.ratio:.0%} (≥ {o.threshold:.0%}), "
        f"citations recall {c.recall:.0%} precision {c.precision:.0%}, "
        f"facts {s.facts} (≥ {s.min_facts}), filler {s.filler_ratio:.0%}, "
        f"compliance {'ok' if report.compliance.passed else 'violations'}"
    )
    for line in report.reasons():
        console.print(escape(line))
