"""Content templates (``content_templates/``, shipped in the package, or the desk's own
``publish.templates_dir`` whose files replace the packaged ones): one per channel type and kind, plus the 话术库 scripts.

What clients read is cleaned here, whatever wrote the draft: the machine labels
(【机器草稿…】, 本稿由机器…须经编辑审核后发布 — old stored drafts carry them) never
go out, and the citation markers either point into a source list or go away.
A template gets ``body`` (markers kept as ``[n]``, only numbers the brief
has), ``plain_body`` (no markers) and ``cited`` (the cited sources: number,
outlet, title and an http(s) link or None) and decides per channel type:
the outbox lists sources with links, the WeCom robot as markdown links, and
Apprise (any target, markup unknown) drops the markers and names the outlets
and titles only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    UndefinedError,
    meta,
)

from newsdesk.checks.units import MARKER, parse_marker
from newsdesk.config import Settings
from newsdesk.errors import ConfigError, ItemError, PostBlocked
from newsdesk.kinds import REGISTRY

# Labels the offline composer wrote into drafts for the review queue; never published.
MACHINE_LABELS = (
    re.compile(r"【[^】\n]*机器草稿[^】\n]*】"),
    re.compile(r"[^。！？!?\n]*本稿由机器[^。！？!?\n]*[。！？!?]?"),
)
_BLANK_RUNS = re.compile(r"\n{3,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+(?=[，。；：！？,.;:!?）)])")


@dataclass(frozen=True)
class Cited:
    number: int
    outlet: str
    title: str
    link: str | None


def strip_machine_labels(text: str) -> str:
    kept = []
    for line in text.splitlines():
        cleaned = line
        for label in MACHINE_LABELS:
            cleaned = label.sub("", cleaned)
        if cleaned.strip() or not line.strip():  # a line that held only a label goes with it
            kept.append(cleaned.rstrip())
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()


def _web_link(link: object) -> str | None:
    """Only http(s) links reach a post: a feed's javascript: or file: link never does."""
    if not isinstance(link, str):
        return None
    link = "".join(link.split())
    return link if urlsplit(link).scheme in ("http", "https") else None


def cite(text: str, sources: Iterable[Mapping[str, Any]]) -> tuple[str, str, list[Cited]]:
    """(body with markers as [n], body without markers, the sources the markers cite).

    A marker number the brief does not have is dropped; a marker left with none goes.
    """
    known = {int(s["number"]): s for s in sources if "number" in s}
    used: set[int] = set()

    def numbered(match: re.Match[str]) -> str:
        numbers = [n for n in parse_marker(match.group(1)) if n in known]
        used.update(numbers)
        return f"[{','.join(map(str, numbers))}]" if numbers else ""

    body = _SPACE_BEFORE_PUNCT.sub("", MARKER.sub(numbered, text))
    plain = _SPACE_BEFORE_PUNCT.sub("", MARKER.sub("", text))
    cited = [
        Cited(
            n,
            one_line(str(known[n].get("outlet") or "")),
            one_line(str(known[n].get("title") or "")),
            _web_link(known[n].get("link")),
        )
        for n in sorted(used)
    ]
    return body, plain, cited


def one_line(value: str) -> str:
    """A field from a feed or a fetched page as one line: its newlines and runs of space become
    one space. A feed title '\n# 伪造标题' otherwise became a heading of the published post."""
    return " ".join(value.split())


# Markdown a feed's text could use in a WeCom post: links, bold, code, <font> tags.
_MARKDOWN_MARKS = str.maketrans({"[": "［", "]": "］", "*": "＊", "`": "｀", "<": "＜", ">": "＞"})


def markdown_text(value: str) -> str:
    """Feed text in markdown: characters that would make a link, bold, code or a tag become
    their full-width forms (a page titled '降准 [点此领取红包](http://evil…)' was a live link)."""
    return value.translate(_MARKDOWN_MARKS)


def markdown_url(value: str) -> str:
    """A link target in markdown: characters that would end it are percent-encoded."""
    return value.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


@cache
def _environment(directories: tuple[Path, ...]) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d) for d in directories]),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["markdown_text"] = markdown_text
    env.filters["markdown_url"] = markdown_url
    return env


def _where(settings: Settings) -> str:
    return ", ".join(str(d) for d in settings.content_template_dirs)


def render_post(
    settings: Settings,
    channel_type: str,
    kind: str,
    *,
    body: str,
    sources: Iterable[Mapping[str, Any]] = (),
    **context: object,
) -> str:
    """A draft as a channel posts it: labels stripped, markers resolved against ``sources``."""
    body, plain_body, cited = cite(strip_machine_labels(body), sources)
    context |= {"body": body, "plain_body": plain_body, "cited": cited}
    if isinstance(context.get("title"), str):
        context["title"] = one_line(context["title"])  # type: ignore[arg-type]
    env = _environment(settings.content_template_dirs)
    names = [f"{channel_type}/{kind}.j2", f"{channel_type}/default.j2"]
    try:
        template = env.select_template(names)
        return template.render(persona=settings.persona, **context)
    except TemplateNotFound as exc:
        if exc.name not in names:  # an include of the template is missing
            raise PostBlocked(f"内容模板出错 / content template: no {exc.name}") from None
        raise ConfigError(
            f"缺少内容模板 / no content template for channel type {channel_type!r} in {_where(settings)}"
        ) from None
    except TemplateError as exc:  # this post fails; the run and the other posts go on
        raise PostBlocked(
            f"内容模板出错 / content template for {channel_type}/{kind} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def unreviewed_text(title: str, body: str, sources: Iterable[Mapping[str, Any]]) -> str:
    """What a post shows besides the reviewed body: its title and the cited sources, as the
    templates get them. The checks saw only the body; this is checked again at publish time."""
    _, _, cited = cite(strip_machine_labels(body), sources)
    return "\n".join([one_line(title), *(f"{c.outlet}《{c.title}》" for c in cited)])


# What every content template gets, for checking them all at start.
SAMPLE = {
    "title": "样例标题",
    "body": "样例正文[1]。",
    "sources": [{"number": 1, "outlet": "样例媒体", "title": "样例来源", "link": "https://e.com"}],
    "day": "2026-01-05",
    "slot_title": "样例栏目",
}


def template_problems(settings: Settings) -> list[str]:
    """Every content template of every configured channel type and kind, rendered against
    SAMPLE with StrictUndefined: one line per template that fails (empty when all render)."""
    problems: list[str] = []
    for channel_type in sorted({c.type for c in settings.channels}):
        for kind in REGISTRY:
            try:
                render_post(settings, channel_type, kind, **SAMPLE)  # type: ignore[arg-type]
            except (PostBlocked, ConfigError) as exc:
                problems.append(f"{channel_type}/{kind}: {exc}")
    for name in script_names(settings):
        problem = _script_problem(settings, name)
        if problem:
            problems.append(f"scripts/{name}: {problem}")
    return sorted(set(problems))


def _script_problem(settings: Settings, name: str) -> str | None:
    """A 话术 script rendered with a sample value for each variable it reads, or what fails."""
    env = _environment(settings.content_template_dirs)
    try:
        sample = {v: "示例" for v in _variables(env, f"scripts/{name}.j2") - {"persona"}}
        render_script(settings, name, sample)
    except (TemplateError, ItemError, ConfigError) as exc:
        return f"话术模板出错 / script template failed: {type(exc).__name__}: {exc}"
    return None


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
