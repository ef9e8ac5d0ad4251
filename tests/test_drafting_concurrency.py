"""Concurrent writers and crashes: one drafter per slot, no textless draft in the queue
unless its provider failed (then it is there flagged with the error),
sources and topics written by several runs at once without clashes.

Runs on SQLite and PostgreSQL (the ``db`` fixture): the lock that keeps two
workers from drafting the same slot is a file lock on one and an advisory
lock on the other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsdesk.config import Settings, load_settings
from newsdesk.demo_server import DemoServer
from newsdesk.drafting.brief import Brief
from newsdesk.drafting.llm import Completion, DraftRequest
from newsdesk.errors import InvalidTransition, ProviderUnavailable
from newsdesk.review.accounts import Actor
from newsdesk.review.queue import queue
from newsdesk.review.service import get_draft, transition
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, DraftVersion

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 23)
EDITOR = Actor("editor", "editor")


class SlowProvider:
    """A provider that takes ``delay`` seconds per request and counts them; ``fail`` raises instead."""

    name = "slow"

    def __init__(self, delay: float = 0.0, fail: BaseException | None = None) -> None:
        self.delay, self.fail = delay, fail
        self.calls = 0
        self._lock = threading.Lock()

    def complete(self, request: DraftRequest) -> Completion:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return Completion("今日市场观察：成交温和，投资有风险。", "slow", "slow-model")


def settings() -> Settings:
    desk = load_settings(ROOT / "config" / "desk.yaml")
    desk.thresholds.max_revisions = 0  # one request per draft, so requests count drafters
    return desk


def brief(desk: Settings, slot: str) -> Brief:
    conf = desk.slot(slot)
    return Brief(slot, conf.kind, conf.title, DAY.isoformat(), conf.tier, conf.content_type, "", "")


def write(db: Database, desk: Settings, provider: SlowProvider, slot: str = "viewpoint") -> int:
    from newsdesk.drafting.service import write_draft

    return write_draft(db, desk, desk.slot(slot), DAY, provider, brief=brief(desk, slot)).draft_id


def counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Draft)) or 0,
            session.scalar(select(func.count()).select_from(DraftVersion)) or 0,
        )


def test_concurrent_runs_of_one_slot_draft_it_once(db: Database) -> None:
    desk, provider = settings(), SlowProvider(delay=0.4)
    ids: list[int] = []
    textless_seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        # What an editor's queue shows while the drafters work: never a draft without text.
        while not done.is_set():
            textless_seen.extend(r.id for r in queue(db, day=DAY) if r.version == 0)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    runs = [
        threading.Thread(target=lambda: ids.append(write(db, desk, provider))) for _ in range(5)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=30)
    done.set()
    watcher.join(timeout=10)
    assert len(ids) == 5 and len(set(ids)) == 1
    assert provider.calls == 1, f"{provider.calls} provider requests for one draft"
    assert counts(db) == (1, 1)
    assert textless_seen == []
    (row,) = queue(db, day=DAY)
    assert row.state == "pending_review" and row.version == 1


def test_a_draft_whose_provider_failed_is_queued_flagged_and_cannot_be_approved(
    db: Database,
) -> None:
    desk = settings()
    down = SlowProvider(fail=ProviderUnavailable("HTTP 500 after 3 attempts"))
    draft_id = write(db, desk, down)
    (row,) = queue(db, day=DAY)
    assert (row.id, row.state, row.version, row.flagged) == (draft_id, "pending_review", 0, True)
    assert "HTTP 500" in (row.flag_reason or "")
    draft = get_draft(db, draft_id)
    assert [(e.action, e.actor, e.from_state, e.to_state) for e in draft.audit] == [
        ("review.fail", "system", "drafting", "pending_review")
    ]
    with pytest.raises(InvalidTransition, match="no text"):
        transition(db, desk, draft_id, "approve", EDITOR, expected_version=draft.lock_version)
    # The next run writes the text into the same draft, which then passes or fails on its own.
    assert write(db, desk, SlowProvider()) == draft_id
    (row,) = queue(db, day=DAY)
    assert row.version == 1 and "HTTP 500" not in (row.flag_reason or "")


def test_a_run_killed_mid_draft_is_repaired_by_the_next_run(db: Database) -> None:
    desk = settings()
    # SystemExit stands for the process dying inside the provider call: nothing after it runs.
    with pytest.raises(SystemExit):
        write(db, desk, SlowProvider(fail=SystemExit(137)))
    assert queue(db, day=DAY) == [] and counts(db) == (1, 0)
    again = SlowProvider()
    draft_id = write(db, desk, again)
    (row,) = queue(db, day=DAY)
    assert row.id == draft_id and row.state == "pending_review" and row.version == 1
    assert again.calls == 1 and counts(db) == (1, 1)


def test_the_draft_lock_is_free_again_after_its_holder_fails(db: Database) -> None:
    desk = settings()
    with pytest.raises(RuntimeError), db.held("draft:x"):
        raise RuntimeError("boom")
    acquired = threading.Event()

    def take() -> None:
        with db.held("draft:x"):
            acquired.set()

    other = threading.Thread(target=take)
    other.start()
    other.join(timeout=10)
    assert acquired.is_set()
    assert write(db, desk, SlowProvider()) > 0


def run_at_once(count: int, work: Callable[[], object]) -> list[BaseException]:
    """``work`` in ``count`` threads released together; the exceptions they raised."""
    barrier, errors = threading.Barrier(count), []

    def one() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_runs_registering_sources_on_a_fresh_store_do_not_clash(db: Database) -> None:
    from newsdesk.feeds.ingest import register_sources
    from newsdesk.store.models import Source

    desk = settings()
    assert run_at_once(5, lambda: register_sources(db, desk)) == []
    with db.session() as session:
        names = sorted(session.scalars(select(Source.name)))
    assert names == sorted(desk.source_names)


def test_runs_ranking_one_day_at_once_leave_one_ranking(
    db: Database, demo_server: DemoServer
) -> None:
    from datetime import datetime

    from newsdesk.feeds.ingest import ingest
    from newsdesk.timetable import SHANGHAI
    from newsdesk.topics.service import compute_topics, stored_topics

    desk = settings()
    for source in desk.sources:
        source.url = source.url.replace("http://127.0.0.1:8765", demo_server.base_url)
    ingest(db, desk)
    now = datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)
    assert run_at_once(3, lambda: compute_topics(db, desk, day=DAY, now=now)) == []
    ranks = [t.rank for t in stored_topics(db, DAY)]
    assert ranks and ranks == list(range(1, len(ranks) + 1))
