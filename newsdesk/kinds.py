"""The one registry of content kinds: what a kind reads, how it is laid out, how long it is.

A new kind is one :class:`KindSpec` in :data:`REGISTRY` plus its files: a prompt template
``prompts/<name>.j2`` and a phrase file ``drafting/composer/phrases/<name>.toml``. The brief
(which sources), the prompt (its length), the offline composer (its layout), the checks (its
minimum of facts) and the desk file (which kinds a slot may name, newsdesk/config) all read the
kind from here; a kind not registered is refused when the desk loads.

It sits at the top of the package, below both the config and drafting, so each can read it
without importing the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# news: the day's news by story weight; topic: the top story's items only; pages: research
# pages; market: the market snapshot first, then news.
Reads = Literal["news", "topic", "pages", "market"]
# lines: numbered fact lines under headings (早报, 收盘); story: prose around one story's facts
# (观点); question: one story's fact and a discussion question (互动); brief: a few lines
# (盘中, 预告); digest: one paragraph per research page; breaking: the event's own facts;
# programme: the desk's own programme (a replay, a live show), which no source states.
Layout = Literal["lines", "story", "question", "brief", "digest", "breaking", "programme"]


@dataclass(frozen=True)
class KindSpec:
    name: str
    reads: Reads
    layout: Layout
    length: str  # the prompt's length instruction
    stories: int  # at most this many stories (lines, or paragraphs) in an offline draft
    facts_per_story: int  # figures stated per story
    window_hours: float | None = None  # look-back for its sources; None: the drafting default
    research: int = 0  # research picks after the news (the 早报's 研报精选)
    # source facts a draft must state (checks.min_facts' default); None: checks.min_facts_default
    min_facts: int | None = None

    @property
    def template(self) -> str:
        return f"{self.name}.j2"


REGISTRY: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("morning_report", "news", "lines", "400-700 字", 8, 3, research=2, min_facts=4),
        KindSpec("viewpoint", "topic", "story", "300-500 字", 1, 4, research=1, min_facts=1),
        KindSpec("intraday", "market", "brief", "120-250 字", 2, 1, min_facts=1),
        KindSpec("interaction", "topic", "question", "100-200 字", 1, 2, min_facts=0),
        KindSpec("close_summary", "market", "lines", "300-500 字", 6, 2, min_facts=3),
        KindSpec("promo", "news", "programme", "100-200 字", 1, 1, min_facts=0),
        KindSpec("research_digest", "pages", "digest", "400-700 字", 5, 2, min_facts=4),
        KindSpec(
            "weekly_summary",
            "news",
            "lines",
            "500-800 字",
            5,
            2,
            window_hours=24.0 * 7,
            min_facts=3,
        ),
        # an event often comes without numbers; filler still fails
        KindSpec("breaking", "news", "breaking", "300-500 字", 3, 3, min_facts=0),
    )
}


def kind_spec(name: str) -> KindSpec:
    """The registered kind ``name``; unknown kinds are a configuration error."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(_unknown(name)) from None


def default_min_facts() -> dict[str, int]:
    """Each registered kind's minimum of source facts, for kinds that set one."""
    return {name: spec.min_facts for name, spec in REGISTRY.items() if spec.min_facts is not None}


def registered_kind(name: str) -> str:
    """``name`` if it is a registered kind; else ValueError listing the known ones (pydantic
    turns it into one line of the desk file's error)."""
    if name not in REGISTRY:
        raise ValueError(_unknown(name))
    return name


def _unknown(name: str) -> str:
    return f"unknown content kind {name!r} (known: {', '.join(REGISTRY)})"
