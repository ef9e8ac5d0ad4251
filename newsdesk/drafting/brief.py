"""Briefs: what a slot needs today — its topics and its numbered sources [1]..[n].

A brief is stored with the draft as JSON, so a reviewer sees exactly what the
writer saw. Source selection depends on the slot's kind (DESIGN.md timetable):
the morning report reads overnight items, a viewpoint reads the top topic,
the research digest reads research pages, the close summary and the intraday
slots lead with the market snapshot (source [1], kind ``market``), and so on;
items of the same story appear once; the whole brief fits ``drafting.brief_chars``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.config import Settings, SlotConfig
from newsdesk.kinds import kind_spec
from newsdesk.review.versions import brief_source_texts
from newsdesk.store.db import Database
from newsdesk.store.market import market_item
from newsdesk.store.models import NOT_NEWS, Item, Source
from newsdesk.text.facts import FigureFact, figure_facts
from newsdesk.text.normalise import desk_text
from newsdesk.text.vocabulary import vocabulary
from newsdesk.timetable import TradingCalendar, slot_time
from newsdesk.topics.service import StoredTopic, stored_topics

SAME_STORY = 70  # rapidfuzz title similarity above which two items tell one story
SAME_TEXT = 85  # body similarity above which two items are one wire text


@dataclass
class BriefSource:
    number: int
    item_id: int
    title: str
    text: str
    outlet: str
    link: str | None
    published: str | None
    kind: str = "feed"
    data: dict[str, Any] | None = None  # structured figures (a market snapshot's)
    outlets: int = 1  # outlets that reported its story: the story's weight
    story: int = 0  # another outlet's report of the story source [story] leads; 0: a lead


@dataclass
class Brief:
    slot: str
    kind: str
    title: str
    day: str
    tier: str
    content_type: str
    segment: str
    segment_style: str
    topics: list[dict[str, Any]] = field(default_factory=list)
    sources: list[BriefSource] = field(default_factory=list)
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Brief:
        sources = [BriefSource(**s) for s in data.get("sources", [])]
        return cls(**{**data, "sources": sources})

    def source_texts(self) -> list[str]:
        return brief_source_texts(self.as_json())


def _window(slot: SlotConfig, day: date, settings: Settings) -> tuple[datetime, datetime]:
    """The items a slot reads. The morning report reads since the last trading day's close
    (a Monday's covers the weekend) or ``overnight_hours``, whichever is longer."""
    end = slot_time(settings, slot, day)
    spec = kind_spec(slot.kind)
    hours = {
        "morning_report": settings.drafting.overnight_hours,
        "research_digest": 24.0 * settings.drafting.research_days,
    }.get(slot.kind, spec.window_hours or 24.0)
    start = end - timedelta(hours=hours)
    if slot.kind == "morning_report":
        start = min(start, TradingCalendar().previous_close(end))
    return start, end


def _items(
    session: Session, start: datetime, end: datetime, pages: bool, ids: list[int] | None = None
) -> list[tuple[Item, str]]:
    """Items of the window, newest first; with ``ids``, those items published by ``end``
    whenever they were (a topic's reports)."""
    when = func.coalesce(Item.published_at, Item.fetched_at)
    kind = Item.kind == "page" if pages else Item.kind.not_in(NOT_NEWS)
    since = Item.id.in_(ids) if ids is not None else when >= start
    rows = session.execute(
        select(Item, Source.title)
        .join(Source, Item.source_id == Source.id)
        .where(since, when <= end, kind)
        .order_by(when.desc(), Item.id.desc())
        .limit(500)
    ).all()
    return [(item, outlet) for item, outlet in rows]


def _on_topic(items: list[tuple[Item, str]], topic: StoredTopic) -> list[tuple[Item, str]]:
    """The items whose title or text names one of the topic's terms."""
    terms = [t for t in topic.terms if len(t) >= 2]
    return [
        (item, outlet)
        for item, outlet in items
        if any(t in f"{item.title}{item.body}" for t in terms)
    ]


def _with_topic(
    session: Session, items: list[tuple[Item, str]], topic: StoredTopic, end: datetime
) -> list[tuple[Item, str]]:
    """The window's items and the topic's reports from before it: an opinion on the day's top
    topic reads the topic's news, which may be days older than the comment pieces of its
    window (a Friday evening's 降准 discussed on Monday)."""
    have = {item.id for item, _ in items}
    missing = [i for i in topic.item_ids if i not in have]
    return items + _items(session, end, end, pages=False, ids=missing) if missing else items


Group = tuple[str, int]


def story_groups(
    items: list[tuple[Item, str]], topics: list[StoredTopic]
) -> dict[int, tuple[Group, int]]:
    """Item id -> (its story, how many outlets reported it). The story is the item's topic when
    the topic is one story (the topics service joins one event's reports across outlets and
    scripts, and counts its outlets), else its stored story, else the item alone: a topic of
    several stories (三季报：贵州茅台、万科、寒武纪) gives each its own line and weight."""
    topic_of: dict[int, int] = {}
    for index, topic in enumerate(topics):
        if topic.stories > 1:
            continue
        for item_id in topic.item_ids:
            topic_of.setdefault(item_id, index)
    group_of: dict[int, Group] = {}
    for item, _ in items:
        if item.id in topic_of:
            group_of[item.id] = ("topic", topic_of[item.id])
        else:
            group_of[item.id] = ("story", item.story_id or item.id)
    group_of = _joined_by_figures(items, group_of)
    outlets: dict[Group, set[str]] = {}
    for item, outlet in items:
        outlets.setdefault(group_of[item.id], set()).add(outlet)
    weight = {
        group: max(len(seen), topics[group[1]].sources if group[0] == "topic" else 0)
        for group, seen in outlets.items()
    }
    return {item_id: (group, weight[group]) for item_id, group in group_of.items()}


def _key_figures(item: Item) -> set[tuple[str, str, str]]:
    """An item's figures that name their event: a known metric with a precise value
    (出口 1.1%, 营业总收入 1309.04亿元), which two unrelated stories rarely share."""
    return _figures_of(item.title, item.body or item.summary or "")


def _figures_of(title: str, text: str) -> set[tuple[str, str, str]]:
    return {
        (f.metric, f.value, f.unit)
        for f in _sure_facts(f"{title}\n{text}")
        if f.unit and ("." in f.value or len(f.value) >= 3)
    }


@lru_cache(maxsize=4096)
def _sure_facts(text: str) -> tuple[FigureFact, ...]:
    """The figures of ``text`` the fact model is sure of, with a metric it knows. Read once
    per text: ranking, grouping and the same-story test ask of one item many times."""
    known = vocabulary().aliases
    facts = figure_facts(desk_text(text), subjects=False)
    return tuple(f for f in facts if f.sure and f.metric in known)


def _joined_by_figures(
    items: list[tuple[Item, str]], group_of: dict[int, Group]
) -> dict[int, Group]:
    """Groups whose reports state one key figure are one story: three outlets' 出口年降1.1%
    worded too differently for clustering and topics to join them."""
    parent: dict[Group, Group] = {}

    def root(group: Group) -> Group:
        while parent.get(group, group) != group:
            group = parent[group]
        return group

    first: dict[tuple[str, str, str], Group] = {}
    for item, _ in items:
        for figure in _key_figures(item):
            mine, theirs = (
                root(group_of[item.id]),
                root(first.setdefault(figure, group_of[item.id])),
            )
            if mine != theirs:
                parent[max(mine, theirs)] = min(mine, theirs)
    return {item_id: root(group) for item_id, group in group_of.items()}


def _ranked(
    items: list[tuple[Item, str]], topics: list[StoredTopic], kind: str
) -> list[tuple[Item, str]]:
    """The biggest stories first (most outlets), topic items (top topic first) among equals,
    then by recency. A kind that reads one topic (观点, 互动) leads with the top topic's items
    and keeps the others after them: when the top story states nothing a writer can be sure
    of, the next story still gives the opinion its facts. A kind of numbered fact lines
    (早报, 收盘) takes the stories with a figure the fact model is sure of before those
    without: its line is a figure, and a big story without one would take a place and give
    no line (the demo day's 早报 had one line of ten sources)."""
    spec = kind_spec(kind)
    one_topic = spec.reads == "topic"
    figures_first = spec.layout == "lines"
    focus = topics[:1] if one_topic else topics[:5]
    rank: dict[int, int] = {}
    for position, topic in enumerate(focus):
        for item_id in topic.item_ids:
            rank.setdefault(item_id, position)
    groups = story_groups(items, topics)

    def key(pair: tuple[Item, str]) -> tuple[bool, int, int, Group, int]:
        item_id = pair[0].id
        weight, ranked = -groups[item_id][1], rank.get(item_id, len(focus))
        first = (ranked, weight) if one_topic else (weight, ranked)
        figures = _sure_figures(pair[0])
        return (figures_first and not figures, *first, groups[item_id][0], -figures)

    return sorted(items, key=key)


def _sure_figures(item: Item) -> int:
    """How many figures of an item the fact model is sure of, with a metric it knows: of one
    story's reports, the brief takes the one that states most."""
    return len(_sure_facts(item.body or item.summary or item.title))


def _market(session: Session, kind: str, day: date, end: datetime) -> BriefSource | None:
    """The market snapshot a close summary (the day's), an intraday slot (the latest) or a
    morning report (the last trading day's close, for its recap) uses."""
    if kind == "close_summary":
        start = TradingCalendar().day_start(day)
    elif kind in ("intraday", "morning_report"):  # today's figures so far, else the last close
        start = TradingCalendar().previous_close(end)
    else:
        return None
    item_id = market_item(session, start, end)
    if item_id is None:
        return None
    item = session.get_one(Item, item_id)
    outlet = item.source.title
    published = item.published_at.isoformat() if item.published_at else None
    return BriefSource(
        1, item.id, item.title, item.body, outlet, None, published, "market", item.data
    )


def _told(item: Item, text: str, chosen: BriefSource, chosen_story: int | None) -> bool:
    """The one test of whether ``chosen`` tells ``item``'s story: one stored story (topic
    detection's clustering); or, for what clustering does not see or join (research pages,
    items newer than the last ranking, one wire text under headlines too different for its
    shingles), near-identical headlines or texts; or a key figure both state (three outlets'
    出口年降1.1%, worded too differently for either)."""
    if item.story_id is not None and item.story_id == chosen_story:
        return True
    if fuzz.ratio(item.title, chosen.title) >= SAME_STORY:
        return True
    if len(text) >= 20 and fuzz.ratio(text, chosen.text) >= SAME_TEXT:
        return True
    return bool(_figures_of(chosen.title, chosen.text) & _key_figures(item))


def _source(
    item: Item, outlet: str, text: str, number: int, outlets: int, story: int = 0
) -> BriefSource:
    published = item.published_at.isoformat() if item.published_at else None
    return BriefSource(
        number,
        item.id,
        item.title,
        text,
        outlet,
        item.link,
        published,
        item.kind,
        outlets=outlets,
        story=story,
    )


Report = tuple[Item, str, str, BriefSource]  # an item, its outlet, its text, its story's lead


def _in_rounds(reports: list[Report], first: int | None = None) -> list[Report]:
    """Every story's second report before any story's third, in ranking order within a round;
    story ``first`` (the topic an opinion is about) has all its reports before the others."""
    seen: Counter[int] = Counter()
    rounds = []
    for position, report in enumerate(reports):
        lead = report[3].number
        rounds.append((lead != first, seen[lead], position, report))
        seen[lead] += 1
    return [report for *_, report in sorted(rounds, key=lambda entry: entry[:3])]


def _fit(
    candidates: list[tuple[Item, str]],
    settings: Settings,
    chosen: list[BriefSource] | None = None,
    limit: int | None = None,
    topics: list[StoredTopic] | None = None,
    one_topic: bool = False,
) -> list[BriefSource]:
    """Add one source per story to ``chosen`` until ``limit`` sources or the size budget, then,
    while the budget lasts, other outlets' reports of those stories (``story`` names their
    lead; ``drafting.reports_per_story`` in all): the report that states a story's headline
    figure plainly is not always the one ranked first. A topic's member that is another story
    leads its own after every topic has its lead, or at once for a kind that reads one topic
    (``one_topic``: the topic is what its opinion is about)."""
    conf = settings.drafting
    chosen = list(chosen or [])
    limit = limit or conf.max_sources
    used = sum(len(s.title) + len(s.text) for s in chosen)
    story_of = {item.id: item.story_id for item, _ in candidates}
    groups = story_groups(candidates, topics or [])
    alone = story_groups(candidates, [])
    told: dict[Group, BriefSource] = {}
    others: list[Report] = []
    apart: list[tuple[Item, str]] = []  # topic members that are another story: after the topics
    stories_of: Counter[Group] = Counter()

    def add_lead(item: Item, outlet: str, text: str, group: Group, outlets: int) -> None:
        nonlocal used
        teller = next((s for s in chosen if _told(item, text, s, story_of.get(s.item_id))), None)
        if teller is not None:
            if teller.outlet != outlet and teller.kind == item.kind:
                others.append((item, outlet, text, teller))  # another outlet's report of it
            return
        if group in told or len(chosen) >= limit:
            return
        size = len(item.title) + len(text)
        if chosen and used + size > conf.brief_chars:
            return
        used += size
        told[group] = _source(item, outlet, text, len(chosen) + 1, outlets)
        chosen.append(told[group])

    for item, outlet in candidates:
        text = (item.body or item.summary or "")[: conf.source_chars]
        group, outlets = groups[item.id]
        if group not in told:
            add_lead(item, outlet, text, group, outlets)
            continue
        first = told[group]
        if _told(item, text, first, story_of.get(first.item_id)):
            if first.outlet != outlet:
                others.append((item, outlet, text, first))
        elif one_topic and stories_of[group] < conf.reports_per_story:
            # The opinion's topic: a few of its other stories at once, not all of them.
            stories_of[group] += 1
            add_lead(item, outlet, text, *alone[item.id])
        else:
            apart.append((item, outlet))  # the topic joined it on a shared word (收官)
    for item, outlet in apart:
        add_lead(
            item, outlet, (item.body or item.summary or "")[: conf.source_chars], *alone[item.id]
        )
    reports: dict[int, set[str]] = {s.number: {s.outlet} for s in chosen if not s.story}
    for source in chosen:
        if source.story:
            reports[source.story].add(source.outlet)
    top = next((s.number for s in chosen if s.kind != "market"), None) if one_topic else None
    for item, outlet, text, lead in _in_rounds(others, top):
        size = len(item.title) + len(text)
        seen = reports[lead.number]
        if outlet in seen or len(seen) >= conf.reports_per_story or used + size > conf.brief_chars:
            continue
        used += size
        seen.add(outlet)
        chosen.append(_source(item, outlet, text, len(chosen) + 1, lead.outlets, lead.number))
    return _grouped(chosen)


def _grouped(sources: list[BriefSource]) -> list[BriefSource]:
    """Each story's other reports right after its lead, numbered [1]..[n] in that order."""
    ordered = []
    for lead in (s for s in sources if not s.story):
        ordered += [lead, *(s for s in sources if s.story == lead.number)]
    number = {s.number: n for n, s in enumerate(ordered, start=1)}
    return [replace(s, number=number[s.number], story=number.get(s.story, 0)) for s in ordered]


def build_brief(
    db: Database,
    settings: Settings,
    slot: SlotConfig,
    day: date,
    *,
    segment: str = "",
    now: datetime | None = None,
) -> Brief:
    """Choose topics and numbered sources for ``slot`` on ``day``.

    Topics are the day's stored ranking: whoever drafts computes it first, as a
    step of its own (the slot flow's ``detect_topics``, ``newsdesk draft``); a
    brief never writes it.
    """
    start, end = _window(slot, day, settings)
    if now is not None:
        end = min(end, now)
    topics = stored_topics(db, day)
    with db.session() as session:
        spec = kind_spec(slot.kind)
        if spec.reads == "pages":
            candidates = _items(session, start, end, pages=True)
        else:
            window = _items(session, start, end, pages=False)
            if spec.reads == "topic" and topics:
                window = _with_topic(session, window, topics[0], end)
            candidates = _ranked(window, topics, slot.kind)
        lead = _market(session, slot.kind, day, end)
        chosen = [lead] if lead else []
        one_topic = spec.reads == "topic"
        if spec.research:
            # Leave room for the research picks (研报精选) after the news.
            pages = _items(
                session, end - timedelta(days=settings.drafting.research_days), end, pages=True
            )
            if spec.reads == "topic":
                # An opinion on the top topic reads the research written on it, not the newest.
                pages = _on_topic(pages, topics[0]) if topics else []
            limit = settings.drafting.max_sources - spec.research + len(chosen)
            news = _fit(
                candidates, settings, chosen, limit=limit, topics=topics, one_topic=one_topic
            )
            sources = _fit(pages, settings, news, limit=len(news) + spec.research)
        else:
            sources = _fit(candidates, settings, chosen, topics=topics, one_topic=one_topic)
    return Brief(
        slot=slot.name,
        kind=slot.kind,
        title=slot.title,
        day=day.isoformat(),
        tier=slot.tier,
        content_type=slot.content_type,
        segment=segment,
        segment_style=settings.drafting.segments.get(segment, ""),
        topics=[
            {
                "label": t.label,
                "terms": t.terms,
                "score": round(t.score, 2),
                "stories": t.stories,
                "outlets": t.sources,
            }
            for t in topics[:5]
        ],
        sources=sources,
    )
