"""Topics against the store: load the items a day needs, detect, persist (idempotent per day)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.store.db import Database, lock_for_write
from newsdesk.store.models import NOT_NEWS, Item, ItemSource, Source, TopicItemRow, TopicRow
from newsdesk.store.sources import MANUAL
from newsdesk.text.segment import segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.detect import Topic, analyse, windows
from newsdesk.topics.stories import Story, TopicItem, cluster, normaliser

TOPICS_LOCK = 0x6E640002


@dataclass(frozen=True)
class StoredTopic:
    rank: int
    label: str
    terms: list[str]
    score: float
    stories: int
    sources: int
    first_seen: datetime
    evidence: dict[str, object]
    item_ids: list[int]


def topic_segmenter(settings: Settings):  # type: ignore[no-untyped-def]
    base = settings.base_dir
    dictionaries = tuple((base / p).resolve() for p in settings.topics.user_dictionaries)
    return segmenter(dictionaries, tuple(settings.topics.stopwords))


def moment_for(day: date | None, now: datetime | None = None) -> datetime:
    """The moment a day's items are read up to: now for a day that is running (or no day), the
    day's end for a day that is over. Topics are detected at it, and ``newsdesk draft`` builds
    its briefs up to it, so the two agree on which items a day has."""
    now = now or datetime.now(UTC)
    if day is None:
        return now
    end = datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)
    return min(end, now)


# An outlet is a source's name; an outlet typed in with a manual item is its title (the name as
# given), so two manual items from one newspaper count once and from two count twice.
_OUTLET = case((Source.type == MANUAL, Source.title), else_=Source.name)


def load_items(session: Session, start: datetime, end: datetime) -> list[TopicItem]:
    """Items published (or, lacking a date, fetched) in [start, end], with every carrying outlet."""
    when = func.coalesce(Item.published_at, Item.fetched_at)
    rows = session.execute(
        select(
            Item.id,
            Item.title,
            Item.summary,
            _OUTLET,
            Item.published_at,
            Item.fetched_at,
            Item.link,
        )
        .join(Source, Item.source_id == Source.id)
        .where(when >= start, when <= end, Item.kind.not_in(NOT_NEWS))
    ).all()
    carriers: dict[int, list[str]] = defaultdict(list)
    ids = [r[0] for r in rows]
    for start_at in range(0, len(ids), 500):
        chunk = ids[start_at : start_at + 500]
        for item_id, name in session.execute(
            select(ItemSource.item_id, _OUTLET)
            .join(Source, ItemSource.source_id == Source.id)
            .where(ItemSource.item_id.in_(chunk))
        ):
            carriers[item_id].append(name)
    return [
        TopicItem(
            str(i), title, summary, source, published or fetched, link, tuple(sorted(carriers[i]))
        )
        for i, title, summary, source, published, fetched, link in rows
    ]


def _evidence(topic: Topic) -> dict[str, object]:
    return {
        "window_stories": topic.count,
        "baseline_expected": round(topic.expected, 3),
        "sources": topic.sources,
        "series": [{"date": d, "stories": n} for d, n in topic.series],
        "headlines": [story.lead.title for story in topic.stories[:8]],
    }


def compute_topics(
    db: Database,
    settings: Settings,
    *,
    day: date | None = None,
    now: datetime | None = None,
    calendar: TradingCalendar | None = None,
) -> list[StoredTopic]:
    """Detect the day's topics from the store and replace that day's stored ranking."""
    calendar = calendar or TradingCalendar()
    moment = moment_for(day, now)
    spans = windows(moment, settings.topics.trailing_windows, calendar)
    start = spans[-1].start - timedelta(hours=settings.topics.story_window_hours)
    # The day asked for: a day not yet begun is ranked as of now, and stored as its own ranking
    # (its drafts read it), not as today's.
    local_day = day or moment.astimezone(SHANGHAI).date()
    with db.session() as session:
        items = load_items(session, start, moment)
    conf = settings.topics
    normal = normaliser()
    clusters = cluster(items, conf.story_similarity, conf.story_window_hours, normal=normal)
    found = analyse(
        items, moment, conf, topic_segmenter(settings), calendar, clusters=clusters, normal=normal
    )
    topics = found.topics
    store_stories(db, found.stories)
    with db.session() as session:
        # Concurrent runs (ingest and slot flows on several workers) replace the day one at a time.
        lock_for_write(session, TOPICS_LOCK)
        session.execute(delete(TopicRow).where(TopicRow.day == local_day))
        for rank, topic in enumerate(topics, start=1):
            row = TopicRow(
                day=local_day,
                rank=rank,
                label=topic.label,
                terms=topic.terms,
                score=topic.score,
                stories=len(topic.stories),
                sources=len(topic.sources),
                first_seen=topic.first_seen,
                evidence=_evidence(topic),
            )
            row.items = [
                TopicItemRow(item_id=int(item.id), story=index)
                for index, story in enumerate(topic.stories)
                for item in story.items
            ]
            session.add(row)
    return stored_topics(db, local_day)


def store_stories(db: Database, stories: Sequence[Story]) -> None:
    """Remember each item's story (its lead item's id) where it changed: the one "same story"
    the desk knows, read by briefs."""
    lead_of = {int(item.id): int(story.lead.id) for story in stories for item in story.items}
    if not lead_of:
        return
    with db.session() as session:
        changed = []
        ids = list(lead_of)
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(Item.id, Item.story_id).where(Item.id.in_(ids[start : start + 500]))
            )
            changed += [
                {"id": item_id, "story_id": lead_of[item_id]}
                for item_id, story_id in rows
                if story_id != lead_of[item_id]
            ]
        if changed:
            session.execute(update(Item), changed)


def stored_topics(db: Database, day: date) -> list[StoredTopic]:
    with db.session() as session:
        rows = session.scalars(
            select(TopicRow).where(TopicRow.day == day).order_by(TopicRow.rank)
        ).all()
        return [
            StoredTopic(
                r.rank,
                r.label,
                list(r.terms),
                r.score,
                r.stories,
                r.sources,
                r.first_seen,
                dict(r.evidence),
                [link.item_id for link in r.items],
            )
            for r in rows
        ]


def ranked_stories(db: Database, day: date) -> list[StoredTopic]:
    """The day's topics in rank order (as ``compute_topics`` stored them): each with its label,
    its item ids (the top story's reports first) and its distinct outlets (``sources``).
    Briefs take the top stories first from here; an empty list when the day is not ranked."""
    return stored_topics(db, day)
