"""Ingest one source in three steps: fetch -> parse -> store.

Each step takes the previous step's :class:`SourceRun` and returns it
advanced; a run that ended (skipped, unchanged, failed) passes through the
later steps untouched. ``ingest`` (the CLI) fetches in a pool and parses and
stores in its own thread, several sources' entries per transaction; the Prefect
flow fetches and parses a source per task and stores them all in one task the
same way (``store_steps``). Failures are recorded on the source's fetch state
(error counter, backoff) and never raised, so one bad feed cannot stop the others.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

from newsdesk.config import Settings, SourceConfig, TextLimits
from newsdesk.entries import Entry
from newsdesk.feeds.fetch import ThreadSessions, fetch, new_session
from newsdesk.feeds.guard import Resolver
from newsdesk.feeds.market import parse_snapshots, snapshot_data, snapshot_entry
from newsdesk.feeds.normalise import canonical_link, parse_time
from newsdesk.feeds.parse import parse_feed
from newsdesk.feeds.run import (
    DONE,
    FAILED,
    SKIPPED,
    UNCHANGED,
    SourceRun,
    error_run,
    fail,
    now_utc,
)
from newsdesk.feeds.storing import Storing, advance, store_step, store_steps, storing_steps
from newsdesk.heap import frozen_heap
from newsdesk.research.extract import extract_page, page_links
from newsdesk.store.db import Database
from newsdesk.store.models import FetchState
from newsdesk.store.sources import get_source, prune_attempts, record_success, sync_sources
from newsdesk.store.write_turns import write_turns

# The steps and the run they pass on, for the CLI, the flow's tasks and the tests: a run's
# record and its ends are in ``feeds.run``, the store step in ``feeds.storing``.
__all__ = [
    "DONE",
    "FAILED",
    "SKIPPED",
    "UNCHANGED",
    "SourceRun",
    "fetch_step",
    "ingest",
    "ingest_source",
    "parse_step",
    "register_sources",
    "store_step",
    "store_steps",
]

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
ACCEPT = {"page": PAGE_ACCEPT, "market": "application/json, */*;q=0.5"}


def fetch_step(
    db: Database,
    settings: Settings,
    name: str,
    *,
    http: requests.Session | None = None,
    now: datetime | None = None,
    force: bool = False,
    resolver: Resolver | None = None,
    sleep: Callable[[float], None] = time.sleep,
    state: FetchState | None = None,
) -> SourceRun:
    """Fetch a source unless it is backing off; conditional GET with the stored validators.

    ``state``: the source's fetch state as :func:`ingest` read it with every other source's
    (and pruned the attempt log once); else it is read here, and the log pruned.
    """
    now = now or now_utc()
    conf = settings.source(name)
    run = SourceRun(name)
    if state is None:
        with db.session() as session:
            row = get_source(session, name)
            if row is None:  # a caller that did not register the sources first
                row = sync_sources(session, settings)[name]
            state = row.state
            prune_attempts(session, now, settings.fetch.attempt_log_days)
    if not conf.enabled:
        return replace(run, status=SKIPPED, error="disabled in config")
    if not force and state.next_attempt_at and state.next_attempt_at > now:
        when = state.next_attempt_at.isoformat(timespec="seconds")
        return replace(run, status=SKIPPED, error=f"backing off until {when}")
    etag, modified = state.etag, state.last_modified
    http = http or new_session(settings.fetch)
    accept = ACCEPT.get(conf.type)
    kwargs = {"resolver": resolver, "sleep": sleep} | ({"accept": accept} if accept else {})
    try:
        first = fetch(
            conf.url, settings.fetch, http=http, etag=etag, last_modified=modified, **kwargs
        )
        responses = [first]
        if conf.type == "page" and conf.follow_links and not first.not_modified:
            for link in page_links(first.body, first.url, conf.max_links, first.content_type):
                responses.append(fetch(link, settings.fetch, http=http, **kwargs))
    except Exception as exc:  # see run.fail
        return fail(db, settings, run, exc, now)
    if first.not_modified:
        with db.session() as session:
            record_success(get_source(session, name).state, now, 304, None, None)
        return replace(run, status=UNCHANGED)
    return replace(run, status="fetched", responses=tuple(responses))


def parse_step(
    db: Database, settings: Settings, run: SourceRun, *, now: datetime | None = None
) -> SourceRun:
    """Parse fetched bodies into entries (feeds) or extracted articles (pages)."""
    if run.finished:
        return run
    conf = settings.source(run.name)
    tz = ZoneInfo(settings.timezone)
    try:
        if conf.type == "page":
            return _parse_pages(conf, run, tz, settings.fetch.text_limits)
        if conf.type == "market":
            return _parse_snapshots(run, tz)
        response = run.responses[0]
        parsed = parse_feed(
            response.body,
            response.content_type,
            base_url=response.url,
            default_tz=tz,
            limits=settings.fetch.text_limits,
        )
    except Exception as exc:  # see run.fail
        return fail(db, settings, run, exc, now or now_utc())
    return replace(run, status="parsed", entries=tuple(parsed.entries), parser=parsed.parser)


def _parse_pages(conf: SourceConfig, run: SourceRun, tz: ZoneInfo, limits: TextLimits) -> SourceRun:
    pages = run.responses[1:] if conf.follow_links else run.responses
    entries: list[Entry] = []
    bodies: dict[str, str] = {}
    for response in pages:
        page = extract_page(response.body, response.url, response.content_type, limits)
        link = canonical_link(page.url) or page.url
        entries.append(
            Entry(
                link, page.title, link, parse_time(page.published, tz), page.text[:300], page.author
            )
        )
        bodies[link] = page.text
    return replace(run, status="parsed", entries=tuple(entries), bodies=bodies, parser="page")


def _parse_snapshots(run: SourceRun, tz: ZoneInfo) -> SourceRun:
    snapshots = parse_snapshots(run.responses[0].body)
    entries = tuple(snapshot_entry(s, tz) for s in snapshots)
    data = {e.guid: snapshot_data(s) for e, s in zip(entries, snapshots, strict=True)}
    return replace(run, status="parsed", entries=entries, data=data, parser="market")


def ingest_source(
    db: Database,
    settings: Settings,
    name: str,
    *,
    http: requests.Session | None = None,
    **kwargs: object,
) -> SourceRun:
    now = kwargs.pop("now", None) or now_utc()
    run = fetch_step(db, settings, name, http=http, now=now, **kwargs)  # type: ignore[arg-type]
    return store_step(db, settings, parse_step(db, settings, run, now=now), now=now)


def register_sources(db: Database, settings: Settings) -> None:
    """Mirror desk.yaml's sources into the store: once per run, before its fetches."""
    with db.session() as session:
        sync_sources(session, settings)


def ingest(
    db: Database,
    settings: Settings,
    names: Iterable[str] | None = None,
    *,
    force: bool = False,
    on_done: Callable[[SourceRun], None] | None = None,
) -> list[SourceRun]:
    """Ingest several sources: ``fetch.concurrency`` fetches at a time in a pool, each fetched
    feed parsed in this thread and stored with others, up to ``fetch.store_batch`` entries per
    transaction.

    The pool only fetches (its threads wait on the network): four threads parsing on two cores
    took the GIL from one another and the store, and cost more CPU than one thread parsing
    everything. On SQLite this thread parses while the write lock rests after a store
    (:class:`~newsdesk.store.write_turns.WriteTurns`) instead of sleeping through the pause,
    and does the next store's work ahead (its keys and content hashes) as soon as its batch is
    full, not when its turn comes: done then, that work delayed every turn after it, and the
    pause after each (the 200 bench feeds: 0.01-0.04 s a turn, 0.15-0.2 s in all).
    """
    selected = list(names) if names else [s.name for s in settings.sources if s.enabled]
    for name in selected:
        settings.source(name)
    with db.session() as session:  # one read of every source's state, not a session per fetch
        rows = sync_sources(session, settings)
        prune_attempts(session, now_utc(), settings.fetch.attempt_log_days)
        states = {name: rows[name].state for name in selected}
    runs: list[SourceRun] = []

    def finished(done: list[SourceRun]) -> None:
        runs.extend(done)
        for run in done:
            if on_done:
                on_done(run)

    turns, limit = write_turns(db), settings.fetch.store_batch
    parsed: list[tuple[SourceRun, datetime]] = []  # waiting to be stored together
    storing: Storing | None = None  # the store under way, between two of its turns
    with (
        frozen_heap(),
        ThreadSessions(settings.fetch) as sessions,
        ThreadPoolExecutor(settings.fetch.concurrency) as pool,
    ):
        order = {
            pool.submit(_safe_fetch, db, settings, name, force, states[name], sessions): n
            for n, name in enumerate(selected)
        }
        waiting = set(order)
        fetched: deque[tuple[SourceRun, datetime]] = deque()  # waiting to be parsed
        while waiting or fetched or parsed or storing:
            idle = not (waiting or fetched)
            if storing is None and parsed and (idle or _entries(parsed) >= limit):
                # A store's work ahead of its turn is done at once, not when the turn is due:
                # the pauses are what ingest waits for, not this thread's work.
                first = _first_batch(parsed, limit)
                storing, parsed = storing_steps(db, settings, parsed[:first]), parsed[first:]
                storing = _stepped(storing, finished)
            elif storing is not None and (idle or turns.due_in() == 0):
                storing = _stepped(storing, finished)
            elif fetched:  # one at a time: a turn may come due meanwhile
                run, now = fetched.popleft()
                run = _safe_parse(db, settings, run, now)
                if run.finished:
                    finished([run])
                else:
                    parsed.append((run, now))
            else:
                timeout = turns.due_in() if storing is not None else None
                done, waiting = wait(waiting, timeout=timeout, return_when=FIRST_COMPLETED)
                fetched.extend(f.result() for f in sorted(done, key=order.__getitem__))
    position = {name: i for i, name in enumerate(selected)}
    return sorted(runs, key=lambda r: position[r.name])


def _entries(runs: list[tuple[SourceRun, datetime]]) -> int:
    return sum(len(run.entries) for run, _ in runs)


def _stepped(storing: Storing, finished: Callable[[list[SourceRun]], None]) -> Storing | None:
    """The store one step on (:func:`~newsdesk.feeds.storing.advance`); None once done, its
    runs passed to ``finished``."""
    done = advance(storing)
    if done is None:
        return storing
    finished(done)
    return None


def _first_batch(parsed: list[tuple[SourceRun, datetime]], limit: int) -> int:
    """How many of the first parsed runs one store takes: as many as fit in ``limit`` entries,
    at least one (a bigger run is stored alone, in batches)."""
    total = 0
    for taken, (run, _) in enumerate(parsed):
        total += len(run.entries)
        if total > limit:
            return max(taken, 1)
    return len(parsed)


def _safe_fetch(
    db: Database,
    settings: Settings,
    name: str,
    force: bool,
    state: FetchState,
    sessions: ThreadSessions,
) -> tuple[SourceRun, datetime]:
    """A source fetched (parsed and stored by the caller), and the time it ran at."""
    now = now_utc()
    try:
        http = sessions.get()
        return fetch_step(db, settings, name, http=http, now=now, force=force, state=state), now
    except Exception as exc:  # e.g. the store is down: this source fails, not the run
        return error_run(name, exc), now


def _safe_parse(db: Database, settings: Settings, run: SourceRun, now: datetime) -> SourceRun:
    try:
        return parse_step(db, settings, run, now=now)
    except Exception as exc:  # as in _safe_fetch
        return error_run(run.name, exc)
