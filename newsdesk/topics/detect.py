"""Hot-topic detection over a list of items: pure, no store, no clock.

items -> near-duplicate clusters (``stories.cluster``: wire copies, one text in
both scripts) -> stories: clusters that share enough specific names (cosine
of their IDF-weighted names, ``story_link``) and name no different month, so
four outlets' differently worded reports of one quarterly result are one story
-> topics: stories grouped under the name they are about (two reports on
one company, one body's two releases of one month) -> ranked by distinct
outlets, multiplied by the burst of the topic's name against the trailing
windows when the desk has history (``burst``) -> labelled from the specific
names most of its reports share (``specific``), in the order the lead
headline gives them.

Everything is read on the normalised text (one script, one form of numbers):
terms come from ``Segmenter.content_terms``, which normalises first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsdesk.config import TopicSettings
from newsdesk.text.segment import Segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.burst import Window, ewma_weights, expected_count, z_score
from newsdesk.topics.events import Event, event_of, head, month_of
from newsdesk.topics.labels import (
    LABEL_NAMES,
    Entry,
    event_label,
    label,
    names,
    story_name,
)
from newsdesk.topics.linking import link, months_conflict, story_headlines, story_months
from newsdesk.topics.specific import Specificity
from newsdesk.topics.stories import Story, Text, TopicItem, cluster, normaliser


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


@dataclass
class Analysis:
    """Every story of the windows read (for the store) and the current window's ranked topics."""

    stories: list[Story]
    topics: list[Topic]


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


def _window_index(when: float, bounds: Sequence[tuple[float, float]]) -> int | None:
    """The window (by its start and end timestamps) a timestamp falls in; the current window
    holds its end (now). Timestamps, not aware datetimes: each of those compares offsets."""
    for index, (start, end) in enumerate(bounds):
        if start <= when < end or (index == 0 and when == end):
            return index
    return None


class _Reader:
    """Terms per distinct text, each segmented once (wire copies repeat texts), and per story."""

    def __init__(self, segmenter: Segmenter, normal: Callable[[str], str]) -> None:
        self._segmenter = segmenter
        self._normal = normal
        # By (title, summary): the text "title summary" is only made to segment it.
        self._terms: dict[Text, frozenset[str]] = {}
        # By id: one analysis holds every story it reads for as long as this reader lives.
        self._stories: dict[int, frozenset[str]] = {}

    def _text_terms(self, text: Text) -> frozenset[str]:
        found = self._terms.get(text)
        if found is None:
            normal = self._normal(f"{text[0]} {text[1]}")
            found = frozenset(self._segmenter.content_terms(normal, normalised=True))
            self._terms[text] = found
        return found

    def terms(self, item: TopicItem) -> frozenset[str]:
        return self._text_terms((item.title, item.summary))

    def story_terms(self, story: Story) -> frozenset[str]:
        found = self._stories.get(id(story))
        if found is None:
            texts = story.texts
            # One text (a story of wire copies): its own set, not a copy of it.
            found = (
                self._text_terms(next(iter(texts)))
                if len(texts) == 1
                else frozenset().union(*map(self._text_terms, texts))
            )
            self._stories[id(story)] = found
        return found


def _group(
    entries: list[Entry],
    names: list[dict[str, float]],
    overlap: float,
    anchor: Callable[[str], bool],
) -> list[int]:
    """Stories about one name form one topic; returns each story's group (an index).

    Stories with the same key (best) name form a group; smaller groups then join the largest
    group whose key most of their stories carry with ``overlap`` of their best name's score. The
    name must be an ``anchor`` (a company, a body, a dictionary concept) or the two must share
    another name (a common noun alone, 收官 of a car market and of a fund year, joins nothing),
    and their headlines must not name different months. One hop only: a group that took others
    in stays put, so a roundup naming three of the day's stories does not chain them together.
    """
    keys = [max(n.items(), key=lambda ts: (ts[1], ts[0]))[0] if n else "" for n in names]

    def _joins(a: int, b: int, name: str) -> bool:
        if months_conflict(entries[a].months, entries[b].months):
            return False
        return anchor(name) or len(names[a].keys() & names[b].keys()) >= 2

    def _most_about(head: int, name: str) -> bool:
        """Most of the group's stories are about ``name`` too, not only its first one."""
        about = [n for n in members[head] if names[n].get(name, 0.0) >= overlap * top[n]]
        return 2 * len(about) > len(members[head])

    top = [max(n.values(), default=0.0) for n in names]
    group = list(range(len(entries)))
    members: dict[int, list[int]] = defaultdict(list)
    first: dict[str, list[int]] = defaultdict(list)  # key -> group heads under it
    for n, key in enumerate(keys):
        # A story without names (key "") joins none: try no heads (hundreds of them a day).
        head = next((h for h in first[key] if _joins(h, n, key)), None) if key else None
        if head is not None:
            group[n] = head
        else:
            first[key].append(n)
        members[group[n]].append(n)
    fixed: set[int] = set()
    for head in sorted(members, key=lambda h: (len(members[h]), h)):
        scores = names[head]
        if head in fixed or head not in members or not scores:
            continue
        best = max(scores.values())
        options = [
            other
            for term, score in scores.items()
            if term != keys[head] and score >= overlap * best and _most_about(head, term)
            for other in first.get(term, [])
            if other != head and members[other] and _joins(other, head, term)
        ]
        if options:
            target = max(options, key=lambda h: (len(members[h]), -h))
            for n in members.pop(head):
                group[n] = target
                members[target].append(n)
            fixed.add(target)
    return group


def detect(
    items: Sequence[TopicItem],
    now: datetime,
    settings: TopicSettings,
    segmenter: Segmenter,
    calendar: TradingCalendar | None = None,
    top: int | None = None,
    stories: Sequence[Story] | None = None,
) -> list[Topic]:
    """Rank today's hot topics among ``items`` as of ``now`` (see ``analyse``)."""
    return analyse(items, now, settings, segmenter, calendar, top, stories).topics


def analyse(
    items: Sequence[TopicItem],
    now: datetime,
    settings: TopicSettings,
    segmenter: Segmenter,
    calendar: TradingCalendar | None = None,
    top: int | None = None,
    clusters: Sequence[Story] | None = None,
    normal: Callable[[str], str] | None = None,
) -> Analysis:
    """Stories of every window read and the current window's ranked topics, as of ``now``.

    ``clusters``: the items already clustered into near-duplicates (``cluster``), and
    ``normal`` the ``normaliser`` that clustering used, if any: each text is normalised once.
    """
    calendar = calendar or TradingCalendar()
    spans = windows(now, settings.trailing_windows, calendar)
    normal = normal or normaliser()
    if clusters is None:
        oldest = spans[-1].start - timedelta(hours=settings.story_window_hours)
        usable = [i for i in items if oldest <= i.published <= now]
        clusters = cluster(
            usable, settings.story_similarity, settings.story_window_hours, normal=normal
        )
    reader = _Reader(segmenter, normal)
    by_window: list[list[Story]] = [[] for _ in spans]
    bounds = [(span.start.timestamp(), span.end.timestamp()) for span in spans]
    for found in clusters:
        index = _window_index(found.first_seen.timestamp(), bounds)
        if index is not None:
            by_window[index].append(found)
    # History first: what the desk's recent stories call common decides what is specific today.
    cluster_terms = [[reader.story_terms(c) for c in w] for w in by_window]
    history = Counter(t for w in cluster_terms[1:] for terms in w for t in terms)
    specific = Specificity(
        settings, segmenter.tag, history, sum(len(w) for w in by_window[1:]), segmenter.is_known
    )
    linked: list[list[Story]] = [
        link(w, terms, specific, settings.story_link, settings.story_window_hours)
        for w, terms in zip(by_window, cluster_terms, strict=True)
    ]
    found_stories = sorted((s for w in linked for s in w), key=lambda s: s.first_seen)
    topics = _topics(linked, spans, reader, specific, settings, segmenter)
    return Analysis(found_stories, topics[: top or settings.top])


def _topics(
    linked: list[list[Story]],
    spans: list[Window],
    reader: _Reader,
    specific: Specificity,
    settings: TopicSettings,
    segmenter: Segmenter,
) -> list[Topic]:
    current = linked[0]
    if not current:
        return []
    entries = []
    for story in current:
        item_terms = [reader.terms(i) for i in story.items]
        entries.append(
            Entry(
                story,
                frozenset().union(*item_terms),
                item_terms,
                story_headlines(story),
                story_months(story),
            )
        )
    spread = Counter(t for e in entries for t in e.terms)
    baseline = [Counter(t for s in w for t in reader.story_terms(s)) for w in linked[1:]]
    sizes = [len(w) for w in linked[1:]]
    weights = ewma_weights(len(baseline), settings.half_life)
    bursts: dict[str, float] = {}

    def burst_of(term: str) -> float:
        """A name's burst (z, from 0) against the trailing windows; 0 on a desk without history."""
        if term not in bursts:
            expected = expected_count(term, baseline, sizes, weights, len(entries))
            bursts[term] = max(0.0, z_score(spread[term], expected)) if any(sizes) else 0.0
        return bursts[term]

    def anchor(term: str) -> bool:
        return segmenter.is_known(term) or specific.is_name(term) or specific.is_abbreviation(term)

    # What a story is about: its names, those bursting today first (the day's 降准, not the
    # 负债 of one of its reports).
    story_names = [
        {
            t: score * (1.0 + burst_of(t) if t in e.titles else 1.0)
            for t, score in names([e], specific, segmenter)
        }
        for e in entries
    ]
    roots = _group(entries, story_names, settings.group_overlap, anchor)
    groups: dict[int, list[Entry]] = defaultdict(list)
    for root, entry in zip(roots, entries, strict=True):
        groups[root].append(entry)
    days = [span.end.astimezone(SHANGHAI).date().isoformat() for span in spans]
    parts: list[_Part] = []
    for members in groups.values():
        stories = [e.story for e in members]
        reports = sum(len(s.items) for s in stories)
        ranked = names(members, specific, segmenter, naming=True)
        if not ranked:
            continue
        best = ranked[0][1]
        shared = [t for t, _ in ranked]
        chosen = [t for t, score in ranked[:LABEL_NAMES] if score >= 0.5 * best]
        # An editor names a story by its company or body: the best proper name shared in its
        # headlines leads (not a name only its texts give: 纽约期金 of a 现货黄金 story).
        titles = " ".join(e.titles for e in members)
        proper = next((t for t in shared if specific.is_name(t) and t in titles), None)
        if proper is not None and proper not in chosen:
            chosen = [proper, *chosen][:LABEL_NAMES]
        key = shared[0]
        outlets = {o for s in stories for o in s.sources}
        # The topic bursts as much as its most bursting name (人形机器人, not 擎天机器人).
        burst = max(burst_of(t) for t in shared[: settings.max_terms])
        score = float(len(outlets)) * (1.0 + burst if burst >= settings.min_score else 1.0)
        lead = min((i for s in stories for i in s.items), key=lambda i: i.published)
        months: Counter[str] = Counter()
        for s in stories:
            for title, count in s.titles.items():
                if month := month_of(title):
                    months[month] += count
        counts = [spread[key], *(window[key] for window in baseline)]
        topic = Topic(
            label(lead, chosen, shared, specific, months, reports),
            shared[: settings.max_terms],
            score,
            sorted(stories, key=lambda s: (-len(s.sources), s.first_seen)),
            min(s.first_seen for s in stories),
            spread[key],
            expected_count(key, baseline, sizes, weights, len(entries)),
            list(zip(days, counts, strict=True))[::-1],
        )
        biggest = max(stories, key=lambda s: (len(s.items), -s.first_seen.timestamp()))
        event = _story_event(biggest)
        called = [story_name(lead, ranked, specific, anchor)]
        if len(stories) > 1 and event and all(_story_event(s) == event for s in stories):
            # Stories of one event grouped under its own word (三季报): the label names each.
            called = [
                story_name(e.story.lead, own, specific, anchor)
                for e in sorted(members, key=lambda e: (-len(e.story.sources), e.story.first_seen))
                if (own := names([e], specific, segmenter, naming=True))
            ]
            topic.label = event_label(head(event), called)
        parts.append(_Part(topic, event, called))
    return _ranked(parts, linked, days, entries, settings, weights)


@dataclass
class _Part:
    """A topic of one name, the event its biggest story reports (if any) and what its stories
    are called inside an event's label."""

    topic: Topic
    event: Event | None
    names: list[str]


def _ranked(
    parts: list[_Part],
    linked: list[list[Story]],
    days: list[str],
    entries: list[Entry],
    settings: TopicSettings,
    weights: list[float],
) -> list[Topic]:
    """Topics of one name that report one event (three companies' 三季报, a month's releases)
    become one topic named by the event and its stories; the others stand alone. A topic needs
    ``min_stories`` reports from ``min_sources`` outlets."""
    by_event: dict[Event, list[_Part]] = defaultdict(list)
    for part in parts:
        if part.event is not None:
            by_event[part.event].append(part)
    joined = {id(p) for members in by_event.values() if len(members) > 1 for p in members}
    topics = [p.topic for p in parts if id(p) not in joined]
    if joined:
        history = [Counter(_story_event(s) for s in w) for w in linked[1:]]
        today = Counter(_story_event(e.story) for e in entries)
        sizes = [len(w) for w in linked[1:]]
        for event, members in by_event.items():
            if len(members) > 1:
                expected = expected_count(event, history, sizes, weights, len(entries))
                counts = [today[event], *(window[event] for window in history)]
                topics.append(
                    _event_topic(event, members, expected, counts, days, any(sizes), settings)
                )
    kept = [
        t
        for t in topics
        if len(t.item_ids) >= settings.min_stories and len(t.sources) >= settings.min_sources
    ]
    kept.sort(key=lambda t: (-t.score, -len(t.item_ids), t.label))
    return kept


def _story_event(story: Story) -> Event | None:
    return event_of(story.titles)


def _event_topic(
    event: Event,
    members: list[_Part],
    expected: float,
    counts: list[int],
    days: list[str],
    history: bool,
    settings: TopicSettings,
) -> Topic:
    """One event's stories as one topic. It ranks by all their outlets on a desk without
    history or when the event bursts against the trailing windows; an event the desk sees
    every day (results season) ranks as its best story: grouping makes no topic hot."""
    members = sorted(members, key=lambda p: (-p.topic.score, -len(p.topic.sources), p.names))
    stories = [s for p in members for s in p.topic.stories]
    outlets = {o for s in stories for o in s.sources}
    burst = max(0.0, z_score(counts[0], expected)) if history else 0.0
    if not history or burst >= settings.min_score:
        score = len(outlets) * (1.0 + (burst if burst >= settings.min_score else 0.0))
    else:
        score = members[0].topic.score
    return Topic(
        event_label(head(event), [name for p in members for name in p.names]),
        list(dict.fromkeys(p.topic.terms[0] for p in members))[: settings.max_terms],
        score,
        stories,
        min(s.first_seen for s in stories),
        counts[0],
        expected,
        list(zip(days, counts, strict=True))[::-1],
    )
