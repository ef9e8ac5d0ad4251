"""Small feeds stored together: up to ``fetch.store_batch`` entries of several sources per
transaction (issue 27 item 3: one transaction per feed cost ingest 3x its floor), with the
same counts as one by one, and a source's failure kept to that source; a store's keys and
content hashes computed before its turn, not in it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import delete, event, func, select

from newsdesk.config import Settings
from newsdesk.feeds import storing as storing_module
from newsdesk.feeds.ingest import DONE, FAILED, SourceRun, fetch_step, parse_step, store_steps
from newsdesk.store.db import Database
from newsdesk.store.models import FetchState, Item, ItemSource, Source
from newsdesk.store.sources import get_source
from tests.conftest import make_settings
from tests.feeds import rss_bytes

NAMES = [f"s{n}" for n in range(6)]


def serve(httpserver: HTTPServer, tmp_path: Path, store_batch: int) -> Settings:
    """Six feeds of two entries; each shares its second story with the next feed."""
    for n, name in enumerate(NAMES):
        httpserver.expect_request(f"/{name}").respond_with_data(
            rss_bytes(
                [
                    (f"{name}-own", f"只在{name}源的快讯", f"https://e.com/{name}"),
                    (f"story-{n}", f"第{n}条共同报道", f"https://wire.example.com/{n}"),
                    (f"story-{n - 1}", f"第{n - 1}条共同报道", f"https://wire.example.com/{n - 1}"),
                ][: 3 if n else 2]
            )
        )
    sources = [{"name": name, "url": httpserver.url_for(f"/{name}")} for name in NAMES]
    return make_settings(tmp_path, sources, store_batch=store_batch)


def parsed(db: Database, settings: Settings) -> list[tuple[SourceRun, datetime]]:
    runs = []
    for name in NAMES:
        run = fetch_step(db, settings, name, force=True)
        runs.append((parse_step(db, settings, run), datetime.now().astimezone()))
    return runs


def commits_during(db: Database, work):  # type: ignore[no-untyped-def]
    seen: list[int] = []
    listener = lambda _conn: seen.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        return work(), len(seen)
    finally:
        event.remove(db.engine, "commit", listener)


def stored(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Item)),
            session.scalar(select(func.count()).select_from(ItemSource)),
        )


def test_small_feeds_share_transactions_with_the_same_counts(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    together = serve(httpserver, tmp_path, store_batch=5)
    runs, commits = commits_during(db, lambda: store_steps(db, together, parsed(db, together)))
    # Entries 2, 3, 3, 3, 3, 3: {s0, s1}, {s2}, ... would be 6 transactions one by one; the
    # batch of 5 takes two feeds at most, so no fewer than 3 and no more than 5 stores.
    store_commits = commits - len(NAMES)  # each fetch step commits once
    assert 3 <= store_commits < len(NAMES)
    assert [r.status for r in runs] == [DONE] * len(NAMES)
    assert [(r.new, r.duplicates) for r in runs] == [(2, 0)] + [(2, 1)] * 5
    assert stored(db) == (12, 17)
    with db.session() as session:
        for name, run in zip(NAMES, runs, strict=True):
            state = get_source(session, name).state
            assert state.last_status == 200 and state.items_seen == 3 - (name == "s0")
            assert run.responses == () and run.entries == ()


def test_one_source_failing_in_a_shared_transaction_fails_alone(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    settings = serve(httpserver, tmp_path, store_batch=500)
    runs = parsed(db, settings)
    with db.session() as session:  # removed between its fetch and its store
        gone = session.scalar(select(Source.id).where(Source.name == "s3"))
        session.execute(delete(FetchState).where(FetchState.source_id == gone))
        session.execute(delete(Source).where(Source.id == gone))
    results = store_steps(db, settings, runs)
    assert [r.status for r in results] == [DONE] * 3 + [FAILED] + [DONE] * 2
    assert stored(db)[0] == 12 - 1  # only s3's own story is missing: s2 and s4 carry the rest


@pytest.mark.parametrize("store_batch", [5, 2])
def test_a_stores_work_ahead_is_done_before_its_turn(
    db: Database,
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    store_batch: int,
) -> None:
    """A store runs a turn at a time: its first step computes the keys and hashes of its first
    turn's entries and takes no turn, each later one takes a turn and computes the next's; so
    ingest does that work while the write lock rests, not after. Small feeds stored together
    (batch 5) and feeds stored alone in batches (batch 2: every feed has more) alike."""
    settings = serve(httpserver, tmp_path, store_batch=store_batch)
    runs = parsed(db, settings)
    steps: list[str] = []
    for name, step in (("hash_ahead", "ahead"), ("store_batches", "turn")):
        original = getattr(storing_module, name)
        monkeypatch.setattr(
            storing_module,
            name,
            lambda *args, _original=original, _step=step: steps.append(_step) or _original(*args),
        )
    storing = storing_module.storing_steps(db, settings, runs)
    assert storing_module.advance(storing) is None
    assert steps == ["ahead"] and stored(db) == (0, 0)
    results = storing_module.run_through(storing)
    assert sorted(r.name for r in results if r.status == DONE) == NAMES
    assert sum(r.new for r in results) == 12 and stored(db) == (12, 17)
    assert steps == ["ahead", "turn"] * (len(steps) // 2) and len(steps) >= 6
