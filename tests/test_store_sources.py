"""Registering desk.yaml's sources (issue 27): new sources go in with Core INSERTs, and the store
holds what the ORM's unit of work left: ids in desk.yaml's order, an empty fetch state each, the
configured columns; a later sync updates them, disables dropped sources and appends new ones."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from newsdesk.store.db import Database
from newsdesk.store.models import FetchState, Source
from newsdesk.store.sources import MANUAL, manual_source, sync_sources
from tests.conftest import make_settings

EMPTY_STATE = {
    "etag": None,
    "last_modified": None,
    "last_fetch_at": None,
    "last_success_at": None,
    "last_status": None,
    "last_error": None,
    "error_count": 0,
    "total_errors": 0,
    "next_attempt_at": None,
    "items_seen": 0,
}


def desk(*names: str, title: str = "") -> list[dict[str, str]]:
    return [
        {"name": name, "url": f"https://{name}.example.com/rss", "title": title or name.upper()}
        for name in names
    ]


def stored(db: Database) -> list[tuple[int, str, str, str | None, str, bool, dict[str, object]]]:
    with db.session() as session:
        return [
            (
                s.id,
                s.name,
                s.title,
                s.url,
                s.type,
                s.enabled,
                {c.key: getattr(s.state, c.key) for c in FetchState.__table__.columns}
                | {"source_id": None},
            )
            for s in session.scalars(select(Source).order_by(Source.id))
        ]


def test_new_sources_are_stored_in_desk_order_with_empty_fetch_states(
    db: Database, tmp_path: Path
) -> None:
    names = ["zeta", "alpha", "mid", "beta"]
    settings = make_settings(tmp_path, desk(*names))
    with db.session() as session:
        rows = sync_sources(session, settings)
        assert sorted(rows) == sorted(names)
        assert all(isinstance(row.created_at, datetime) for row in rows.values())
        assert all(rows[name].state.source_id == rows[name].id for name in names)
    state = EMPTY_STATE | {"source_id": None}
    assert stored(db) == [
        (n, name, name.upper(), f"https://{name}.example.com/rss", "feed", True, state)
        for n, name in enumerate(names, start=1)
    ]


def test_a_later_sync_updates_disables_and_appends(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        sync_sources(session, make_settings(tmp_path, desk("a", "b", "c")))
        manual_source(session)
    later = make_settings(tmp_path, desk("c", "d", "a", title="Renamed"))
    with db.session() as session:
        rows = sync_sources(session, later)
        assert sorted(rows) == ["a", "b", "c", "d", MANUAL]
    got = [(row[0], row[1], row[2], row[5]) for row in stored(db)]
    assert got == [
        (1, "a", "Renamed", True),
        (2, "b", "B", False),  # dropped from desk.yaml
        (3, "c", "Renamed", True),
        (4, MANUAL, "手动添加", True),  # never in desk.yaml, never disabled
        (5, "d", "Renamed", True),
    ]
