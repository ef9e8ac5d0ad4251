"""Ingest's pipeline (issue 27 item 3): the pool fetches, the calling thread parses and stores,
each pool thread keeps one HTTP session without carrying cookies from one source to the next,
the dedup lookups pass their keys as one parameter whatever characters the keys hold, the
grouped store records its sources' fetches in Core statements as the ORM path would, the
content hashes it computes before its write transaction are the ones it would compute in it,
and the objects alive before it are frozen out of the garbage collector's scans while it runs."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import delete, select
from werkzeug import Request, Response

from newsdesk.entries import Entry, content_hash, guid_key
from newsdesk.feeds import ingest as ingest_module
from newsdesk.feeds import storing as storing_module
from newsdesk.feeds.ingest import DONE, ingest
from newsdesk.store.bulk import converted
from newsdesk.store.db import Database
from newsdesk.store.items import (
    EntryBatch,
    hash_ahead,
    store_batches,
    store_entries,
)
from newsdesk.store.models import FetchAttempt, FetchState, Item, Source
from newsdesk.store.sources import Fetched, record_success, record_successes
from tests.conftest import make_settings
from tests.feeds import rss_bytes

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)

# Keys an IN list bound one by one but a JSON array must carry intact: quotes, backslashes,
# control and line-separator characters, CJK, astral characters, a JSON-looking text; and what
# the statement gate (store/db.py) drops before a key is stored, which JSON would escape out of
# its sight (NUL, C0 controls) or leave in (a lone surrogate, a noncharacter).
ODD = ['"引号"', "back\\slash", "tab\there", "line\u2028sep", "表情😀", '["not", "a list"]', "\x7f"]
ODD += ["nul\x00byte", "bell\x07", "vt\x0b", "lone\ud800half", "non\ufffechar"]


def test_dedup_keys_with_any_characters_find_their_stored_items(db: Database) -> None:
    entries = [
        Entry(f"guid-{text}", f"标题 {n}", f"https://e.com/{text}", None, f"正文 {text} {n}")
        for n, text in enumerate(ODD)
    ]
    by_text = [Entry(f"other-{n}", e.title, None, None, e.summary) for n, e in enumerate(entries)]
    with db.session() as session:
        first = Source(name="a", title="A", type="feed", state=FetchState())
        second = Source(name="b", title="B", type="feed", state=FetchState())
        session.add_all([first, second])
        session.flush()
        assert store_entries(session, first, entries, NOW).new == len(ODD)
        # Each found by one key alone: its guid (scoped to the source), its link, its text.
        by_guid = [
            Entry(e.guid, f"新{n}", f"https://n.com/{n}", None, f"新{n}")
            for n, e in enumerate(entries)
        ]
        by_link = [
            Entry(f"x-{e.guid}", f"又{n}", e.link, None, f"又{n}") for n, e in enumerate(entries)
        ]
        for again, source in ((by_guid, first), (by_link, second), (by_text, second)):
            result = store_entries(session, source, again, NOW)
            assert (result.new, result.duplicates) == (0, len(ODD))


def test_the_pool_fetches_and_the_caller_parses_and_stores(
    db: Database, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"s{n}" for n in range(5)]
    for name in names:
        httpserver.expect_request(f"/{name}").respond_with_data(
            rss_bytes([(f"{name}-1", f"{name} 快讯", f"https://e.com/{name}")])
        )
    settings = make_settings(
        tmp_path, [{"name": n, "url": httpserver.url_for(f"/{n}")} for n in names], store_batch=2
    )
    threads: dict[str, set[str]] = {"fetch": set(), "parse": set(), "store": set()}
    for step, function in (("fetch", "fetch_step"), ("parse", "parse_step")):
        monkeypatch.setattr(ingest_module, function, _noting(threads[step], function))
    # The statement its turns run, not the function that starts a store: a store is a
    # generator, run a turn at a time.
    store = _noting(threads["store"], "store_batches", storing_module)
    monkeypatch.setattr(storing_module, "store_batches", store)
    runs = ingest(db, settings)
    assert [(r.name, r.status, r.new) for r in runs] == [(n, DONE, 1) for n in names]
    caller = {threading.current_thread().name}
    assert threads["parse"] == threads["store"] == caller
    assert caller.isdisjoint(threads["fetch"])


def _noting(  # type: ignore[no-untyped-def]
    seen: set[str], name: str, module: ModuleType = ingest_module
):
    original = getattr(module, name)

    def noted(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.add(threading.current_thread().name)
        return original(*args, **kwargs)

    return noted


@pytest.mark.parametrize("frozen_before", [False, True])
def test_ingest_freezes_the_heap_it_found_and_leaves_it_as_it_was(
    db: Database, httpserver: HTTPServer, tmp_path: Path, frozen_before: bool
) -> None:
    """The objects alive before ingest are out of the collector's scans while it runs, and back
    after; a heap the process froze itself (a server before forking) is left as it was."""
    httpserver.expect_request("/s").respond_with_data(rss_bytes([("g", "快讯", "https://e.com/")]))
    settings = make_settings(tmp_path, [{"name": "s", "url": httpserver.url_for("/s")}])
    gc.unfreeze()
    if frozen_before:
        gc.freeze()
    before = gc.get_freeze_count()
    during: list[int] = []
    try:
        runs = ingest(db, settings, on_done=lambda _run: during.append(gc.get_freeze_count()))
        after = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert [r.status for r in runs] == [DONE]
    # Frozen before: neither frozen more (the count only falls, as frozen objects die) nor
    # given back.
    if frozen_before:
        assert 0 < after <= during[0] <= before
    else:
        assert during[0] > 0 and before == after == 0


def test_no_source_is_sent_the_cookies_another_source_set(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """One pool thread, one kept session, two sources on one host: the second fetch goes out
    without the first one's cookie, as it did when each fetch had a session of its own."""
    cookies: dict[str, str | None] = {}

    def handler(request: Request) -> Response:
        cookies[request.path] = request.headers.get("Cookie")
        response = Response(rss_bytes([(request.path, "快讯", f"https://e.com{request.path}")]))
        response.set_cookie("visit", request.path.strip("/"))
        return response

    for path in ("/first", "/second"):
        httpserver.expect_request(path).respond_with_handler(handler)
    sources = [{"name": p.strip("/"), "url": httpserver.url_for(p)} for p in ("/first", "/second")]
    settings = make_settings(tmp_path, sources, concurrency=1)
    assert [r.status for r in ingest(db, settings)] == [DONE, DONE]
    assert cookies == {"/first": None, "/second": None}


def test_record_successes_leaves_what_record_success_leaves(db: Database) -> None:
    """The grouped store's Core statements against the ORM path, on states with an error streak,
    a backoff and old validators: a 200 with new validators, a 304, a 200 without any."""
    fetches = [(200, '"e2"', "Mon, 07 Dec 2026 09:00:00 GMT", 3), (304, None, None, 0)]
    fetches.append((200, None, None, 5))
    with db.session() as session:
        pairs = []
        for n in range(len(fetches)):
            pair = [
                Source(name=f"{way}{n}", title="T", type="feed", state=_failing_state())
                for way in ("orm", "core")
            ]
            session.add_all(pair)
            pairs.append(pair)
        session.flush()
        for (orm, _), (status, etag, modified, items) in zip(pairs, fetches, strict=True):
            record_success(orm.state, NOW, status, etag, modified)
            orm.state.items_seen += items
        record_successes(
            session,
            [
                Fetched(core.id, NOW, status, etag, modified, items)
                for (_, core), (status, etag, modified, items) in zip(pairs, fetches, strict=True)
            ],
        )
    with db.session() as session:
        states = {s.name: s.state for s in session.scalars(select(Source))}
        attempts = {
            a.source_id: (a.at, a.ok, a.http_status, a.error)
            for a in session.scalars(select(FetchAttempt))
        }
        for orm, core in pairs:
            assert _columns(states[orm.name]) == _columns(states[core.name])
            assert attempts[orm.id] == attempts[core.id]
        assert states["core1"].etag == '"e0"'  # a 304 keeps the validators


def _failing_state() -> FetchState:
    return FetchState(
        etag='"e0"',
        last_modified="Sun, 06 Dec 2026 09:00:00 GMT",
        last_error="HTTP 503",
        last_status=503,
        error_count=2,
        total_errors=7,
        next_attempt_at=NOW,
        items_seen=40,
    )


def _columns(state: FetchState) -> dict[str, object]:
    return {
        c.name: getattr(state, c.key) for c in FetchState.__table__.columns if c.name != "source_id"
    }


def test_hashes_computed_ahead_are_the_ones_the_store_would_compute(db: Database) -> None:
    """hash_ahead reads outside the write transaction; the store reads again. An entry known
    then and gone by the store is hashed there; one unknown then and stored meanwhile by
    another writer is a duplicate; the others take the hashes computed ahead."""
    kept = Entry("kept", "留下的", "https://e.com/kept", None, "一直都在")
    gone = Entry("gone", "删掉的", "https://e.com/gone", None, "读完就删")
    raced = Entry("raced", "抢先的", "https://e.com/raced", None, "别人先存")
    fresh = Entry("fresh", "新的", "https://e.com/fresh", None, "第一次见")
    with db.session() as session:
        source = Source(name="a", title="A", type="feed", state=FetchState())
        other = Source(name="b", title="B", type="feed", state=FetchState())
        session.add_all([source, other])
        session.flush()
        store_entries(session, source, [kept, gone], NOW)
        batch = EntryBatch(source.id, "a", [kept, gone, raced, fresh], NOW)
        [ahead] = hash_ahead(session, [batch])
        assert ahead.hashes == [None, None, _hash_of(raced, "a"), _hash_of(fresh, "a")]
        session.execute(delete(Item).where(Item.guid_key == guid_key("gone", "a")))
        store_entries(session, other, [raced], NOW)
        [result] = store_batches(session, [ahead])
        assert (result.new, result.duplicates) == (2, 2)  # gone and fresh new; kept, raced seen
        hashes = dict(session.execute(select(Item.guid, Item.content_hash)).tuples().all())
    assert hashes == {
        e.guid: _hash_of(e, "a" if e is not raced else "b") for e in (kept, gone, raced, fresh)
    }


def _hash_of(entry: Entry, source: str) -> str:
    return content_hash(entry.title, entry.summary, guid_key(entry.guid, source))


def test_the_items_insert_converts_each_object_once() -> None:
    calls: list[object] = []

    def convert(value: object) -> str:
        calls.append(value)
        return repr(value)

    aware = datetime(2026, 12, 7, 10, tzinfo=UTC)
    same_instant = aware.astimezone(timezone(timedelta(hours=8)))
    column: list[object] = [aware, same_instant, aware, 1, True, {"a": 1}, aware]
    assert converted(convert, column) == [repr(value) for value in column]
    # Equal values are converted apart (a column may keep each one's zone; 1 is not True),
    # and an unhashable value is no trouble.
    assert calls == [aware, same_instant, 1, True, {"a": 1}]
