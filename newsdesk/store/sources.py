"""Source rows and their fetch state: sync from config, record success and failure, backoff."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, object_session

from newsdesk.config import FetchSettings, Settings, SourceConfig
from newsdesk.errors import RateLimited
from newsdesk.store.db import lock_for_write
from newsdesk.store.models import FetchAttempt, FetchState, Source

MANUAL = "manual"
SOURCES_LOCK = 0x6E640003
_SOURCES = cast(Table, Source.__table__)
_STATES = cast(Table, FetchState.__table__)


def sync_sources(session: Session, settings: Settings) -> dict[str, Source]:
    """Mirror desk.yaml's sources into the store; sources dropped from the file are disabled.

    Under a write lock: two runs registering a fresh store at once would clash on the names.
    Sources new to the store go in with their fetch states in a Core INSERT each, then load
    with the rest: the ORM's unit of work for 200 new sources and states cost 20-60 ms more
    CPU (40-120 against 26-60 ms), before the first fetch of a run could start.
    """
    lock_for_write(session, SOURCES_LOCK)
    rows = {s.name: s for s in session.scalars(select(Source))}
    new = [conf for conf in settings.sources if conf.name not in rows]
    if new:
        _insert_sources(session, new)
        names = [conf.name for conf in new]
        rows |= {s.name: s for s in session.scalars(select(Source).where(Source.name.in_(names)))}
    for conf in settings.sources:
        row = rows[conf.name]
        row.title, row.url, row.type, row.enabled = (
            conf.display_name,
            conf.url,
            conf.type,
            conf.enabled,
        )
    configured = set(settings.source_names) | {MANUAL}
    for name, row in rows.items():
        # Manual sources (one per outlet typed in with ``item add``) are never in desk.yaml.
        if name not in configured and row.type != MANUAL:
            row.enabled = False
    session.flush()
    return rows


def _insert_sources(session: Session, confs: Sequence[SourceConfig]) -> None:
    """Sources and their (empty) fetch states, in the order given (so the ids are the ones the
    ORM gave them, one after the other)."""
    session.execute(
        insert(_SOURCES),
        [
            {
                "name": conf.name,
                "title": conf.display_name,
                "url": conf.url,
                "type": conf.type,
                "enabled": conf.enabled,
            }
            for conf in confs
        ],
    )
    names = [conf.name for conf in confs]
    ids = session.scalars(select(Source.id).where(Source.name.in_(names)))
    session.execute(insert(_STATES), [{"source_id": source_id} for source_id in ids])


def get_source(session: Session, name: str) -> Source | None:
    return session.scalar(select(Source).where(Source.name == name))


def manual_source(session: Session) -> Source:
    row = get_source(session, MANUAL)
    if row is None:
        row = Source(name=MANUAL, title="手动添加", url=None, type=MANUAL, state=FetchState())
        session.add(row)
        session.flush()
    return row


def backoff_delay(errors: int, settings: FetchSettings, rng: random.Random | None = None) -> float:
    """Exponential backoff with 'equal jitter': half fixed, half random, capped."""
    ceiling = min(settings.backoff_max, settings.backoff_base * 2 ** max(0, errors - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def _log_attempt(
    state: FetchState, now: datetime, ok: bool, status: int | None, error: str | None
) -> None:
    session = object_session(state)
    if session is None:
        raise ValueError("record a fetch on a fetch state that belongs to a session")
    session.add(
        FetchAttempt(source_id=state.source_id, at=now, ok=ok, http_status=status, error=error)
    )


def prune_attempts(session: Session, now: datetime, keep_days: int) -> int:
    """Drop fetch attempts older than ``keep_days``; returns how many went.

    By time alone, so the ``at`` index finds just the expired rows: run before every
    fetch, it touches nothing on most runs.
    """
    result = session.execute(
        delete(FetchAttempt).where(FetchAttempt.at < now - timedelta(days=keep_days))
    )
    return result.rowcount or 0


def _success(
    now: datetime, status: int, etag: str | None, last_modified: str | None
) -> dict[str, object]:
    """A fetch state's columns after a successful fetch (a 304 keeps the validators)."""
    values: dict[str, object] = {
        "last_fetch_at": now,
        "last_success_at": now,
        "last_status": status,
        "last_error": None,
        "error_count": 0,
        "next_attempt_at": None,
    }
    if status != 304:
        values |= {"etag": etag, "last_modified": last_modified}
    return values


def record_success(
    state: FetchState, now: datetime, status: int, etag: str | None, last_modified: str | None
) -> None:
    _log_attempt(state, now, True, status, None)
    for column, value in _success(now, status, etag, last_modified).items():
        setattr(state, column, value)


@dataclass(frozen=True)
class Fetched:
    """A source's successful fetch at ``at`` that brought ``items`` entries."""

    source_id: int
    at: datetime
    status: int
    etag: str | None
    last_modified: str | None
    items: int


def record_successes(session: Session, fetches: Sequence[Fetched]) -> None:
    """:func:`record_success` for several sources (each state's ``items_seen`` grown by its
    fetch's entries) in an UPDATE per set of columns (a 304 keeps the validators) and one
    INSERT of the attempts: loading 200 sources with their states and flushing them through
    the ORM's unit of work cost more than storing their sightings."""
    table = _STATES
    shapes: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for fetch in fetches:
        values = _success(fetch.at, fetch.status, fetch.etag, fetch.last_modified)
        row = {f"new_{c}": v for c, v in values.items()}
        shapes.setdefault(tuple(values), []).append(
            row | {"id": fetch.source_id, "items": fetch.items}
        )
    for columns, rows in shapes.items():
        changed = {c: bindparam(f"new_{c}") for c in columns}
        session.execute(
            update(table)
            .where(table.c.source_id == bindparam("id"))
            .values(changed | {"items_seen": table.c.items_seen + bindparam("items")}),
            rows,
        )
    attempts = [
        {"source_id": f.source_id, "at": f.at, "ok": True, "http_status": f.status, "error": None}
        for f in fetches
    ]
    if attempts:
        session.execute(insert(cast(Table, FetchAttempt.__table__)), attempts)


def record_failure(
    state: FetchState, now: datetime, error: Exception, settings: FetchSettings
) -> None:
    state.last_fetch_at = now
    state.last_error = str(error)
    state.last_status = getattr(error, "status", None)
    _log_attempt(state, now, False, state.last_status, state.last_error)
    state.error_count += 1
    state.total_errors += 1
    if state.error_count >= settings.pause_after_errors:
        delay = settings.backoff_max
    else:
        delay = backoff_delay(state.error_count, settings)
    if isinstance(error, RateLimited) and error.retry_after:
        delay = max(delay, error.retry_after)
    state.next_attempt_at = now + timedelta(seconds=delay)


@dataclass(frozen=True)
class SourceStatus:
    name: str
    title: str
    type: str
    enabled: bool
    status: str
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    error_count: int
    total_errors: int
    last_error: str | None
    next_attempt_at: datetime | None
    items: int


def describe(row: Source, items: int, now: datetime, settings: FetchSettings) -> SourceStatus:
    state = row.state or FetchState()
    if not row.enabled:
        status = "disabled"
    elif (state.error_count or 0) >= settings.pause_after_errors:
        status = "paused"
    elif state.next_attempt_at and state.next_attempt_at > now:
        status = "backoff"
    elif state.last_fetch_at is None:
        status = "new"
    elif state.error_count:
        status = "failing"
    else:
        status = "ok"
    return SourceStatus(
        row.name,
        row.title,
        row.type,
        row.enabled,
        status,
        state.last_fetch_at,
        state.last_success_at,
        state.error_count or 0,
        state.total_errors or 0,
        state.last_error,
        state.next_attempt_at,
        items,
    )


def reset_source(session: Session, name: str) -> bool:
    row = get_source(session, name)
    if row is None or row.state is None:
        return False
    row.state.error_count = 0
    row.state.next_attempt_at = None
    return True
