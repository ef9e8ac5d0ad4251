"""Turn draft text, check reports and versions into safe HTML fragments.

Everything from feeds and LLMs is escaped first; the only markup added is
ours (<mark>, <a>, <ins>, <del>, <br>), and the result goes through nh3 with
exactly those tags allowed, so a feed title like ``<img src=x onerror=...>``
stays text however it reaches the page.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from markupsafe import Markup, escape

_TAGS = {"mark", "a", "ins", "del", "br", "span"}
_ATTRIBUTES = {"mark": {"class", "data-source", "title"}, "a": {"href", "class"}, "span": {"class"}}


def clean(html: str) -> Markup:
    return Markup(
        nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, link_rel=None, url_schemes=set())
    )


def _text(value: str) -> str:
    return str(escape(value)).replace("\n", "<br>")


def highlight(text: str, report: dict[str, Any] | None) -> Markup:
    """The draft with borrowed spans marked and linked to their source."""
    spans = sorted(
        (b["start"], b["end"], b["source"])
        for b in (report or {}).get("originality", {}).get("borrowed", [])
    )
    parts: list[str] = []
    position = 0
    for start, end, source in spans:
        if start < position:
            continue
        parts.append(_text(text[position:start]))
        parts.append(
            f'<mark class="borrowed" data-source="{int(source)}" title="借用自来源 {int(source)}">'
            f'{_text(text[start:end])}<a href="#source-{int(source)}" class="cite">[来源{int(source)}]</a></mark>'
        )
        position = end
    parts.append(_text(text[position:]))
    return clean("".join(parts))


def diff(previous: str, current: str) -> Markup:
    """Character-level diff of two versions: <del> what went, <ins> what came."""
    matcher = difflib.SequenceMatcher(None, previous, current, autojunk=False)
    parts: list[str] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(_text(current[b0:b1]))
            continue
        if a1 > a0:
            parts.append(f"<del>{_text(previous[a0:a1])}</del>")
        if b1 > b0:
            parts.append(f"<ins>{_text(current[b0:b1])}</ins>")
    return clean("".join(parts))


def local_time(value: datetime | str | None, fmt: str = "%m-%d %H:%M", *, zone: ZoneInfo) -> str:
    """A stored time (UTC, or an ISO string from a brief) as the desk reads it: in its own zone."""
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone).strftime(fmt)
