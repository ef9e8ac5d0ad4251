"""The day's stories and topics are a function of its items, not of the order they come in or
of their ids: feeds are fetched concurrently, so the store numbers the same items differently
from run to run, and items published in the same minute tie on time.

real-news-dev (41 real excerpts, 8 multi-report stories), published three to a minute so that
order has ties to break, given to detection in several orders under fresh ids."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import datetime, timedelta

from bench.corpora import shared_data
from newsdesk.config import TopicSettings
from newsdesk.text.segment import segmenter
from newsdesk.timetable import SHANGHAI
from newsdesk.topics.detect import Analysis, analyse
from newsdesk.topics.stories import TopicItem, cluster

EVENING = datetime(2026, 12, 7, 18, 0, tzinfo=SHANGHAI)
MORNING = datetime(2026, 12, 8, 7, 30, tzinfo=SHANGHAI)


def real_items() -> list[TopicItem]:
    items = json.loads((shared_data("real-news-dev") / "items.json").read_text(encoding="utf-8"))
    return [
        TopicItem(
            item["id"],
            item["title"],
            item["text"],
            item["outlet"],
            EVENING + timedelta(minutes=12 * (n // 3)),
        )
        for n, item in enumerate(items)
    ]


def reordered(items: list[TopicItem], seed: int) -> tuple[list[TopicItem], dict[str, str]]:
    """The items shuffled under new ids (as another run's store numbers them), and each new
    id's original one."""
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    renamed = [dataclasses.replace(item, id=str(500 + n)) for n, item in enumerate(shuffled)]
    return renamed, {new.id: old.id for new, old in zip(renamed, shuffled, strict=True)}


def outcome(found: Analysis, original: dict[str, str]) -> tuple[object, ...]:
    """What a run decides, read through the original ids: stories, their leads, topics."""
    stories = sorted(
        (original[s.lead.id], sorted(original[i.id] for i in s.items)) for s in found.stories
    )
    topics = [
        (t.label, t.terms, t.score, sorted(original[i] for i in t.item_ids)) for t in found.topics
    ]
    return stories, topics


def test_a_story_window_splits_the_same_way_in_any_order() -> None:
    # One headline at 18:00, 04:00 and 14:00: all three would span 20 hours, more than the
    # 18-hour story window, so one pair is a story and the third report stands alone — the
    # earlier pair, whichever order or ids the items come with.
    title = "北向资金今日净流入52亿元"
    items = [
        TopicItem(f"r{n}", title, "", f"outlet{n}", EVENING + timedelta(hours=10 * n))
        for n in range(3)
    ]
    for seed in range(6):
        shuffled, original = reordered(items, seed)
        found = cluster(shuffled, TopicSettings().story_similarity, window_hours=18)
        stories = sorted(sorted(original[i.id] for i in s.items) for s in found)
        assert stories == [["r0", "r1"], ["r2"]], seed


def test_stories_and_topics_do_not_depend_on_order_or_ids() -> None:
    items = real_items()
    settings, seg = TopicSettings(), segmenter()
    expected = outcome(analyse(items, MORNING, settings, seg), {i.id: i.id for i in items})
    for seed in range(6):
        shuffled, original = reordered(items, seed)
        assert outcome(analyse(shuffled, MORNING, settings, seg), original) == expected, seed
