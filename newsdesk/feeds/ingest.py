"""Ingest one source in three steps: fetch -> parse -> store.

Each step takes the previous step's :class:`SourceRun` and returns it
advanced; a run that ended (skipped, unchanged, failed) passes through the
later steps untouched. The CLI runs the three in a row; the Prefect flow runs
them as three tasks. Failures are recorded on the source's fetch state (error
counter, backoff) and never raised, so one bad feed cannot stop the others.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.config import Settings, SourceConfig, TextLimits
from newsdesk.entries import Entry
from newsdesk.errors import FeedError, NewsdeskError
from newsdesk.feeds.fetch import FetchResponse, ThreadSessions, fetch, new_session
from newsdesk.feeds.guard import Resolver
from newsdesk.feeds.market import parse_snapshots, snapshot_data, snapshot_entry
from newsdesk.feeds.normalise import canonical_link, parse_time
from newsdesk.feeds.parse import parse_feed
from newsdesk.research.extract import extract_page, page_links
from newsdesk.store.db import Database
from newsdesk.store.items import EntryBatch, hash_ahead, store_batches
from newsdesk.store.market import store_snapshots
from newsdesk.store.models import FetchState, Source
from newsdesk.store.sources import (
    Fetched,
    get_source,
    prune_attempts,
    record_failure,
    record_success,
    record_successes,
    sync_sources,
)
from newsdesk.store.write_turns import write_turns

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
ACCEPT = {"page": PAGE_ACCEPT, "market": "application/json, */*;q=0.5"}

# Terminal states: later steps pass these through unchanged.
SKIPPED, UNCHANGED, FAILED, DONE = "skipped", "unchanged", "failed", "done"


@dataclass(frozen=True)
class SourceRun:
    name: str
    status: str = "pending"
    responses: tuple[FetchResponse, ...] = ()
    entries: tuple[Entry, ...] = ()
    bodies: dict[str, str] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)  # guid -> structured figures
    new: int = 0
    duplicates: int = 0
    error: str | None = None
    parser: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in (SKIPPED, UNCHANGED, FAILED, DONE)

    def summary(self) -> dict[str, object]:
        return {
            "source": self.name,
            "status": self.status,
            "new": self.new,
            "duplicates": self.duplicates,
            "error": self.error,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _fail(
    db: Database, settings: Settings, run: SourceRun, error: Exception, now: datetime
) -> SourceRun:
    """Record ``error`` against the source (counter, backoff) and end its run.

    Any exception, not only a FeedError: a feed that trips a bug in a parser or
    a library must back off like any failing feed, not fail every run.
    """
    if not isinstance(error, NewsdeskError):
        error = FeedError(f"{type(error).__name__}: {error}")
    with db.session() as session:
        source = get_source(session, run.name)
        if source is not None:
            record_failure(source.state, now, error, settings.fetch)
    return replace(run, status=FAILED, error=str(error), responses=(), entries=())


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
    now = now or _now()
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
    except Exception as exc:  # see _fail
        return _fail(db, settings, run, exc, now)
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
    except Exception as exc:  # see _fail
        return _fail(db, settings, run, exc, now or _now())
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


# A store done in write turns: the first ``next()`` does the work ahead of its first turn (the
# entries' keys and content hashes, read and computed outside the write lock) and yields; each
# later one runs a turn (one transaction, on SQLite after the pause the turn before left) and the
# work ahead of the next, and yields, or returns the runs stored after the last. Its caller does
# other work between the turns (ingest parses) or runs them back to back (:func:`store_step`).
Storing = Generator[None, None, list[SourceRun]]


def store_step(
    db: Database, settings: Settings, run: SourceRun, *, now: datetime | None = None
) -> SourceRun:
    """Store new entries, count duplicates, and mark the source healthy.

    Entries go in ``fetch.store_batch`` at a time, each batch its own short transaction:
    on SQLite a huge feed would otherwise hold the database's one write lock until every
    item is in, and an editor's action would wait (and fail after the busy timeout). A
    batch that fails leaves the earlier ones stored; the next run counts them as duplicates.
    The source is marked healthy in the last batch's transaction (most feeds are one batch:
    one transaction per source, not two). On SQLite the batches take turns with other writers
    (:class:`~newsdesk.store.write_turns.WriteTurns`).
    """
    return _run_through(_storing_alone(db, settings, run, now or _now()))[0]


def _run_through(storing: Storing) -> list[SourceRun]:
    """A store's turns one after the other: the runs it stored."""
    while (done := _advance(storing)) is None:
        pass
    return done


def _advance(storing: Storing) -> list[SourceRun] | None:
    """The store's next step (:data:`Storing`): None, or the runs stored once it is done."""
    try:
        next(storing)
    except StopIteration as stop:
        return cast(list[SourceRun], stop.value)
    return None


def _storing_alone(db: Database, settings: Settings, run: SourceRun, now: datetime) -> Storing:
    """:func:`store_step` in turns: each batch's keys and content hashes computed before its
    turn (they were a quarter of a batch's hold of SQLite's write lock, and so of the pause after
    it), the batch stored in the turn."""
    if run.finished:
        return [run]
    conf = settings.source(run.name)
    first = run.responses[0]
    size = len(run.entries) if conf.type == "market" else settings.fetch.store_batch
    batches = [run.entries[start : start + size] for start in range(0, len(run.entries), size)]
    batches = batches or [()]
    new = duplicates = 0
    try:
        for number, batch in enumerate(batches, start=1):
            hashed = _hashed_alone(db, conf, run, batch, now)
            yield
            with write_turns(db).turn(), db.session() as session:
                source = get_source(session, run.name)
                added, seen = _store_batch(session, source, conf, run, batch, hashed, now)
                new, duplicates = new + added, duplicates + seen
                if number == len(batches):
                    record_success(source.state, now, first.status, first.etag, first.last_modified)
                    source.state.items_seen += len(run.entries)
    except Exception as exc:  # see _fail; rolled back, recorded in a new session
        return [_fail(db, settings, run, exc, now)]
    return [_stored(run, new, duplicates)]


def _hashed_alone(
    db: Database, conf: SourceConfig, run: SourceRun, batch: tuple[Entry, ...], now: datetime
) -> EntryBatch | None:
    """A batch of one run's entries with its keys and hashes computed ahead (None: snapshots,
    or no entries). Its source id is the one read now; the turn reads the source again."""
    if conf.type == "market" or not batch:
        return None
    with Session(db.engine) as session:  # reads only, then rolled back: no write lock
        source_id = session.scalar(select(Source.id).where(Source.name == run.name))
        entries = EntryBatch(source_id or 0, run.name, batch, now, conf.type, run.bodies)
        return hash_ahead(session, [entries])[0]


def _store_batch(
    session: Session,
    source: Source,
    conf: SourceConfig,
    run: SourceRun,
    batch: tuple[Entry, ...],
    hashed: EntryBatch | None,
    now: datetime,
) -> tuple[int, int]:
    """One batch of a run's entries stored (``hashed``: the feed's, hashed ahead): (new,
    duplicates)."""
    if conf.type == "market":
        result = store_snapshots(session, source, [(e, run.data[e.guid]) for e in batch], now)
    elif hashed is not None:
        result = store_batches(session, [replace(hashed, source_id=source.id)])[0]
    else:
        return 0, 0
    return result.new, result.duplicates


def store_steps(
    db: Database, settings: Settings, runs: list[tuple[SourceRun, datetime]]
) -> list[SourceRun]:
    """:func:`store_step` for several parsed runs (each with its ``now``), the small ones in one
    transaction: up to ``fetch.store_batch`` entries from as many sources as fit.

    Storing 200 feeds one transaction each cost three times storing their rows at once (a
    session, the source's row, a commit per feed). A run of more than a batch, or a market run,
    is stored on its own as before; should the shared transaction fail, each of its runs is
    stored on its own, so one source's failure is recorded against that source only.
    """
    return _run_through(_storing_steps(db, settings, runs))


def _storing_steps(
    db: Database, settings: Settings, runs: list[tuple[SourceRun, datetime]]
) -> Storing:
    """:func:`store_steps` in turns."""
    done: list[SourceRun] = []
    group: list[tuple[SourceRun, datetime]] = []
    size = 0
    for run, now in runs:
        conf = settings.source(run.name)
        if run.finished or conf.type == "market" or len(run.entries) > settings.fetch.store_batch:
            done += yield from _storing_each(db, settings, [(run, now)])
            continue
        if size + len(run.entries) > settings.fetch.store_batch:
            done += yield from _storing_together(db, settings, group)
            group, size = [], 0
        group.append((run, now))
        size += len(run.entries)
    return done + (yield from _storing_together(db, settings, group))


def _storing_together(
    db: Database, settings: Settings, group: list[tuple[SourceRun, datetime]]
) -> Storing:
    """Runs of at most a batch of entries in all, stored in one turn (a statement for all their
    items, one for their sightings; :func:`store_batches`); one run alone is stored so too."""
    if not group:
        return []
    stored: list[SourceRun] = []
    try:
        with Session(db.engine) as session:  # reads only, then rolled back: no write lock
            names = [run.name for run, _ in group]
            ids = dict(
                session.execute(select(Source.name, Source.id).where(Source.name.in_(names))).all()
            )
            batches = hash_ahead(
                session,
                [
                    EntryBatch(
                        ids[run.name],
                        run.name,
                        run.entries,
                        now,
                        settings.source(run.name).type,
                        run.bodies,
                    )
                    for run, now in group
                ],
            )
        yield
        with write_turns(db).turn(), db.session() as session:
            results = store_batches(session, batches)
            record_successes(session, [_fetched(ids[run.name], run, now) for run, now in group])
            for (run, _), result in zip(group, results, strict=True):
                stored.append(_stored(run, result.new, result.duplicates))
    except Exception:  # rolled back: each on its own, failures recorded per source (see _fail)
        return (yield from _storing_each(db, settings, group))
    return stored


def _fetched(source_id: int, run: SourceRun, now: datetime) -> Fetched:
    first = run.responses[0]
    return Fetched(source_id, now, first.status, first.etag, first.last_modified, len(run.entries))


def _storing_each(
    db: Database, settings: Settings, runs: list[tuple[SourceRun, datetime]]
) -> Storing:
    """Each run stored on its own (:func:`store_step`), one after the other."""
    done: list[SourceRun] = []
    for run, now in runs:
        try:
            done += yield from _storing_alone(db, settings, run, now)
        except Exception as exc:  # e.g. the store is down, so not even the failure is recorded
            done.append(_error_run(run.name, exc))
    return done


def _stored(run: SourceRun, new: int, duplicates: int) -> SourceRun:
    return replace(
        run, status=DONE, new=new, duplicates=duplicates, responses=(), entries=(), data={}
    )


def ingest_source(
    db: Database,
    settings: Settings,
    name: str,
    *,
    http: requests.Session | None = None,
    **kwargs: object,
) -> SourceRun:
    now = kwargs.pop("now", None) or _now()
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
        prune_attempts(session, _now(), settings.fetch.attempt_log_days)
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
        _frozen_heap(),
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
                storing, parsed = _storing_steps(db, settings, parsed[:first]), parsed[first:]
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


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """The objects alive before ingest left out of the cyclic garbage collector's scans while it
    runs (``gc.freeze``), and given back after (``gc.unfreeze``).

    Ingest makes tens of thousands of objects that live until their feed is stored: enough to
    set off a full collection in most runs, which scans every object of the process (modules,
    classes, the ORM's mappers, Prefect's in a flow): 0.09-0.12 s of the 200 bench feeds'
    1.0-1.2 s, often inside a store's hold of SQLite's write lock, whose pause it then
    lengthens as much. Frozen, those objects are skipped, and a full collection scans what
    ingest made. Garbage among them waits for the next full collection after ingest. Left as
    it is when the process froze objects itself (a server before forking): unfreezing here
    would give those back too.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _entries(runs: list[tuple[SourceRun, datetime]]) -> int:
    return sum(len(run.entries) for run, _ in runs)


def _stepped(storing: Storing, finished: Callable[[list[SourceRun]], None]) -> Storing | None:
    """The store one step on (:func:`_advance`); None once done, its runs passed to
    ``finished``."""
    done = _advance(storing)
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
    now = _now()
    try:
        http = sessions.get()
        return fetch_step(db, settings, name, http=http, now=now, force=force, state=state), now
    except Exception as exc:  # e.g. the store is down: this source fails, not the run
        return _error_run(name, exc), now


def _safe_parse(db: Database, settings: Settings, run: SourceRun, now: datetime) -> SourceRun:
    try:
        return parse_step(db, settings, run, now=now)
    except Exception as exc:  # as in _safe_fetch
        return _error_run(run.name, exc)


def _error_run(name: str, error: Exception) -> SourceRun:
    return SourceRun(name, status=FAILED, error=f"{type(error).__name__}: {error}")
