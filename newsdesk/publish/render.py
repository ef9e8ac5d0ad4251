"""Content templates (``content_templates/``): one per channel type and kind, plus the 话术库 scripts."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, UndefinedError

from newsdesk.config import Settings
from newsdesk.errors import ConfigError, ItemError


@cache
def _environment(directory: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def templates_dir(settings: Settings) -> Path:
    return settings.resolve(settings.publish.templates_dir)


def render_post(settings: Settings, channel_type: str, kind: str, **context: object) -> str:
    env = _environment(templates_dir(settings))
    try:
        template = env.select_template([f"{channel_type}/{kind}.j2", f"{channel_type}/default.j2"])
    except TemplateNotFound as exc:
        raise ConfigError(
            f"no content template for channel type {channel_type!r} in {templates_dir(settings)}"
        ) from exc
    return template.render(persona=settings.persona, **context)


def script_names(settings: Settings) -> list[str]:
    return sorted(p.stem for p in (templates_dir(settings) / "scripts").glob("*.j2"))


def render_script(settings: Settings, name: str, variables: dict[str, str]) -> str:
    """One 话术库 script with its variables; a missing variable is named, not rendered empty."""
    if name not in script_names(settings):
        raise ItemError(f"no script {name!r} (have: {', '.join(script_names(settings))})")
    template = _environment(templates_dir(settings)).get_template(f"scripts/{name}.j2")
    try:
        return template.render(persona=settings.persona, **variables)
    except UndefinedError as exc:
        raise ItemError(f"script {name!r} needs a variable: {exc.message}") from exc
