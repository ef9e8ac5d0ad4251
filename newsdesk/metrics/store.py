"""Daily snapshots: the daily-metrics flow stores each closed day's figures, and a period is read
back from them, only today (and any closed day without a snapshot) computed from the store.

A snapshot keeps what adding days up needs, not just a day's summary: counts per slot, source and
provider, every approval time, breaking turnaround and LLM latency (so a month's medians and
p90 are exact), and the rejection notes. Times are whole seconds and notes are arrays, not
objects: a month of snapshots is read on every dashboard view, and JSON objects and long floats
are what made reading it slow (57 ms for a month of 20,000 drafts and 33,000 notes, now ~10).
``FORMAT`` names that layout; a snapshot of another layout (written before it) counts as missing
and its day is computed live.

Once stored, a closed day is what the page shows for it even if a draft of that day is decided
later: the day's report as it was closed. "Used" items are counted per day and summed, so an
item cited on two days of a period counts twice.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Date, column, select, table

from newsdesk.config import Settings
from newsdesk.metrics.figures import (
    BUCKETS,
    SOURCE_COUNTS,
    Metrics,
    SlotFigures,
    shown_slots,
    slot_table,
    source_table,
)
from newsdesk.metrics.periods import Period
from newsdesk.store.db import Database
from newsdesk.store.types import UTCDateTime, utcnow
from newsdesk.timetable import TradingCalendar, working_day

# A period read back from its snapshots reads this one table: as a plain table, with the model's
# column types, so that reading (``newsdesk metrics --month``, a whole process) does not import
# the store's models, nor the code computing days from the store, until a day is computed.
_DAILY = table(
    "daily_metrics",
    column("day", Date),
    column("figures", JSON),
    column("computed_at", UTCDateTime()),
)

FORMAT = 3
# Decoded snapshots by (store, day), with when each was computed. A closed day's snapshot
# changes only when the daily flow writes it again (a new computed_at), and decoding a month
# of them on every view was most of the dashboard's time (1.35 MB of JSON for 20,000 drafts).
_DECODED: dict[tuple[str, date], tuple[datetime, dict[str, Any]]] = {}
_DECODED_DAYS = 800
_DECODED_LOCK = threading.Lock()
_SLOT_COUNTS = ("due", "filled_on_time", "drafts", "approved")


def snapshot_day(db: Database, settings: Settings, day: date) -> Metrics:
    from newsdesk.store.models import DailyMetrics

    metrics = period_metrics(db, settings, Period(day.isoformat(), day, day), snapshots=False)
    with db.session() as session:
        row = session.get(DailyMetrics, day)
        if row is None:
            session.add(DailyMetrics(day=day, figures=to_parts(metrics)))
        else:
            row.figures = to_parts(metrics)
            row.computed_at = utcnow()
    return metrics


def period_metrics(
    db: Database,
    settings: Settings,
    period: Period,
    calendar: TradingCalendar | None = None,
    now: datetime | None = None,
    connection: Connection | None = None,
    snapshots: bool = True,
) -> Metrics:
    """The period's figures: closed days from their snapshots, today and later (and closed days
    with no snapshot) computed live, one computation per run of such days; without
    ``snapshots``, every day computed (what a snapshot stores). All on one connection
    (``connection`` when given)."""
    now = now or datetime.now(UTC)
    calendar = calendar or TradingCalendar()
    today = working_day(settings, now)
    with reading(db, connection) as conn:
        if not snapshots:
            return _from_store(conn, settings, period, calendar, now)
        stored = _figures(
            _snapshots(db, conn, period.start, min(period.end, today - timedelta(days=1)))
        )
        pieces: list[dict[str, Any]] = []
        live: list[date] = []

        def computed(days: list[date]) -> list[dict[str, Any]]:
            if not days:
                return []
            run = Period(f"{days[0]}..{days[-1]}", days[0], days[-1])
            return [to_parts(_from_store(conn, settings, run, calendar, now))]

        for day in period.days:
            if day in stored:
                pieces += computed(live) + [stored[day]]
                live = []
            else:
                live.append(day)
        pieces += computed(live)
        metrics = merge(period, settings, pieces, lambda counts: source_table(conn, counts))
    metrics.from_snapshots = len(stored) == len(period.days)
    return metrics


@contextmanager
def reading(db: Database, connection: Connection | None) -> Iterator[Connection]:
    """``connection`` when the caller has one (a web request holds one for its whole life: one
    more per request ran the pool dry at 15 concurrent requests, each waiting for a second
    connection, none giving one back), else a connection of our own."""
    if connection is not None:
        yield connection
        return
    with db.engine.connect() as own:
        yield own


def _from_store(
    conn: Connection, settings: Settings, period: Period, calendar: TradingCalendar, now: datetime
) -> Metrics:
    """``compute.from_store``, imported when a day is computed (see ``_DAILY``)."""
    from newsdesk.metrics.compute import from_store

    return from_store(conn, settings, period, calendar, now)


def _figures(stored: dict[date, tuple[datetime, dict[str, Any]]]) -> dict[date, dict[str, Any]]:
    return {day: figures for day, (_, figures) in stored.items()}


def _snapshots(
    db: Database, conn: Connection, first: date, last: date
) -> dict[date, tuple[datetime, dict[str, Any]]]:
    """The snapshots of ``first`` .. ``last`` in the current layout, with when each was
    computed, decoded only when not decoded before or written again since."""
    if last < first:
        return {}
    in_range = _DAILY.c.day.between(first, last)
    stamps = conn.execute(select(_DAILY.c.day, _DAILY.c.computed_at).where(in_range)).all()
    stale = [day for day, at in stamps if _DECODED.get((db.url, day), (None,))[0] != at]
    if stale:
        rows = conn.execute(
            select(_DAILY.c.day, _DAILY.c.computed_at, _DAILY.c.figures).where(
                _DAILY.c.day.in_(stale)
            )
        ).all()
        with _DECODED_LOCK:
            _DECODED.update(((db.url, day), (at, figures)) for day, at, figures in rows)
            for key in list(_DECODED)[: max(0, len(_DECODED) - _DECODED_DAYS)]:
                del _DECODED[key]  # the longest decoded
    decoded = {day: _DECODED.get((db.url, day), (at, {})) for day, at in stamps}
    return {day: made for day, made in decoded.items() if made[1].get("format") == FORMAT}


def to_parts(metrics: Metrics) -> dict[str, Any]:
    """Everything adding periods up needs, as JSON."""
    return {
        "format": FORMAT,
        "slots": [
            {"slot": s.slot, "kind": s.kind} | {key: getattr(s, key) for key in _SLOT_COUNTS}
            for s in metrics.slots
        ],
        "drafts": metrics.drafts,
        "approved": metrics.approved,
        "rejections": metrics.rejections,
        "rewrite_requests": metrics.rewrite_requests,
        "approve_seconds": _seconds(metrics.approve_minutes),
        "revisions": metrics.revisions,
        "versioned": metrics.versioned,
        "failures_by_rule": metrics.failures_by_rule,
        "originality": metrics.originality,
        "sources": {
            row["source"]: {key: row[key] for key in SOURCE_COUNTS} for row in metrics.sources
        },
        "provider_totals": metrics.provider_totals,
        "latencies": metrics.latencies,
        "breaking_seconds": _seconds(metrics.breaking_minutes),
    }


def _seconds(minutes: list[float]) -> list[int]:
    """Minutes that are whole seconds (``compute._minutes``) as those seconds."""
    return [round(m * 60) for m in minutes]


def merge(
    period: Period,
    settings: Settings,
    pieces: list[dict[str, Any]],
    sources: Callable[[dict[str, Counter[str]]], list[dict[str, Any]]],
) -> Metrics:
    """One Metrics for ``period`` from its pieces (``to_parts`` of consecutive runs of days, in
    order); ``sources`` turns the summed counts by source name into the source table."""
    metrics = Metrics(period)
    slots = slot_table(settings)
    failures: Counter[str] = Counter()
    originality: Counter[str] = Counter(dict.fromkeys(BUCKETS, 0))
    source_counts: dict[str, Counter[str]] = defaultdict(Counter)
    totals: dict[str, list[int]] = {}
    latencies: dict[str, list[int]] = defaultdict(list)
    for piece in pieces:
        for row in piece["slots"]:
            entry = slots.setdefault(row["slot"], SlotFigures(row["slot"], row["kind"]))
            for key in _SLOT_COUNTS:
                setattr(entry, key, getattr(entry, key) + row[key])
        metrics.drafts += piece["drafts"]
        metrics.approved += piece["approved"]
        metrics.rejections += piece["rejections"]
        metrics.rewrite_requests += piece["rewrite_requests"]
        metrics.approve_minutes += [s / 60 for s in piece["approve_seconds"]]
        metrics.revisions += piece["revisions"]
        metrics.versioned += piece["versioned"]
        metrics.breaking_minutes += [s / 60 for s in piece["breaking_seconds"]]
        failures.update(piece["failures_by_rule"])
        originality.update(piece["originality"])
        for name, counts in piece["sources"].items():
            source_counts[name].update(counts)
        for provider, figures in piece["provider_totals"].items():
            totals[provider] = [
                a + b for a, b in zip(totals.get(provider, [0, 0, 0]), figures, strict=True)
            ]
        for provider, values in piece["latencies"].items():
            latencies[provider] += values
    metrics.approve_minutes.sort()
    metrics.slots = shown_slots(slots)
    metrics.failures_by_rule = dict(sorted(failures.items()))
    metrics.originality = dict(originality)
    metrics.sources = sources(source_counts)
    metrics.provider_totals = totals
    metrics.latencies = dict(latencies)
    return metrics
