"""The grouped store (issue 27): keys and content hashes computed ahead of the write transaction
are looked up there in one query, and give what the store finds on its own, whatever characters
the keys hold; the sightings go in with their batch's time converted once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.entries import Entry
from newsdesk.store.db import Database
from newsdesk.store.items import EntryBatch, hash_ahead, store_batches, store_entries
from newsdesk.store.models import FetchState, Item, ItemSource, Source
from newsdesk.store.types import UTCDateTime
from tests.scratch import selects_sent
from tests.test_ingest_pipeline import ODD

NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)


def sources(session: Session, *names: str) -> list[Source]:
    rows = [Source(name=name, title=name, type="feed", state=FetchState()) for name in names]
    session.add_all(rows)
    session.flush()
    return rows


def test_a_store_hashed_ahead_looks_its_keys_up_in_one_query(db: Database) -> None:
    """Guid keys, links and the hashes computed ahead in one query (two before: the keys, then
    the hashes); an entry another source brought is still a sighting of its item."""
    known = Entry("known", "已有的", "https://e.com/known", None, "别的源先存了")
    fresh = [Entry(f"n{n}", f"新的 {n}", f"https://e.com/n{n}", None, f"正文 {n}") for n in (1, 2)]
    with db.session() as session:
        source, other = sources(session, "a", "b")
        store_entries(session, other, [known], NOW)
        [ahead] = hash_ahead(session, [EntryBatch(source.id, "a", [known, *fresh], NOW)])
        with selects_sent(db, "content_hash") as sent:
            [result] = store_batches(session, [ahead])
        assert len(sent) == 1, sent
        assert (result.new, result.duplicates) == (2, 1)
        stored = session.execute(select(Item.guid, Item.source_id)).tuples().all()
    assert sorted(stored) == [("known", other.id), ("n1", source.id), ("n2", source.id)]


def test_keys_computed_ahead_with_any_characters_find_their_stored_items(db: Database) -> None:
    """Keys as the statement gate stores them (NUL and controls dropped, a lone surrogate
    replaced), computed ahead, then looked up in the write transaction: a second pass over the
    same entries finds every one of them by guid key, and by link or text alone."""
    entries = [
        Entry(f"guid-{text}", f"标题 {n}", f"https://e.com/{text}", None, f"正文 {text} {n}")
        for n, text in enumerate(ODD)
    ]
    relinked = [Entry(f"other-{e.guid}", e.title, e.link, None, e.summary) for e in entries]
    retold = [Entry(f"again-{e.guid}", e.title, None, None, e.summary) for e in entries]
    with db.session() as session:
        [source] = sources(session, "a")

        def store(batch: list[Entry]) -> tuple[int, int]:
            [ahead] = hash_ahead(session, [EntryBatch(source.id, "a", batch, NOW)])
            [result] = store_batches(session, [ahead])
            return result.new, result.duplicates

        assert store(entries) == (len(ODD), 0)
        assert store(entries) == (0, len(ODD))
        assert store(relinked) == (0, len(ODD))
        assert store(retold) == (0, len(ODD))


def test_sightings_take_each_batch_time_converted_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sighting's ``seen_at`` is its batch's fetch time as the column stores it (UTC, naive
    on SQLite): read back it is the same instant, whatever the zone it came in. Converted once
    per batch, not once per row, for the sightings and the items alike."""
    shanghai = timezone(timedelta(hours=8))
    times = [NOW, datetime(2026, 12, 8, 5, 30, tzinfo=shanghai)]
    converted: list[datetime | None] = []
    real = UTCDateTime.process_bind_param

    def counted(self: UTCDateTime, value: datetime | None, dialect: Any) -> datetime | None:
        converted.append(value)
        return real(self, value, dialect)

    with db.session() as session:
        batches = [
            EntryBatch(
                source.id,
                source.name,
                [
                    Entry(f"{source.name}{n}", f"标题{n}", None, None, f"{source.name} 正文 {n}")
                    for n in range(40)
                ],
                now,
            )
            for source, now in zip(sources(session, "a", "b"), times, strict=True)
        ]
        monkeypatch.setattr(UTCDateTime, "process_bind_param", counted)
        store_batches(session, batches)
        monkeypatch.undo()
        seen = session.execute(select(ItemSource.source_id, ItemSource.seen_at)).tuples().all()
    by_source = {batch.source_id: batch.now for batch in batches}
    assert len(seen) == 80 and all(at == by_source[source] for source, at in seen)
    # Each object once: the items' fetch times (one a batch) and their publication times (all
    # None here, one object), then the sightings' (one a batch).
    assert len(converted) == 2 + 1 + 2
