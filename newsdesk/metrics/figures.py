"""A period's figures (``Metrics``) and the parts of them that need no computing from the store:
what reading a period back from its daily snapshots uses (``newsdesk.metrics.store``).

Kept apart from ``newsdesk.metrics.compute`` so that a period read from its snapshots (a closed
month: ``newsdesk metrics --month``, the dashboard) does not import the store's ORM models, which
it does not need: a tenth of the command's whole-process time was declaring them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, column, select, table

from newsdesk.metrics.periods import Period
from newsdesk.metrics.tables import note_objects

if TYPE_CHECKING:
    from newsdesk.config import Settings

BUCKETS = [f"{low}-{low + 10}%" for low in range(0, 100, 10)]
SOURCE_COUNTS = ("ingested", "used", "fetches", "errors")
# The two tables the source table reads, as plain tables (newsdesk.store.models names them).
_SOURCES = table("sources", column("id", Integer), column("name", String), column("title", String))
_FETCH_STATE = table("fetch_state", column("source_id", Integer), column("error_count", Integer))


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


def slot_table(settings: Settings) -> dict[str, SlotFigures]:
    """The desk's slots in timetable order, then breaking news, all at zero."""
    figures = {s.name: SlotFigures(s.name, s.kind) for s in settings.slots}
    figures["breaking"] = SlotFigures("breaking", "breaking")
    return figures


def shown_slots(figures: dict[str, SlotFigures]) -> list[SlotFigures]:
    """Every timetable slot; breaking news only when there was some."""
    return [f for f in figures.values() if f.due or f.drafts or f.slot != "breaking"]


def source_table(session: Any, counts: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """Every source with its period ``counts`` (by source name) and its current run of failures."""
    rows = session.execute(
        select(_SOURCES.c.name, _SOURCES.c.title, _FETCH_STATE.c.error_count)
        .join(_FETCH_STATE, _FETCH_STATE.c.source_id == _SOURCES.c.id, isouter=True)
        .order_by(_SOURCES.c.name)
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
