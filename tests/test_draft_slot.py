"""Drafting a slot, the one way the CLI and the slot flow do it: the day's topics first, then
every segment; nothing on a day the exchange is closed (both databases)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from newsdesk.config import load_settings
from newsdesk.demo_server import DemoServer
from newsdesk.drafting.llm import Completion, DraftRequest
from newsdesk.drafting.service import draft_slot, slot_segments
from newsdesk.feeds.ingest import ingest
from newsdesk.store.db import Database
from newsdesk.store.models import Draft
from newsdesk.timetable import SHANGHAI
from newsdesk.topics.service import stored_topics

ROOT = Path(__file__).resolve().parent.parent
MONDAY, SATURDAY = date(2026, 11, 23), date(2026, 11, 21)


class Counting:
    """A provider that answers at once and counts its requests."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, request: DraftRequest) -> Completion:
        self.calls += 1
        return Completion("今日市场观察：成交温和，投资有风险。", "counting", "counting-model")


def drafts(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Draft)) or 0


def test_a_slot_is_drafted_after_the_days_topics_and_not_on_a_closed_day(
    db: Database, demo_server: DemoServer
) -> None:
    desk = load_settings(ROOT / "config" / "desk.yaml")
    desk.thresholds.max_revisions = 0
    for source in desk.sources:
        source.url = source.url.replace("http://127.0.0.1:8765", demo_server.base_url)
    ingest(db, desk)
    writer = Counting()

    assert slot_segments(desk.slot("morning_report"), SATURDAY) == []
    assert draft_slot(db, desk, "morning_report", SATURDAY, writer) == []
    assert writer.calls == 0 and drafts(db) == 0 and stored_topics(db, SATURDAY) == []

    now = datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)
    (outcome,) = draft_slot(db, desk, "morning_report", MONDAY, writer, now=now)
    assert outcome.created and writer.calls == 1 and drafts(db) == 1
    assert stored_topics(db, MONDAY)  # ranked before the draft, which read them
