"""The grouped store's lookups (issue 27): keys and content hashes computed ahead of the write
transaction are looked up there in one query, and give what the store finds on its own, whatever
characters the keys hold."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from newsdesk.entries import Entry
from newsdesk.store.db import Database
from newsdesk.store.items import EntryBatch, hash_ahead, store_batches, store_entries
from newsdesk.store.models import FetchState, Item, Source
from tests.test_ingest_pipeline import ODD

NOW = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)


@contextmanager
def key_lookups(db: Database) -> Iterator[list[str]]:
    """The dedup lookups the block sends: SELECTs of the items' content hashes."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "content_hash" in statement:
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


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
        with key_lookups(db) as sent:
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
