"""Ingest end to end against loopback servers, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import event, func, select

from newsdesk.entries import Entry
from newsdesk.errors import ItemError
from newsdesk.feeds.ingest import (
    fetch_step,
    ingest,
    ingest_source,
    parse_step,
    register_sources,
    store_step,
)
from newsdesk.feeds.manual import add_manual_item
from newsdesk.review.accounts import Actor
from newsdesk.review.service import transition
from newsdesk.store.db import Database
from newsdesk.store.items import recent_items, store_entries
from newsdesk.store.models import FetchAttempt, FetchState, Item, ItemSource, Source
from newsdesk.store.sources import describe, get_source
from tests.conftest import make_settings
from tests.feeds import rss_bytes
from tests.raw_server import RawServer, send
from tests.review_data import plant
from tests.web_support import review_settings

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def state_of(db: Database, name: str) -> FetchState:
    with db.session() as session:
        return get_source(session, name).state


def test_same_item_in_two_feeds_stored_once(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    shared = (
        "https://wire.example.com/story/1",
        "降准0.25个百分点",
        "https://wire.example.com/story/1?utm_source=a",
    )
    httpserver.expect_request("/a").respond_with_data(
        rss_bytes([shared, ("a-2", "只在A源", "https://a.example.com/2")])
    )
    httpserver.expect_request("/b").respond_with_data(
        rss_bytes(
            [
                ("b-9", "降准0.25个百分点（转载）", "https://wire.example.com/story/1"),
                ("b-3", "只在B源", "https://b.example.com/3"),
            ]
        )
    )
    settings = make_settings(
        tmp_path,
        [
            {"name": "a", "url": httpserver.url_for("/a")},
            {"name": "b", "url": httpserver.url_for("/b")},
        ],
    )
    runs = ingest(db, settings)  # concurrent: either source may store the shared story first
    assert [r.status for r in runs] == ["done", "done"]
    assert sum(r.new for r in runs) == 3 and sum(r.duplicates for r in runs) == 1
    assert count(db, Item) == 3
    with db.session() as session:
        story = session.scalar(select(Item).where(Item.link == "https://wire.example.com/story/1"))
        carriers = session.scalars(
            select(ItemSource.source_id).where(ItemSource.item_id == story.id)
        ).all()
    assert len(carriers) == 2


def test_rerun_adds_nothing(db: Database, httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        rss_bytes([(f"g{i}", f"标题{i}", f"https://e.com/{i}") for i in range(5)])
    )
    settings = make_settings(tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}])
    assert ingest_source(db, settings, "f").new == 5
    again = ingest_source(db, settings, "f")
    assert (again.status, again.new, again.duplicates) == ("done", 0, 5)
    assert count(db, Item) == 5 and count(db, ItemSource) == 5


def test_304_is_unchanged_and_keeps_validators(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed", headers={"If-None-Match": '"e1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/feed").respond_with_data(
        rss_bytes([("g", "t", "https://e.com/")]), headers={"ETag": '"e1"'}
    )
    settings = make_settings(tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}])
    assert ingest_source(db, settings, "f").new == 1
    second = ingest_source(db, settings, "f")
    assert second.status == "unchanged"
    assert state_of(db, "f").etag == '"e1"'


def test_500_then_recovery(db: Database, httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/feed").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/feed").respond_with_data(
        rss_bytes([("g", "恢复", "https://e.com/r")])
    )
    settings = make_settings(tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}])
    first = ingest_source(db, settings, "f", now=NOW)
    assert first.status == "failed" and "HTTP 500" in first.error
    state = state_of(db, "f")
    assert state.error_count == 1
    # equal jitter: between half and all of backoff_base after the first failure
    assert NOW + timedelta(seconds=30) <= state.next_attempt_at <= NOW + timedelta(seconds=60)
    skipped = ingest_source(db, settings, "f", now=NOW + timedelta(seconds=5))
    assert skipped.status == "skipped" and "backing off" in skipped.error
    later = NOW + timedelta(minutes=2)
    assert ingest_source(db, settings, "f", now=later).status == "failed"
    assert state_of(db, "f").error_count == 2
    ok = ingest_source(db, settings, "f", now=later + timedelta(hours=1))
    assert (ok.status, ok.new) == ("done", 1)
    state = state_of(db, "f")
    assert state.error_count == 0 and state.total_errors == 2 and state.next_attempt_at is None
    # Every fetch that happened (not the skipped one) is logged with its outcome.
    with db.session() as session:
        attempts = [
            (a.at, a.ok, a.http_status, a.error is not None)
            for a in session.scalars(select(FetchAttempt).order_by(FetchAttempt.id))
        ]
    assert attempts == [
        (NOW, False, 500, True),
        (later, False, 500, True),
        (later + timedelta(hours=1), True, 200, False),
    ]


def test_old_fetch_attempts_are_pruned(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data("down", status=503)
    settings = make_settings(
        tmp_path,
        [{"name": "f", "url": httpserver.url_for("/feed")}],
        attempt_log_days=30,
    )
    ingest_source(db, settings, "f", now=NOW)
    ingest_source(db, settings, "f", now=NOW + timedelta(days=10), force=True)
    assert count(db, FetchAttempt) == 2
    ingest_source(db, settings, "f", now=NOW + timedelta(days=31), force=True)
    with db.session() as session:
        kept = list(session.scalars(select(FetchAttempt.at).order_by(FetchAttempt.at)))
    assert kept == [NOW + timedelta(days=10), NOW + timedelta(days=31)]


def test_repeated_failures_pause_source(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data("no", status=500)
    settings = make_settings(
        tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}], pause_after_errors=3
    )
    when = NOW
    for _ in range(3):
        ingest_source(db, settings, "f", now=when, force=True)
        when += timedelta(hours=1)
    with db.session() as session:
        status = describe(get_source(session, "f"), 0, when, settings.fetch)
    assert status.status == "paused" and status.error_count == 3
    assert state_of(db, "f").next_attempt_at >= NOW + timedelta(
        hours=2, seconds=settings.fetch.backoff_max - 1
    )


def test_429_retry_after_schedules_next_attempt(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    settings = make_settings(tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}])
    run = ingest_source(db, settings, "f", now=NOW)
    assert run.status == "failed" and "429" in run.error
    assert state_of(db, "f").next_attempt_at >= NOW + timedelta(seconds=3600)


def test_malformed_feed_does_not_stop_others(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/bad").respond_with_data(
        "<rss><channel><item><title>半截", content_type="application/xml"
    )
    httpserver.expect_request("/html").respond_with_data(
        "<!doctype html><html><body>首页</body></html>", content_type="text/html"
    )
    httpserver.expect_request("/good").respond_with_data(
        rss_bytes([("g", "正常", "https://e.com/ok")])
    )
    settings = make_settings(
        tmp_path,
        [
            {"name": "bad", "url": httpserver.url_for("/bad")},
            {"name": "html", "url": httpserver.url_for("/html")},
            {"name": "good", "url": httpserver.url_for("/good")},
        ],
    )
    runs = {r.name: r for r in ingest(db, settings)}
    assert runs["bad"].status == "failed" and "malformed XML" in runs["bad"].error
    assert runs["html"].status == "failed" and "HTML page" in runs["html"].error
    assert runs["good"].status == "done" and runs["good"].new == 1
    assert state_of(db, "bad").error_count == 1 and "malformed" in state_of(db, "bad").last_error


def test_private_address_refused_in_ingest(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss_bytes([("g", "t", "https://e.com/")]))
    settings = make_settings(
        tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}], allow_private_networks=False
    )
    run = ingest_source(db, settings, "f")
    assert run.status == "failed" and "loopback" in run.error
    assert count(db, Item) == 0 and httpserver.log == []


def test_steps_compose_like_the_flow(db: Database, httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        rss_bytes([("g", "分步", "https://e.com/s")])
    )
    settings = make_settings(tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}])
    fetched = fetch_step(db, settings, "f")
    assert fetched.status == "fetched" and fetched.responses
    parsed = parse_step(db, settings, fetched)
    assert parsed.status == "parsed" and parsed.entries[0].title == "分步"
    stored = store_step(db, settings, parsed)
    assert (stored.status, stored.new) == ("done", 1)
    assert store_step(db, settings, stored) is stored


def test_research_pages_extracted(db: Database, demo_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        tmp_path,
        [
            {
                "name": "r",
                "type": "page",
                "url": f"{demo_server.base_url}/research/index.html",
                "follow_links": True,
            }
        ],
    )
    run = ingest_source(db, settings, "r")
    assert run.status == "done" and run.new >= 10
    with db.session() as session:
        pages = session.scalars(select(Item).where(Item.kind == "page")).all()
        page = next(p for p in pages if "低空经济" in p.title)
    assert "适航" in page.body and page.published_at is not None
    assert "研究首页" not in page.body


def test_a_page_with_too_many_tags_fails_fast(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """1 MB of "<p>x" kept trafilatura busy for 42 s; over fetch.text_limits.page_tags it is
    refused before extraction, counted against the source, and a normal page still goes."""
    flood = b"<html><body>" + b"<p>x" * 250_000 + b"</body></html>"
    article = (
        "<html><head><title>研报：低空经济</title></head><body><article><h1>研报：低空经济</h1>"
        + "<p>低空经济产业链迎来政策催化，eVTOL 适航审定提速，相关公司订单饱满。</p>" * 5
        + "</article></body></html>"
    ).encode()
    httpserver.expect_request("/flood").respond_with_data(flood, content_type="text/html")
    httpserver.expect_request("/article").respond_with_data(article, content_type="text/html")
    settings = make_settings(
        tmp_path,
        [
            {"name": "flood", "type": "page", "url": httpserver.url_for("/flood")},
            {"name": "article", "type": "page", "url": httpserver.url_for("/article")},
        ],
    )
    runs = {r.name: r for r in ingest(db, settings)}
    assert runs["flood"].status == "failed" and "page_tags" in runs["flood"].error
    assert state_of(db, "flood").error_count == 1
    assert runs["article"].status == "done" and runs["article"].new == 1


def test_demo_desk_ingests(db: Database, demo_server, tmp_path: Path, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.config import load_settings

    settings = load_settings(demo_dir.parent / "config" / "desk.yaml")
    base = demo_server.base_url
    for source in settings.sources:
        source.url = source.url.replace("http://127.0.0.1:8765", base)
    runs = ingest(db, settings)
    assert all(r.status == "done" for r in runs), [r.summary() for r in runs if r.status != "done"]
    assert count(db, Item) >= 200
    again = ingest(db, settings)
    assert {r.status for r in again} == {"unchanged"}  # the demo server answers 304
    assert sum(r.new for r in ingest(db, settings, force=True)) == 0
    with db.session() as session:
        titles = [i.title for i in recent_items(session, limit=400)]
        sources = session.scalar(select(func.count()).select_from(Source))
    assert any("产业前沿" not in t and "低空经济" in t for t in titles)
    assert sources == len(settings.sources)


def test_manual_item(db: Database) -> None:
    first = add_manual_item(
        db,
        "<b>电话会纪要</b>：翔云航空科技交付计划",
        "交付节奏加快。",
        link="https://e.com/call?utm_medium=x",
    )
    assert first.new == 1
    assert (
        add_manual_item(
            db, "电话会纪要：翔云航空科技交付计划", "交付节奏加快", link="https://e.com/call"
        ).new
        == 0
    )
    with db.session() as session:
        item = session.get(Item, first.item_ids[0])
        assert item.title == "电话会纪要 ：翔云航空科技交付计划" or item.title.startswith(
            "电话会纪要"
        )
        assert (
            item.kind == "manual"
            and item.source.name == "manual"
            and item.link == "https://e.com/call"
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "  "}, "non-empty title"),
        ({"title": "x" * 600}, "at most"),
        ({"title": "t", "link": "ftp://e.com/x"}, "not an http"),
        ({"title": "t", "published": "yesterday-ish?"}, "published time"),
    ],
)
def test_manual_item_bad_input(db: Database, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ItemError, match=message):
        add_manual_item(db, **kwargs)
    assert count(db, Item) == 0


def test_illegal_characters_are_stored_replaced(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """&#xD800; in a title crashed every run (UnicodeEncodeError); NUL is refused by PostgreSQL."""
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        "<item><guid>g-1</guid><title>标题&#xD800;一&#0;</title><link>https://e.com/a</link>"
        "<description>摘要\x00&#xDFFF;</description></item></channel></rss>"
    ).encode()
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="application/xml")
    settings = make_settings(tmp_path, [{"name": "f", "url": httpserver.url_for("/feed")}])
    [run] = ingest(db, settings)
    assert (run.status, run.new) == ("done", 1), run.error
    with db.session() as session:
        item = session.scalar(select(Item))
        assert (item.title, item.summary) == ("标题\ufffd一\ufffd", "摘要\ufffd")


def test_any_error_in_a_source_counts_toward_its_backoff(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """A fault no FeedError describes (here urllib's ValueError on a broken redirect) ends that
    source's run with an error and a backoff; the run and the other sources go on."""
    httpserver.expect_request("/good").respond_with_data(
        rss_bytes([("g", "正常", "https://e.com/ok")])
    )
    redirect = b"HTTP/1.1 302 Found\r\nLocation: http://[::1/feed\r\nContent-Length: 0\r\n\r\n"
    with RawServer(send(redirect)) as broken:
        settings = make_settings(
            tmp_path,
            [
                {"name": "broken", "url": broken.url("/broken")},
                {"name": "good", "url": httpserver.url_for("/good")},
            ],
        )
        runs = {r.name: r for r in ingest(db, settings)}
    assert runs["broken"].status == "failed" and "ValueError" in runs["broken"].error
    assert runs["good"].status == "done" and runs["good"].new == 1
    state = state_of(db, "broken")
    assert state.error_count == 1 and state.next_attempt_at > state.last_fetch_at


def test_entries_apart_by_fragment_or_without_words_stay_apart(db: Database) -> None:
    """A journal's anchors and a photo blog's title-less posts are distinct items, not duplicates."""
    anchors = [
        Entry(f"j{i}", f"日记{i}", f"https://j.example.com/now.html#day-{i}", None, "")
        for i in range(3)
    ]
    photos = [Entry(f"p{i}", "", f"https://p.example.com/post/{i}", None, "") for i in range(3)]
    with db.session() as session:
        source = Source(name="j", title="J", type="feed", state=FetchState())
        session.add(source)
        session.flush()
        result = store_entries(session, source, anchors + photos, NOW)
    assert (result.new, result.duplicates) == (6, 0)
    with db.session() as session:
        again = store_entries(session, get_source(session, "j"), anchors + photos, NOW)
    assert (again.new, again.duplicates) == (0, 6)


def test_demo_articles_are_served(demo_server, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The 原文 link of every demo item opens a page with its title (it answered 404)."""
    import requests

    from newsdesk.feeds.parse import parse_feed

    links = []
    for feed in sorted((demo_dir / "feeds").glob("*.xml")):
        links += [(e.title, urlsplit(e.link).path) for e in parse_feed(feed.read_bytes()).entries]
    assert len(links) > 50
    with requests.Session() as http:
        for title, path in links[:: max(1, len(links) // 40)]:
            page = http.get(f"{demo_server.base_url}{path}?utm_source=rss", timeout=10)
            assert page.status_code == 200 and title in page.text, path
        assert (
            http.get(f"{demo_server.base_url}/articles/none/x.html", timeout=10).status_code == 404
        )


def test_an_editor_writes_while_a_huge_feed_is_stored(
    db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """Issue 26 item 4: a 20,000-item feed in one transaction held SQLite's write lock until
    every item was in, and an editor's action waited for it (failed after the busy timeout).
    Here 6,000 items in batches of 250: the editor's action goes in between two batches."""
    total = 6_000
    httpserver.expect_request("/huge").respond_with_data(
        rss_bytes([(f"h{i}", f"第{i}条快讯", f"https://e.com/h/{i}") for i in range(total)])
    )
    sources = [{"name": "huge", "url": httpserver.url_for("/huge")}]
    settings = make_settings(tmp_path, sources, store_batch=250)
    draft_id = plant(db)
    result: list[str] = []
    storing = threading.Thread(
        target=lambda: result.append(ingest_source(db, settings, "huge").status)
    )
    storing.start()
    while storing.is_alive() and count(db, Item) == 0:  # the first batch is in
        time.sleep(0.01)
    editor = Actor("editor", "editor")
    approved = transition(db, review_settings(), draft_id, "approve", editor, expected_version=1)
    stored_when_approved = count(db, Item)
    storing.join()
    assert approved.to_state == "approved" and result == ["done"]
    assert 0 < stored_when_approved < total  # the editor did not wait for the whole feed
    assert count(db, Item) == total


def test_ingest_leaves_sqlite_write_lock_free_as_long_as_each_batch_held_it(
    sqlite_db: Database, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """Why the editor above waited for the whole feed at a load of 5: SQLite's busy handler
    retries 1-100 ms apart, and the batches, committed back to back, left the lock free ~1 ms
    between holds of ~15 ms. Each batch now waits as long as the one before held the lock."""
    httpserver.expect_request("/huge").respond_with_data(
        rss_bytes([(f"h{i}", f"第{i}条快讯", f"https://e.com/h/{i}") for i in range(2_000)])
    )
    settings = make_settings(
        tmp_path, [{"name": "huge", "url": httpserver.url_for("/huge")}], store_batch=250
    )
    register_sources(sqlite_db, settings)  # so the batches are the only write transactions
    marks: list[tuple[str, float]] = []  # ("begin" | "commit", time) of each write transaction

    def began(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN IMMEDIATE"):
            marks.append(("begin", time.monotonic()))

    def committed(_conn) -> None:  # type: ignore[no-untyped-def]
        if marks and marks[-1][0] == "begin":
            marks.append(("commit", time.monotonic()))

    event.listen(sqlite_db.engine, "before_cursor_execute", began)
    event.listen(sqlite_db.engine, "commit", committed)
    assert ingest_source(sqlite_db, settings, "huge").status == "done"
    times = [t for _, t in marks]
    assert [k for k, _ in marks] == ["begin", "commit"] * 8
    holds = [times[i + 1] - times[i] for i in range(0, len(times), 2)]
    pauses = [times[i + 1] - times[i] for i in range(1, len(times) - 1, 2)]
    assert all(pause >= hold for hold, pause in zip(holds, pauses, strict=False))


def test_each_dedup_key_alone_finds_a_stored_item(db: Database) -> None:
    """An entry a stored item carries by guid, by link or (both new) by its text is that item:
    a duplicate and a sighting of it, the text compared only when guid and link found none."""
    stored = Entry("g1", "央行降准", "https://e.com/1", None, "释放长期资金约1万亿元")
    with db.session() as session:
        first = Source(name="a", title="A", type="feed", state=FetchState())
        second = Source(name="b", title="B", type="feed", state=FetchState())
        session.add_all([first, second])
        session.flush()
        assert store_entries(session, first, [stored], NOW).new == 1
    again = [
        Entry("g1", "标题改了", "https://e.com/changed", None, "正文也改了"),  # by guid
        Entry("g2", "标题又改了", "https://e.com/1", None, "正文又改了"),  # by link
        Entry("g3", "央行 降准！", "https://e.com/3", None, "释放长期资金约1万亿元。"),  # by text
        Entry("g4", "新消息", "https://e.com/4", None, "另一条"),
    ]
    with db.session() as session:
        result = store_entries(session, get_source(session, "a"), again, NOW)
        assert (result.new, result.duplicates) == (1, 3)
        # b's bare guids are its own ("b:g1"): its first entry is news, the others a's items
        result = store_entries(session, get_source(session, "b"), again, NOW)
        assert (result.new, result.duplicates) == (1, 3)
    assert count(db, Item) == 3 and count(db, ItemSource) == 5  # b sighted a's two items


def test_a_text_two_outlets_published_is_dated_by_its_first_publication(db: Database) -> None:
    """The demo day: one outlet's 11-18 results item, republished word for word by another on
    11-22, was dated by whichever copy was fetched first — so it was Monday's news in some runs
    and not in others. The stored item keeps the earliest publication, in either order."""
    early, late = datetime(2026, 11, 18, 9, tzinfo=UTC), datetime(2026, 11, 22, 16, tzinfo=UTC)
    with db.session() as session:
        session.add_all(
            [Source(name=n, title=n, type="feed", state=FetchState()) for n in ("a", "b")]
        )
    for text, order in (
        ("东岳新能源净利润增长50%", (late, early)),
        ("北辰光伏净利润增长10%", (early, late)),
    ):
        for name, when in zip(("a", "b"), order, strict=True):
            entry = Entry(f"{name}-{text}", text, f"https://{name}.com/{text}", when, text)
            with db.session() as session:
                store_entries(session, get_source(session, name), [entry], NOW)
    with db.session() as session:
        dated = {i.title: i.published_at for i in session.scalars(select(Item))}
    assert {t: d.replace(tzinfo=UTC) if d.tzinfo is None else d for t, d in dated.items()} == {
        "东岳新能源净利润增长50%": early,
        "北辰光伏净利润增长10%": early,
    }
