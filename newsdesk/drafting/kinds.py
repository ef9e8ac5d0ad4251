"""The one registry of content kinds: what a kind reads, how it is laid out, how long it is.

A new kind is one :class:`KindSpec` in :data:`REGISTRY` plus its files: a prompt template
``prompts/<name>.j2`` and a phrase file ``drafting/composer/phrases/<name>.toml``. The brief
(which sources), the prompt (its length), and the offline composer (its layout) all read the
kind from here; a kind not registered is refused when a brief is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# news: the day's news by story weight; topic: the top story's items only; pages: research
# pages; market: the market snapshot first, then news.
Reads = Literal["news", "topic", "pages", "market"]
# lines: numbered fact lines under headings (早报, 收盘); story: prose around one story's facts
# (观点); question: one story's fact and a discussion question (互动); brief: a few lines
# (盘中, 预告); digest: one paragraph per research page; breaking: the event's own facts.
Layout = Literal["lines", "story", "question", "brief", "digest", "breaking"]


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

    @property
    def template(self) -> str:
        return f"{self.name}.j2"


REGISTRY: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("morning_report", "news", "lines", "400-700 字", 8, 2, research=2),
        KindSpec("viewpoint", "topic", "story", "300-500 字", 1, 4),
        KindSpec("intraday", "market", "brief", "120-250 字", 2, 1),
        KindSpec("interaction", "topic", "question", "100-200 字", 1, 2),
        KindSpec("close_summary", "market", "lines", "300-500 字", 6, 2),
        KindSpec("promo", "news", "brief", "100-200 字", 1, 1),
        KindSpec("research_digest", "pages", "digest", "400-700 字", 5, 2),
        KindSpec("weekly_summary", "news", "lines", "500-800 字", 5, 2, window_hours=24.0 * 7),
        KindSpec("breaking", "news", "breaking", "300-500 字", 3, 3),
    )
}


def kind_spec(name: str) -> KindSpec:
    """The registered kind ``name``; unknown kinds are a configuration error."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown content kind {name!r} (known: {', '.join(REGISTRY)})") from None
