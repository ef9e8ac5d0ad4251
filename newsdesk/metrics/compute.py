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

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Integer, Text, case, cast, func, select

from newsdesk.clock import desk_clock
from newsdesk.config import Settings
from newsdesk.metrics.periods import Period
from newsdesk.metrics.tables import note_objects
from newsdesk.store.models import (
    AuditEntry,
    Draft,
    DraftVersion,
    FetchAttempt,
    FetchState,
    Item,
    Post,
    Source,
)
from newsdesk.timetable import TradingCalendar, slots_for_day

BUCKETS = [f"{low}-{low + 10}%" for low in range(0, 100, 10)]
SOURCE_COUNTS = ("ingested", "used", "fetches", "errors")
_ITEM_ID = re.compile(r'"item_id":\s*(\d+)')


class _DraftRow(NamedTuple):
    """A draft as the metrics read it (a plain tuple: 20,000 of them are read per month view)."""

    id: int
    day: date
    slot: str
    kind: str
    state: str
    brief_text: str | None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class SlotFigures:
    slot: str
    kind: str
    due: int = 0
    filled_on_time: int = 0
    drafts: int = 0
    approved: int = 0

    @property
    def fill_rate(self) -> float | None:
        return self.filled_on_time / self.due if self.due else None

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.drafts if self.drafts else None


@dataclass
class Metrics:
    period: Period
    slots: list[SlotFigures] = field(default_factory=list)
    drafts: int = 0
    approved: int = 0
    rejections: list[Sequence[Any]] = field(default_factory=list)  # tables.NOTE_KEYS rows
    rewrite_requests: list[Sequence[Any]] = field(default_factory=list)
    # Kept sorted: the median, p90 and the chart read them on every view of a month.
    approve_minutes: list[float] = field(default_factory=list)
    revisions: int = 0  # versions after the first, over the drafts that have versions
    versioned: int = 0  # drafts that have versions
    failures_by_rule: dict[str, int] = field(default_factory=dict)
    originality: dict[str, int] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    # provider -> [calls, prompt tokens, completion tokens]; latencies kept whole so that days
    # read back from their snapshots give the period's exact median.
    provider_totals: dict[str, list[int]] = field(default_factory=dict)
    latencies: dict[str, list[int]] = field(default_factory=dict)
    breaking_minutes: list[float] = field(default_factory=list)
    # Every day read from its daily snapshot: the figures stand until one is written again.
    from_snapshots: bool = False

    @property
    def revisions_per_draft(self) -> float | None:
        return self.revisions / self.versioned if self.versioned else None

    @property
    def providers(self) -> list[dict[str, Any]]:
        return [
            {
                "provider": provider,
                "calls": calls,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "median_latency_ms": _median(self.latencies.get(provider, [])),
            }
            for provider, (calls, prompt, completion) in sorted(self.provider_totals.items())
        ]

    @property
    def due(self) -> int:
        return sum(s.due for s in self.slots)

    @property
    def filled_on_time(self) -> int:
        return sum(s.filled_on_time for s in self.slots)

    def as_json(self, notes: bool = True) -> dict[str, Any]:
        """The figures as JSON; without the rejection and rewrite notes unless ``notes``."""

        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "fill_rate": ratio(self.filled_on_time, self.due),
            "due": self.due,
            "filled_on_time": self.filled_on_time,
            "drafts": self.drafts,
            "approval_rate": ratio(self.approved, self.drafts),
            "approve_minutes": {
                "median": _round(_median(self.approve_minutes)),
                "p90": _round(percentile(self.approve_minutes, 0.9)),
                "count": len(self.approve_minutes),
            },
            "revisions_per_draft": _round(self.revisions_per_draft),
            **(
                {"rejections": note_objects(self.rejections)}
                | {"rewrite_requests": note_objects(self.rewrite_requests)}
                if notes
                else {}
            ),
            "failures_by_rule": self.failures_by_rule,
            "originality": self.originality,
            "slots": [
                {
                    "slot": s.slot,
                    "kind": s.kind,
                    "due": s.due,
                    "filled_on_time": s.filled_on_time,
                    "fill_rate": _round(s.fill_rate),
                    "drafts": s.drafts,
                    "approval_rate": _round(s.approval_rate),
                }
                for s in self.slots
            ],
            "sources": self.sources,
            "providers": self.providers,
            "breaking_turnaround_minutes": {
                "median": _round(_median(self.breaking_minutes)),
                "count": len(self.breaking_minutes),
            },
        }


def _median(values: list[float] | list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


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


def slot_table(settings: Settings) -> dict[str, SlotFigures]:
    """The desk's slots in timetable order, then breaking news, all at zero."""
    figures = {s.name: SlotFigures(s.name, s.kind) for s in settings.slots}
    figures["breaking"] = SlotFigures("breaking", "breaking")
    return figures


def shown_slots(figures: dict[str, SlotFigures]) -> list[SlotFigures]:
    """Every timetable slot; breaking news only when there was some."""
    return [f for f in figures.values() if f.due or f.drafts or f.slot != "breaking"]


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


def source_table(session: Any, counts: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """Every source with its period ``counts`` (by source name) and its current run of failures."""
    rows = session.execute(
        select(Source.name, Source.title, FetchState.error_count)
        .join(FetchState, FetchState.source_id == Source.id, isouter=True)
        .order_by(Source.name)
    ).all()
    table = []
    for name, title, streak in rows:
        figures = counts.get(name, {})
        table.append(
            {"source": name, "title": title}
            | {key: figures.get(key, 0) for key in SOURCE_COUNTS}
            | {"failing_now": streak or 0}
        )
    return table
