"""Ingest loses nothing: every distinct entry of the 200 real feeds of the shared benchmark corpus
(../shared/data/feeds-bench) is stored, parsed against the URL each feed was fetched from."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import fastfeedparser
import feedparser
import pytest
from sqlalchemy import func, select

from bench.corpora import shared_data
from newsdesk.config import Settings
from newsdesk.feeds.parse import parse_feed
from newsdesk.store.db import Database
from newsdesk.store.items import store_entries
from newsdesk.store.models import ItemSource, Source
from newsdesk.store.sources import sync_sources
from newsdesk.text.clean import clean_text

CORPUS = shared_data("feeds-bench")
# README table row: | `file` | bytes | format | source URL |
_ROW = re.compile(r"^\| `([0-9a-f]{16})` \|[^|]*\|[^|]*\| (\S+) \|", re.M)
NOW = datetime(2026, 2, 20, tzinfo=UTC)


def corpus_urls() -> dict[str, str]:
    if not (CORPUS / "README.md").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the feed corpus is missing: {CORPUS}")
        pytest.skip(f"no feed corpus at {CORPUS}")
    return dict(_ROW.findall((CORPUS / "README.md").read_text(encoding="utf-8")))


@dataclass
class _Groups:
    """Union-find over a feed's raw entries: one group per distinct entry."""

    parent: list[int]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, keys: list[str | None]) -> int:
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if not key:
                continue
            j = first.setdefault(key, i)
            self.parent[self.find(i)] = self.find(j)
        return len({self.find(i) for i in range(len(self.parent))})


def distinct_entries(body: bytes) -> tuple[int, int]:
    """Count a feed's entries as the raw parser output has them, without newsdesk's normalising:
    (entries distinct by id or link, groups once same-title entries may merge too)."""
    try:
        raw: list[Any] = fastfeedparser.parse(body)["entries"]
    except Exception:  # noqa: BLE001 - the reference falls back like the product does
        raw = feedparser.parse(body).entries
    groups = _Groups(list(range(len(raw))))
    groups.join([(e.get("id") or "").strip() or None for e in raw])
    by_id_or_link = groups.join([(e.get("link") or "").strip() or None for e in raw])
    by_title_too = groups.join([clean_text(e.get("title")) or None for e in raw])
    return by_id_or_link, by_title_too


def test_every_distinct_entry_of_the_corpus_is_stored(sqlite_db: Database) -> None:
    urls = corpus_urls()
    assert len(urls) == 200
    names = {f: f"f{f}" for f in urls}
    settings = Settings(sources=[{"name": names[f], "url": url} for f, url in urls.items()])
    expected: dict[str, tuple[int, int]] = {}
    with sqlite_db.session() as session:
        rows = sync_sources(session, settings)
        for file, url in urls.items():
            body = (CORPUS / file).read_bytes()
            expected[names[file]] = distinct_entries(body)
            parsed = parse_feed(body, base_url=url)
            store_entries(session, rows[names[file]], parsed.entries, NOW)
    with sqlite_db.session() as session:
        seen = dict(
            session.execute(
                select(Source.name, func.count(func.distinct(ItemSource.item_id)))
                .join(ItemSource, ItemSource.source_id == Source.id)
                .group_by(Source.name)
            ).all()
        )
    short = {
        name: (seen.get(name, 0), want)
        for name, (_, want) in expected.items()
        if seen.get(name, 0) < want
    }
    assert short == {}, f"feeds that lost entries (stored, distinct): {short}"
    stored = sum(seen.values())
    distinct = sum(d for d, _ in expected.values())
    print(f"corpus: {stored} entries stored, {distinct} distinct by id or link")
