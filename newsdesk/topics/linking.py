"""Stories from near-duplicate clusters: clusters whose reports share enough specific names
(cosine of their IDF-weighted names, ``story_link``) and name no different month are one
story — four outlets' differently worded reports of one quarterly result."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from newsdesk.topics.events import month_of
from newsdesk.topics.labels import normal_title
from newsdesk.topics.specific import Specificity
from newsdesk.topics.stories import Story, join

# A name carried by more stories than this in one window joins no two of them by itself:
# it is what the day is about (a burst), which grouping into topics handles, not a story key.
POSTING_CAP = 64
TITLE_WEIGHT = 2.0


def story_headlines(story: Story) -> str:
    """The story's headlines, normalised, each once: read only for whether a term is in one (a
    term holds no space, so none spans two of them)."""
    return " ".join(normal_title(title) for title in story.titles)


def story_months(story: Story) -> set[str]:
    """The months the story's headlines name."""
    return {month_of(title) for title in story.titles} - {""}


def months_conflict(a: set[str], b: set[str]) -> bool:
    """Two stories whose headlines name different months (10月CPI, 11月CPI) are different."""
    return bool(a) and bool(b) and a.isdisjoint(b)


def _vectors(
    clusters: Sequence[Story], term_sets: Sequence[frozenset[str]], specific: Specificity
) -> list[dict[str, float]]:
    """Specific names by weight, doubled for a name in a headline: what a report is about."""
    out = []
    for found, terms in zip(clusters, term_sets, strict=True):
        titles = story_headlines(found)
        out.append(
            {
                t: specific.weight(t) * (TITLE_WEIGHT if t in titles else 1.0)
                for t in terms
                if specific.is_specific(t)
            }
        )
    return out


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two name vectors; 0 unless they share two names: one shared word between two
    short headlines (固态电池龙头公告, 商业航天龙头公告) is not one story."""
    if len(a) > len(b):
        a, b = b, a
    common = [w * b[t] for t, w in a.items() if t in b]
    if len(common) < 2:
        return 0.0
    shared = sum(common)
    return shared / math.sqrt(sum(w * w for w in a.values()) * sum(w * w for w in b.values()))


def link(
    clusters: Sequence[Story],
    term_sets: Sequence[frozenset[str]],
    specific: Specificity,
    threshold: float,
    window_hours: float,
) -> list[Story]:
    """Join near-duplicate clusters into stories: reports that share enough specific names.

    Candidates are the pairs that share a specific name carried by at most
    ``POSTING_CAP`` clusters; union-find refuses merges that make a story span
    more than ``window_hours`` (``stories.join``) or put two months together.
    """
    vectors = _vectors(clusters, term_sets, specific)
    # The window's own spread too: report jargon (三季报, 收报) recurs across many of its
    # stories, a story's names only across its own reports.
    spread = Counter(t for vector in vectors for t in vector)
    for vector in vectors:
        for term in vector:
            vector[term] *= math.log(1 + len(vectors) / spread[term])
    months = [story_months(c) for c in clusters]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for term in vector:
            postings[term].append(index)
    pairs: set[tuple[int, int]] = set()
    for holders in postings.values():
        if 1 < len(holders) <= POSTING_CAP:
            pairs.update((x, y) for n, x in enumerate(holders) for y in holders[n + 1 :])
    xs: list[int] = []
    ys: list[int] = []
    for x, y in sorted(pairs):
        if _cosine(vectors[x], vectors[y]) >= threshold and not months_conflict(
            months[x], months[y]
        ):
            xs.append(x)
            ys.append(y)
    times = [c.first_seen.timestamp() for c in clusters]
    roots = join(xs, ys, times, window_hours * 3600)
    members: dict[int, list[Story]] = defaultdict(list)
    for root, story in zip(roots, clusters, strict=True):
        members[root].append(story)
    # A cluster no other joined stays the story it is (what was read from it stays read).
    merged = [group[0] if len(group) == 1 else Story.joined(group) for group in members.values()]
    return sorted(merged, key=lambda s: s.first_seen)
