"""Turn draft text, check reports and versions into safe HTML fragments.

Everything from feeds and LLMs is escaped first; the only markup added is
ours (<mark>, <a>, <ins>, <del>, <br>), and the result goes through nh3 with
exactly those tags allowed, so a feed title like ``<img src=x onerror=...>``
stays text however it reaches the page.
"""

from __future__ import annotations

import difflib
import os
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


# A diff costs about the product of its two sides: two API edits of 20,000 repeated
# characters made every view of the draft cost 57 s of CPU. Lines are compared first, then
# characters within the changed stretches, all of it within this many compared pairs; a
# stretch past the budget is shown whole, as deleted and inserted.
DIFF_PAIRS = 500_000


def diff(previous: str, current: str) -> Markup:
    """Diff of two versions, by line and then by character within changed stretches:
    <del> what went, <ins> what came. Its cost is bounded whatever the texts are."""
    parts: list[str] = []
    for old, new, same in changes(previous, current):
        if same:
            parts.append(_text(new))
            continue
        if old:
            parts.append(f"<del>{_text(old)}</del>")
        if new:
            parts.append(f"<ins>{_text(new)}</ins>")
    return clean("".join(parts))


def changes(previous: str, current: str) -> list[tuple[str, str, bool]]:
    """(old, new, same) stretches that rebuild both texts in order; ``same`` ones are equal."""
    head = len(os.path.commonprefix([previous, current]))
    rest = min(len(previous), len(current)) - head
    tail = len(os.path.commonprefix([previous[::-1][:rest], current[::-1][:rest]]))
    old, new = previous[head : len(previous) - tail], current[head : len(current) - tail]
    stretches = [(previous[:head], current[:head], True)] if head else []
    stretches += _Differ().lines(old, new)
    if tail:
        stretches.append((previous[len(previous) - tail :], current[len(current) - tail :], True))
    return stretches


class _Differ:
    """One diff's spending of the DIFF_PAIRS budget."""

    def __init__(self) -> None:
        self.left = DIFF_PAIRS

    def _afford(self, pairs: int) -> bool:
        if pairs > self.left:
            return False
        self.left -= pairs
        return True

    def lines(self, old: str, new: str) -> list[tuple[str, str, bool]]:
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        if not self._afford(len(old_lines) * len(new_lines)):
            return self.chars(old, new)
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        stretches: list[tuple[str, str, bool]] = []
        for op, a0, a1, b0, b1 in matcher.get_opcodes():
            a, b = "".join(old_lines[a0:a1]), "".join(new_lines[b0:b1])
            stretches += [(a, b, True)] if op == "equal" else self.chars(a, b)
        return stretches

    def chars(self, old: str, new: str) -> list[tuple[str, str, bool]]:
        if not old or not new or not self._afford(len(old) * len(new)):
            return [(old, new, False)] if old or new else []
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        return [
            (old[a0:a1], new[b0:b1], op == "equal") for op, a0, a1, b0, b1 in matcher.get_opcodes()
        ]


def local_time(value: datetime | str | None, fmt: str = "%m-%d %H:%M", *, zone: ZoneInfo) -> str:
    """A stored time (UTC, or an ISO string from a brief) as the desk reads it: in its own zone."""
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone).strftime(fmt)
