"""Content templates (``newsdesk/content_templates/``, or the desk's own ``publish.templates_dir``
whose files replace the packaged ones): one per channel type and kind, plus the 话术库 scripts."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    UndefinedError,
    meta,
)

from newsdesk.config import Settings
from newsdesk.errors import ConfigError, ItemError


@cache
def _environment(directories: tuple[Path, ...]) -> Environment:
    return Environment(
        loader=FileSystemLoader([str(d) for d in directories]),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def _where(settings: Settings) -> str:
    return ", ".join(str(d) for d in settings.content_template_dirs)


def render_post(settings: Settings, channel_type: str, kind: str, **context: object) -> str:
    env = _environment(settings.content_template_dirs)
    try:
        template = env.select_template([f"{channel_type}/{kind}.j2", f"{channel_type}/default.j2"])
    except TemplateNotFound:
        raise ConfigError(
            f"缺少内容模板 / no content template for channel type {channel_type!r} in {_where(settings)}"
        ) from None
    return template.render(persona=settings.persona, **context)


def script_names(settings: Settings) -> list[str]:
    """Scripts of the desk's own folder and of the package (a desk's file replaces the packaged one)."""
    return sorted(
        {p.stem for d in settings.content_template_dirs for p in (d / "scripts").glob("*.j2")}
    )


def render_script(settings: Settings, name: str, variables: dict[str, str]) -> str:
    """One 话术库 script with its variables; missing variables are all named, not rendered empty."""
    if name not in script_names(settings):
        raise ItemError(f"no script {name!r} (have: {', '.join(script_names(settings))})")
    env = _environment(settings.content_template_dirs)
    template = env.get_template(f"scripts/{name}.j2")
    try:
        return template.render(persona=settings.persona, **variables)
    except UndefinedError as exc:
        missing = sorted(_variables(env, f"scripts/{name}.j2") - {"persona", *variables})
        listed = ", ".join(missing) or exc.message or "?"
        raise ItemError(
            f"话术 {name!r} 缺少变量 / script {name!r} needs a variable: {listed} "
            f"(--var {missing[0] if missing else 'NAME'}=...)"
        ) from exc
    except TemplateNotFound as exc:  # a desk's own script including a file it lacks
        raise ConfigError(
            f"缺少内容模板 / no content template {exc.name} in {_where(settings)}"
        ) from None


def _variables(env: Environment, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every variable a template and the templates it includes or extends read."""
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    tree = env.parse(source)
    names = set(meta.find_undeclared_variables(tree))
    for child in meta.find_referenced_templates(tree):
        if child and child not in seen:
            names |= _variables(env, child, seen | {name})
    return names
