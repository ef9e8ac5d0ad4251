"""Desk metrics for a period, computed from the store itself (no counters that can drift).

Definitions (the tests pin each one down):

- **due**: (day, slot) pairs whose slot runs that day (trading calendar, weekly rule) and that
  fell due while the desk ran: drafting due at or after the desk's first record (a source
  registered, a fetch, a draft; or its clock's day, for a desk replaying one) and the posting
  time passed by now. A month before the desk existed, or this afternoon's slots, are nobody's
  misses.
- **filled on time**: due pairs with a draft that reached ``approved`` at or
  before the slot's posting time (audit trail); **fill rate** = filled / due.
- **approval rate**: drafts approved (or published) / drafts produced.
- **time to approve**: from the draft's first version to its (final) approval,
  in minutes; median and p90 (nearest-rank).
- **revisions per draft**: mean number of versions after the first.
- **check failures by rule**: over every version in the period: failed
  originality, failed citations, and each compliance rule violated.
- **originality distribution**: newest version of each draft, in 10 % buckets.
- **items ingested / used per source**: items published in the period (fetched,
  when the feed gives no date), and those cited in the briefs of the period's drafts.
- **feed errors**: fetches of each source in the period and how many failed
  (from the fetch-attempt log), plus the source's current run of failures.
- **LLM**: versions written by each provider: calls, tokens, median latency.
- **breaking-news turnaround**: request (draft created) to first post sent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Integer, Text, case, cast, func, select

from newsdesk.clock import desk_clock
from newsdesk.config import Settings
from newsdesk.metrics.figures import (
    BUCKETS,
    SOURCE_COUNTS,
    Metrics,
    SlotFigures,
    percentile,
    shown_slots,
    slot_table,
    source_table,
)
from newsdesk.metrics.periods import Period
from newsdesk.store.models import (
    AuditEntry,
    Draft,
    DraftVersion,
    FetchAttempt,
    Item,
    Post,
    Source,
)
from newsdesk.timetable import TradingCalendar, slots_for_day

# What callers have imported from here since before the figures moved to their own module.
__all__ = [
    "BUCKETS",
    "SOURCE_COUNTS",
    "Metrics",
    "SlotFigures",
    "desk_started",
    "from_store",
    "percentile",
    "shown_slots",
    "slot_table",
    "source_table",
]
_ITEM_ID = re.compile(r'"item_id":\s*(\d+)')


class _DraftRow(NamedTuple):
    """A draft as the metrics read it (a plain tuple: 20,000 of them are read per month view)."""

    id: int
    day: date
    slot: str
    kind: str
    state: str
    brief_text: str | None


def _minutes(start: datetime, end: datetime) -> float:
    """Whole seconds, in minutes: a day's snapshot keeps them as integers (quick to read back)."""
    return round((end - start).total_seconds()) / 60


def from_store(
    session: Connection,
    settings: Settings,
    period: Period,
    calendar: TradingCalendar,
    now: datetime,
) -> Metrics:
    """The period's figures from the store itself, read on ``session``: what a day's snapshot
    stores (``newsdesk.metrics.store.period_metrics`` reads a period, closed days from their
    snapshots)."""
    metrics = Metrics(period)
    # Core rows: the ORM's loading doubles the time at this size
    ran = (desk_started(session, desk_clock(settings).now()), now)
    # The brief as text: the cited item ids are all we need, and decoding 20,000 briefs costs more.
    drafts = [
        _DraftRow(*row)
        for row in session.execute(
            select(
                Draft.id,
                Draft.day,
                Draft.slot,
                Draft.kind,
                Draft.state,
                cast(Draft.brief, Text).label("brief_text"),
            ).where(Draft.day >= period.start, Draft.day <= period.end)
        )
    ]
    in_period = Draft.day.between(period.start, period.end)
    # Driven from the audit indexes: probing the audit once per draft of the month is slower.
    audited = AuditEntry.draft_id.in_(select(Draft.id).where(in_period))
    first_version: dict[int, datetime] = {}
    version_counts: dict[int, int] = {}
    for draft_id, first, count in session.execute(
        select(DraftVersion.draft_id, func.min(DraftVersion.created_at), func.count())
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .where(in_period)
        .group_by(DraftVersion.draft_id)
    ):
        first_version[draft_id], version_counts[draft_id] = first, count
    approvals = dict(
        session.execute(
            select(AuditEntry.draft_id, func.max(AuditEntry.at))
            .where(AuditEntry.to_state == "approved", audited)
            .group_by(AuditEntry.draft_id)
        ).all()
    )
    notes = session.execute(
        select(AuditEntry.draft_id, AuditEntry.action, AuditEntry.actor, AuditEntry.note)
        .where(AuditEntry.action.in_(("review.reject", "review.request_revision")), audited)
        .order_by(AuditEntry.id)
    ).all()
    newest = (
        select(DraftVersion.draft_id, func.max(DraftVersion.number).label("number"))
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .where(in_period)
        .group_by(DraftVersion.draft_id)
        .subquery()
    )
    ratio = DraftVersion.report["originality"]["ratio"].as_float()
    bucket = case((ratio >= 1.0, 9), else_=cast(func.floor(ratio * 10), Integer))
    histogram = session.execute(
        select(bucket.label("bucket"), func.count())
        .join(
            newest,
            (DraftVersion.draft_id == newest.c.draft_id) & (DraftVersion.number == newest.c.number),
        )
        .group_by(bucket)
    ).all()
    written = (DraftVersion.origin.in_(("draft", "revision")), in_period)
    providers = session.execute(
        select(
            DraftVersion.provider,
            func.count(),
            func.sum(DraftVersion.prompt_tokens),
            func.sum(DraftVersion.completion_tokens),
        )
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .where(*written)
        .group_by(DraftVersion.provider)
    ).all()
    latencies: dict[str, list[int]] = defaultdict(list)
    for provider, latency in session.execute(
        select(DraftVersion.provider, DraftVersion.latency_ms)
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .where(*written)
    ):
        latencies[provider].append(latency)
    failed_reports = (
        session.execute(
            select(DraftVersion.report)
            .join(Draft, Draft.id == DraftVersion.draft_id)
            .where(in_period, DraftVersion.passed.is_(False))
        )
        .scalars()
        .all()
    )
    breaking = session.execute(
        select(Draft.created_at, func.min(Post.sent_at))
        .join(Post, Post.draft_id == Draft.id)
        .where(Draft.kind == "breaking", Post.state == "sent", in_period)
        .group_by(Draft.id, Draft.created_at)
    ).all()
    sources = _sources(session, period, drafts, ZoneInfo(settings.timezone))
    _slots(metrics, settings, period, calendar, drafts, approvals, ran)
    metrics.drafts = len(drafts)
    metrics.approved = sum(1 for d in drafts if d.state in ("approved", "published"))
    metrics.approve_minutes = sorted(
        _minutes(first_version[d.id], approvals[d.id])
        for d in drafts
        if d.id in approvals and d.id in first_version
    )
    counts = [version_counts[d.id] for d in drafts if version_counts.get(d.id)]
    metrics.revisions, metrics.versioned = sum(counts) - len(counts), len(counts)
    slot_of = {d.id: d.slot for d in drafts}
    for draft_id, action, actor, note in notes:
        row = (draft_id, slot_of[draft_id], actor, note or "")
        (metrics.rejections if action == "review.reject" else metrics.rewrite_requests).append(row)
    metrics.failures_by_rule = _failures(failed_reports)
    metrics.originality = dict.fromkeys(BUCKETS, 0) | {
        BUCKETS[min(9, int(b or 0))]: n for b, n in histogram
    }
    metrics.provider_totals = {
        provider: [calls, int(prompt or 0), int(completion or 0)]
        for provider, calls, prompt, completion in providers
    }
    metrics.latencies = dict(latencies)
    metrics.sources = sources
    metrics.breaking_minutes = [_minutes(requested, sent) for requested, sent in breaking]
    return metrics


def _slots(
    metrics: Metrics,
    settings: Settings,
    period: Period,
    calendar: TradingCalendar,
    drafts: list[_DraftRow],
    approvals: dict[int, datetime],
    ran: tuple[datetime, datetime],
) -> None:
    started, now = ran
    by_key: dict[tuple[date, str], list[_DraftRow]] = defaultdict(list)
    for d in drafts:
        by_key[(d.day, d.slot)].append(d)
    figures = slot_table(settings)
    for day in period.days:
        for slot_day in slots_for_day(settings, day, calendar):
            if not slot_day.runs:
                continue
            if slot_day.drafts_due < started or slot_day.posts_at > now:
                continue
            entry = figures[slot_day.slot.name]
            entry.due += 1
            if any(
                d.id in approvals and approvals[d.id] <= slot_day.posts_at
                for d in by_key[(day, slot_day.slot.name)]
            ):
                entry.filled_on_time += 1
    for d in drafts:
        entry = figures.setdefault(d.slot, SlotFigures(d.slot, d.kind))
        entry.drafts += 1
        entry.approved += d.state in ("approved", "published")
    metrics.slots = shown_slots(figures)


def _failures(reports: list[dict[str, Any]]) -> dict[str, int]:
    """Check failures by rule, over the versions that failed (only those carry failures)."""
    failures: Counter[str] = Counter()
    for report in reports:
        if not report.get("originality", {}).get("passed", True):
            failures["originality"] += 1
        if not report.get("citations", {}).get("passed", True):
            failures["citations"] += 1
        for violation in report.get("compliance", {}).get("violations", []):
            failures[violation["rule"]] += 1
    return dict(sorted(failures.items()))


def desk_started(session: Any, clock_now: datetime) -> datetime:
    """When the desk began: its first record (a source registered, a fetch logged (the log is
    pruned, the sources stay) or a draft created), or where its clock stands if earlier: a desk
    replaying a past day (the demo) runs on that day, though its records carry today's time."""
    firsts = [
        session.execute(select(func.min(column))).scalar()
        for column in (Source.created_at, FetchAttempt.at, Draft.created_at)
    ]
    return min([f for f in firsts if f is not None] + [clock_now])


def _sources(
    session: Any, period: Period, drafts: list[_DraftRow], zone: ZoneInfo
) -> list[dict[str, Any]]:
    start = datetime.combine(period.start, time(0), tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=zone)
    # An item belongs to the day it was published (fetch time when the feed gives none),
    # so a back-filled source or the replayed demo day counts where its news happened.
    dated = func.coalesce(Item.published_at, Item.fetched_at)
    ingested = dict(
        session.execute(
            select(Item.source_id, func.count())
            .where(dated >= start, dated < end)
            .group_by(Item.source_id)
        ).all()
    )
    cited_items = {int(n) for d in drafts for n in _ITEM_ID.findall(d.brief_text or "")}
    used: Counter[int] = Counter()
    if cited_items:
        for source_id, _ in session.execute(
            select(Item.source_id, Item.id).where(Item.id.in_(cited_items))
        ).all():
            used[source_id] += 1
    fetches = {
        sid: (attempts, int(failed or 0))
        for sid, attempts, failed in session.execute(
            select(
                FetchAttempt.source_id,
                func.count(),
                func.sum(case((FetchAttempt.ok.is_(False), 1), else_=0)),
            )
            .where(FetchAttempt.at >= start, FetchAttempt.at < end)
            .group_by(FetchAttempt.source_id)
        ).all()
    }
    name = dict(session.execute(select(Source.id, Source.name)).all())
    counts = {
        name[sid]: {
            "ingested": ingested.get(sid, 0),
            "used": used.get(sid, 0),
            "fetches": fetches.get(sid, (0, 0))[0],
            "errors": fetches.get(sid, (0, 0))[1],
        }
        for sid in ingested.keys() | used.keys() | fetches.keys()
    }
    return source_table(session, counts)
