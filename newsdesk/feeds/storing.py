"""The store step of ingest: a parsed run's entries into the store, in short transactions
that take turns with other writers on SQLite (:class:`~newsdesk.store.write_turns.WriteTurns`),
one source at a time or several together."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.config import Settings, SourceConfig
from newsdesk.entries import Entry
from newsdesk.feeds.run import DONE, SourceRun, error_run, fail, now_utc
from newsdesk.store.db import Database
from newsdesk.store.items import EntryBatch, hash_ahead, store_batches
from newsdesk.store.market import store_snapshots
from newsdesk.store.models import Source
from newsdesk.store.sources import Fetched, get_source, record_success, record_successes
from newsdesk.store.write_turns import write_turns

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
    return run_through(_storing_alone(db, settings, run, now or now_utc()))[0]


def run_through(storing: Storing) -> list[SourceRun]:
    """A store's turns one after the other: the runs it stored."""
    while (done := advance(storing)) is None:
        pass
    return done


def advance(storing: Storing) -> list[SourceRun] | None:
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
            hashed = _hashed_alone(db, settings, conf, run, batch, now)
            yield
            with write_turns(db).turn(), db.session() as session:
                source = get_source(session, run.name)
                if source is None:  # recorded by fail(), as any store's failure
                    raise LookupError(f"source {run.name!r} is not in the store")
                added, seen = _store_batch(session, source, conf, run, batch, hashed, now)
                new, duplicates = new + added, duplicates + seen
                if number == len(batches):
                    record_success(source.state, now, first.status, first.etag, first.last_modified)
                    source.state.items_seen += len(run.entries)
    except Exception as exc:  # see run.fail; rolled back, recorded in a new session
        return [fail(db, settings, run, exc, now)]
    return [_stored(run, new, duplicates)]


def _hashed_alone(
    db: Database,
    settings: Settings,
    conf: SourceConfig,
    run: SourceRun,
    batch: tuple[Entry, ...],
    now: datetime,
) -> EntryBatch | None:
    """A batch of one run's entries with its keys and hashes computed ahead (None: snapshots,
    or no entries). Its source id is the one read now; the turn reads the source again."""
    if conf.type == "market" or not batch:
        return None
    return _hashed_ahead(db, settings, [(run, batch, now)])[1][0]


def _hashed_ahead(
    db: Database, settings: Settings, parts: list[tuple[SourceRun, tuple[Entry, ...], datetime]]
) -> tuple[dict[str, int], list[EntryBatch]]:
    """Runs' entries (each part: a run, the entries of it to store, its time) as batches with
    their keys and content hashes computed before their turn, and the runs' source ids read
    now (a batch of a source not in the store gets 0)."""
    with Session(db.engine) as session:  # reads only, then rolled back: no write lock
        found = select(Source.name, Source.id).where(Source.name.in_([r.name for r, _, _ in parts]))
        ids: dict[str, int] = dict(session.execute(found).tuples().all())
        batches = [
            EntryBatch(
                ids.get(run.name, 0),
                run.name,
                entries,
                now,
                settings.source(run.name).type,
                run.bodies,
            )
            for run, entries, now in parts
        ]
        return ids, hash_ahead(session, batches)


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
    return run_through(storing_steps(db, settings, runs))


def storing_steps(
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
        ids, batches = _hashed_ahead(db, settings, [(run, run.entries, now) for run, now in group])
        if len(ids) < len(group):  # a source gone from the store: each on its own, below
            raise LookupError("a source of the group is not in the store")
        yield
        with write_turns(db).turn(), db.session() as session:
            results = store_batches(session, batches)
            record_successes(session, [_fetched(ids[run.name], run, now) for run, now in group])
            for (run, _), result in zip(group, results, strict=True):
                stored.append(_stored(run, result.new, result.duplicates))
    except Exception:  # rolled back: each on its own, failures recorded per source (see run.fail)
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
            done.append(error_run(run.name, exc))
    return done


def _stored(run: SourceRun, new: int, duplicates: int) -> SourceRun:
    return replace(
        run, status=DONE, new=new, duplicates=duplicates, responses=(), entries=(), data={}
    )
