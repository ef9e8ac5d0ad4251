"""Hot-topic detection over a list of items: pure, no store, no clock.

items -> stories (``stories.cluster``) -> terms per story (``text.segment``)
-> windows by trading-day close -> term and term-pair burst scores
(``burst``) -> hot terms grouped by the stories they share -> ranked topics
with their evidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsdesk.config import TopicSettings
from newsdesk.text.segment import Segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.burst import (
    Scored,
    Term,
    Window,
    ewma_weights,
    expected_count,
    pair_counts,
    z_score,
)
from newsdesk.topics.stories import Story, TopicItem, cluster

CANDIDATES = 40


@dataclass
class Topic:
    label: str
    terms: list[str]
    score: float
    stories: list[Story]
    first_seen: datetime
    count: int
    expected: float
    series: list[tuple[str, int]] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({s for story in self.stories for s in story.sources})

    @property
    def item_ids(self) -> list[str]:
        return [item.id for story in self.stories for item in story.items]

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "terms": self.terms,
            "score": round(self.score, 4),
            "stories": len(self.stories),
            "sources": len(self.sources),
            "item_ids": self.item_ids,
        }


def windows(now: datetime, count: int, calendar: TradingCalendar) -> list[Window]:
    """The current window and ``count`` trailing ones, newest first."""
    start = calendar.previous_close(now)
    out = [Window(start, now)]
    day = start.astimezone(SHANGHAI).date()
    for _ in range(count):
        earlier = calendar.previous_trading_day(day)
        out.append(Window(calendar.close_at(earlier), calendar.close_at(day)))
        day = earlier
    return out


def _window_index(when: datetime, spans: Sequence[Window]) -> int | None:
    for index, span in enumerate(spans):
        if span.start <= when < span.end or (index == 0 and when == span.end):
            return index
    return None


def detect(
    items: Sequence[TopicItem],
    now: datetime,
    settings: TopicSettings,
    segmenter: Segmenter,
    calendar: TradingCalendar | None = None,
    top: int | None = None,
    stories: Sequence[Story] | None = None,
) -> list[Topic]:
    """Rank today's hot topics among ``items`` as of ``now``.

    ``stories``: the items already clustered (``cluster``), when the caller stores them too.
    """
    calendar = calendar or TradingCalendar()
    spans = windows(now, settings.trailing_windows, calendar)
    oldest = spans[-1].start - timedelta(hours=settings.story_window_hours)
    if stories is None:
        usable = [i for i in items if oldest <= i.published <= now]
        stories = cluster(usable, settings.story_similarity, settings.story_window_hours)
    by_window: list[list[tuple[Story, frozenset[str]]]] = [[] for _ in spans]
    seen: dict[str, frozenset[str]] = {}  # wire copies repeat the same text many times
    for story in stories:
        index = _window_index(story.first_seen, spans)
        if index is None:
            continue
        terms: set[str] = set()
        for text in {f"{i.title} {i.summary}" for i in story.items}:
            if text not in seen:
                seen[text] = frozenset(segmenter.content_terms(text))
            terms |= seen[text]
        by_window[index].append((story, frozenset(terms)))
    current = by_window[0]
    if not current:
        return []
    baseline = [Counter(t for _, terms in w for t in terms) for w in by_window[1:]]
    sizes = [len(w) for w in by_window[1:]]
    weights = ewma_weights(len(baseline), settings.half_life)
    counts = Counter(t for _, terms in current for t in terms)
    outlets: dict[str, set[str]] = {}
    for story, terms in current:
        carriers = story.sources  # computed over the story's items: once, not once per term
        for term in terms:
            outlets.setdefault(term, set()).update(carriers)

    def scored(term: Term, count: int, sources: int, base: Sequence[Counter[Term]]) -> Scored:
        expected = expected_count(term, base, sizes, weights, len(current))
        return Scored(term, z_score(count, expected), count, expected, sources)

    singles = [
        scored(t, c, len(outlets[t]), baseline)
        for t, c in counts.items()
        if c >= settings.min_stories and len(outlets[t]) >= settings.min_sources
    ]
    hot = sorted(
        (s for s in singles if s.score >= settings.min_score), key=lambda s: (-s.score, s.term)
    )
    hot = hot[:CANDIDATES]
    vocabulary = {str(s.term) for s in hot}
    pair_now = pair_counts((terms for _, terms in current), vocabulary)
    pair_base = [pair_counts((terms for _, terms in w), vocabulary) for w in by_window[1:]]
    pairs = {
        p: scored(p, c, 0, pair_base).score
        for p, c in pair_now.items()
        if c >= settings.min_stories
    }
    return _group(
        hot, pairs, current, by_window, spans, settings, top or settings.top, segmenter.is_known
    )


def _group(
    hot: list[Scored],
    pairs: dict[Term, float],
    current: list[tuple[Story, frozenset[str]]],
    by_window: list[list[tuple[Story, frozenset[str]]]],
    spans: list[Window],
    settings: TopicSettings,
    top: int,
    is_known: Callable[[str], bool],
) -> list[Topic]:
    """Group hot terms into topics; dictionary terms (sectors, concepts, companies) lead first."""
    with_term = {str(s.term): {id(st) for st, terms in current if s.term in terms} for s in hot}
    assigned: set[str] = set()
    topics: list[Topic] = []
    for lead in sorted(hot, key=lambda s: -s.score * (1.5 if is_known(str(s.term)) else 1.0)):
        name = str(lead.term)
        if name in assigned:
            continue
        mine = with_term[name]
        group = [name]
        for other in hot:
            other_name = str(other.term)
            if other_name in assigned or other_name == name or len(group) >= settings.max_terms:
                continue
            theirs = with_term[other_name]
            if len(mine & theirs) >= settings.group_overlap * len(theirs):
                group.append(other_name)
        assigned.update(group)
        # Name the topic after its most widespread term: the one most of its stories share.
        group.sort(key=lambda t: (-len(with_term[t]), not is_known(t), t))
        name = group[0]
        partner, pair_score = _best_partner(name, group, pairs)
        label = f"{name} / {partner}" if partner else name
        lead = next(s for s in hot if s.term == name)
        # Generic co-terms (政策, 出台) describe the topic but must not pull in other stories.
        anchors = {name} | {t for t in group if is_known(t)}
        members = [story for story, terms in current if terms & anchors]
        series = [
            (span.end.astimezone(SHANGHAI).date().isoformat(), sum(1 for _, t in w if name in t))
            for span, w in zip(reversed(spans), reversed(by_window), strict=True)
        ]
        topics.append(
            Topic(
                label,
                group,
                max(max(s.score for s in hot if s.term in group), pair_score),
                members,
                min(s.first_seen for s in members),
                lead.count,
                lead.expected,
                series,
            )
        )
    topics.sort(key=lambda t: (-t.score, t.label))
    return topics[:top]


def _best_partner(
    lead: str, group: list[str], pairs: dict[Term, float]
) -> tuple[str | None, float]:
    best: tuple[str | None, float] = (None, float("-inf"))
    for other in group[1:]:
        score = pairs.get(tuple(sorted((lead, other))), float("-inf"))  # type: ignore[arg-type]
        if score > best[1]:
            best = (other, score)
    if best[0] is None and len(group) > 1:
        return group[1], float("-inf")
    return best
