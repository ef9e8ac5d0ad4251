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
from newsdesk.kinds import kind_spec
from newsdesk.text.normalise import desk_text

_MARKER = re.compile(r"<<<|>>>")


def neutralise(text: object) -> str:
    return _MARKER.sub(lambda m: "‹‹‹" if m.group(0) == "<<<" else "›››", str(text))


@cache
def _environment(directories: tuple[Path, ...], script: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d) for d in directories]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["neutralise"] = neutralise
    # Sources reach the model in the desk's script with one form of numbers (萬 -> 万, ０.２ -> 0.2).
    env.filters["desk"] = lambda text: desk_text(str(text), script)
    return env


def _render(settings: Settings, name: str, **context: object) -> str:
    """A rendered prompt template; a missing one (or a missing include of a desk's own template)
    is a one-line ConfigError naming the folders searched, not a traceback."""
    directories = settings.prompt_dirs
    try:
        script = str(getattr(settings, "script", "simplified"))
        return _environment(directories, script).get_template(name).render(**context)
    except TemplateNotFound as exc:
        where = ", ".join(str(d) for d in directories)
        raise ConfigError(f"缺少提示词模板 / no prompt template {exc.name} in {where}") from None


def system_prompt(settings: Settings, kind: str, disclaimer: str) -> str:
    return _render(
        settings,
        "system.j2",
        persona=settings.persona,
        disclaimer=disclaimer,
        length=kind_spec(kind).length,
        script=str(getattr(settings, "script", "simplified")),
    )


def draft_messages(settings: Settings, brief: Brief, disclaimer: str) -> list[dict[str, str]]:
    user = _render(settings, kind_spec(brief.kind).template, brief=brief)
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
