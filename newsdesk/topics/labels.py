"""What a topic is called: the specific names its reports share, in the order a headline gives them.

A story is named by the names most of its reports share (``names``), the proper name
first, written as the lead headline writes them (``label``: 贵州 + 茅台 -> 贵州茅台,
after the month most headlines name: 10月CPI). A topic of several stories about one
event is named by the event and each story's own name (``event_label``: 三季报：贵州茅台、
寒武纪、万科), so the label names every story an editor will find in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsdesk.text.normalise import normalise
from newsdesk.text.segment import Segmenter
from newsdesk.topics.specific import Specificity
from newsdesk.topics.stories import Story, TopicItem

HEADLINE = 1.5  # a name in a headline
LABEL_NAMES = 2
EVENT_STORIES = 3  # stories an event's label names; more are 等


@lru_cache(maxsize=65536)
def normal_title(title: str) -> str:
    """A headline normalised once: wire copies repeat it thousands of times."""
    return normalise(title)


@dataclass
class Entry:
    """A story of the current window as ranking and labelling read it."""

    story: Story
    terms: frozenset[str]
    item_terms: list[frozenset[str]]
    titles: str
    months: set[str]


def names(
    entries: Sequence[Entry], specific: Specificity, segmenter: Segmenter, naming: bool = False
) -> list[tuple[str, float]]:
    """Specific names the reports share, best first: weight x share of reports naming it, x1.5
    in a headline. ``naming`` (to call a topic, not to group it): x (1 + share of headlines
    naming it) instead, so what every headline says (现货黄金) comes before what one report's
    headline and the others' texts say (涨势). How many of the window's stories name it does not count against it here: a
    name in many stories today may be the day's burst (降准); ``link`` already kept report
    jargon (三季报, 收报) from joining stories."""
    items = [terms for e in entries for terms in e.item_terms]
    heads = [normal_title(i.title) for e in entries for i in e.story.items] if naming else []
    titles = " ".join(e.titles for e in entries)
    counts = Counter(t for terms in items for t in terms)
    scored = []
    for term, count in counts.items():
        share = count / len(items)
        if share < 0.5 or not specific.is_specific(term) or segmenter.is_ticker(term):
            continue
        if term not in titles:
            title = 1.0
        elif naming:
            title = 1.0 + sum(term in h for h in heads) / len(heads)
        else:
            title = HEADLINE
        scored.append((term, specific.weight(term) * share * title))
    return sorted(scored, key=lambda ts: (-ts[1], ts[0]))


def label(
    lead: TopicItem,
    chosen: list[str],
    shared: list[str],
    specific: Specificity,
    months: Counter[str],
    reports: int,
) -> str:
    """The names in the order the lead headline (then its text) gives them, neighbours written
    as one (贵州 + 茅台 -> 贵州茅台), after the month most headlines name (10月CPI). A proper
    name takes the shared names it is written with (华曜 + 半导体: the company 华曜半导体)."""
    text = normalise(f"{lead.title} {lead.summary}")
    chosen = chosen + [
        other
        for name in chosen
        if specific.is_name(name)
        for other in shared
        if other not in chosen and (name + other in text or other + name in text)
    ]
    placed = sorted((text.find(n) if n in text else len(text) + k, n) for k, n in enumerate(chosen))
    parts: list[str] = []
    end = -1
    for start, name in placed:
        if parts and start == end:
            parts[-1] += name
        else:
            parts.append(name)
        end = start + len(name)
    written = " ".join(parts)
    month, count = months.most_common(1)[0] if months else ("", 0)
    if month and 2 * count >= reports and month not in written:
        written = month + written
    return written


def story_name(
    lead: TopicItem,
    ranked: list[tuple[str, float]],
    specific: Specificity,
    anchor: Callable[[str], bool],
) -> str:
    """One story's name inside an event's label: its best proper name or abbreviation (寒武纪,
    CPI, 海关总署), else its best dictionary concept, else its best name, written with the
    shared names the lead writes beside it (贵州茅台)."""
    shared = [t for t, _ in ranked]
    proper = (t for t in shared if specific.is_name(t) or specific.is_abbreviation(t))
    best = next(proper, next((t for t in shared if anchor(t)), shared[0]))
    return label(lead, [best], shared, specific, Counter(), 1)


def event_label(event_head: str, story_names: Sequence[str]) -> str:
    """三季报：贵州茅台、寒武纪、万科 (the stories biggest first; more than three end in 等)."""
    distinct = list(dict.fromkeys(story_names))
    shown = "、".join(distinct[:EVENT_STORIES])
    return f"{event_head}：{shown}{'等' if len(distinct) > EVENT_STORIES else ''}"
