"""Render the chat messages for a brief from the Jinja2 templates in ``prompts/`` (shipped in
the package, see ``newsdesk.config.shipped_dir``), or the desk's own ``prompts_dir``, whose files
replace the packaged ones.

Untrusted text (feed titles, article bodies, a previous draft) only ever
appears between block markers, and the ``neutralise`` filter rewrites
anything inside it that looks like a block marker, so a feed item cannot close
its own block and speak as the desk. The system prompt never contains source
text at all.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief
from newsdesk.errors import ConfigError

_MARKER = re.compile(r"<<<|>>>")
LENGTHS = {
    "morning_report": "400-700 字",
    "viewpoint": "300-500 字",
    "intraday": "120-250 字",
    "interaction": "100-200 字",
    "close_summary": "300-500 字",
    "promo": "100-200 字",
    "research_digest": "400-700 字",
    "weekly_summary": "500-800 字",
    "breaking": "300-500 字",
}


def neutralise(text: object) -> str:
    return _MARKER.sub(lambda m: "‹‹‹" if m.group(0) == "<<<" else "›››", str(text))


@cache
def _environment(directories: tuple[Path, ...]) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d) for d in directories]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["neutralise"] = neutralise
    return env


def _render(settings: Settings, name: str, **context: object) -> str:
    """A rendered prompt template; a missing one (or a missing include of a desk's own template)
    is a one-line ConfigError naming the folders searched, not a traceback."""
    directories = settings.prompt_dirs
    try:
        return _environment(directories).get_template(name).render(**context)
    except TemplateNotFound as exc:
        where = ", ".join(str(d) for d in directories)
        raise ConfigError(f"缺少提示词模板 / no prompt template {exc.name} in {where}") from None


def system_prompt(settings: Settings, kind: str, disclaimer: str) -> str:
    return _render(
        settings,
        "system.j2",
        persona=settings.persona,
        disclaimer=disclaimer,
        length=LENGTHS.get(kind, "300-500 字"),
    )


def draft_messages(settings: Settings, brief: Brief, disclaimer: str) -> list[dict[str, str]]:
    user = _render(settings, f"{brief.kind}.j2", brief=brief)
    return [
        {"role": "system", "content": system_prompt(settings, brief.kind, disclaimer)},
        {"role": "user", "content": user},
    ]


def revision_messages(
    settings: Settings,
    brief: Brief,
    disclaimer: str,
    previous: str,
    reasons: list[str],
    note: str | None = None,
) -> list[dict[str, str]]:
    user = _render(
        settings, "revision.j2", brief=brief, previous=previous, reasons=reasons, note=note
    )
    return [
        {"role": "system", "content": system_prompt(settings, brief.kind, disclaimer)},
        {"role": "user", "content": user},
    ]
