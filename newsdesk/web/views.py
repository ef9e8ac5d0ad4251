"""What the queue page shows: slot groups, countdowns, state counts. A draft's data and the
JSON rows live in the core (``newsdesk.review.serialise``), shared with the CLI."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from markupsafe import Markup, escape

from newsdesk.config import Settings
from newsdesk.review.queue import QueueRow
from newsdesk.review.states import LABELS, ReviewState
from newsdesk.timetable import slot_time


@dataclass
class SlotGroup:
    name: str
    title: str
    time: str
    deadline: datetime | None
    rows: list[QueueRow] = field(default_factory=list)


def queue_groups(settings: Settings, rows: list[QueueRow], day: date) -> list[SlotGroup]:
    """Breaking news first, then earlier days' undecided drafts, then the day's slots in order."""
    earlier = SlotGroup("earlier", "往日未决 Still open from earlier days", "", None)
    groups: dict[str, SlotGroup] = {}
    for slot in settings.slots:
        deadline = slot_time(settings, slot, day)
        groups[slot.name] = SlotGroup(slot.name, slot.title, slot.time.strftime("%H:%M"), deadline)
    unscheduled: dict[str, SlotGroup] = {}  # breaking news first: it has the shortest deadline
    for row in rows:
        if row.day < day:
            earlier.rows.append(row)
            continue
        group = groups.get(row.slot)
        if group is None:
            title = "突发事件解读" if row.kind == "breaking" else row.slot
            group = unscheduled.setdefault(
                row.slot, SlotGroup(row.slot, title, "突发", row.deadline)
            )
        group.rows.append(row)
    earlier.rows.sort(key=lambda r: (r.day, r.deadline or datetime.max.replace(tzinfo=UTC), r.id))
    return [g for g in [*unscheduled.values(), earlier, *groups.values()] if g.rows]


def countdown(deadline: datetime | None, now: datetime | None = None) -> str:
    if deadline is None:
        return ""
    seconds = int((deadline - (now or datetime.now(UTC))).total_seconds())
    if seconds <= 0:
        return "已过截止时间"
    hours, minutes = divmod(seconds // 60, 60)
    days, hours = divmod(hours, 24)
    return f"还剩 {days}天{hours}小时" if days else f"还剩 {hours}小时{minutes}分"


def drafting_age(since: datetime | None, now: datetime) -> str:
    """How long a writer has been at a draft: 起草中 · 3 分钟."""
    minutes = max(0, int((now - since).total_seconds() // 60)) if since else 0
    hours, minutes = divmod(minutes, 60)
    took = f"{hours} 小时 {minutes} 分钟" if hours else f"{minutes} 分钟"
    return f"{LABELS[ReviewState.DRAFTING]} · {took}"


def state_counts(rows: list[QueueRow]) -> list[tuple[str, str, int]]:
    counts = Counter(r.state for r in rows)
    return [(s.value, LABELS[s], counts.get(s.value, 0)) for s in ReviewState]


# What a time in a kept part reads as, by kind: (the time shown, the desk's now, the system's).
_READINGS: dict[str, Callable[[datetime | None, datetime, datetime], str]] = {
    "countdown": lambda deadline, now, _: countdown(deadline, now),
    "drafting_age": lambda since, _, system_now: drafting_age(since, system_now),
}


@dataclass(frozen=True)
class Timed:
    """A part rendered once with the times it shows (countdowns, writing ages) left open, read
    at each request's own moment: it stands until what it lists changes, not until the next
    minute turns. Kept whole, a working day's queue was made again every minute in every
    process, and the requests arriving meanwhile waited for it (p95 at 50 clients)."""

    chunks: tuple[str | tuple[str, datetime | None], ...]
    _last: tuple[tuple[str, ...], Markup] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def render(cls, render: Callable[..., str], **context: Any) -> Timed:
        """``render(**context, countdown=..., drafting_age=...)``, its times left open."""
        marks: list[tuple[str, datetime | None]] = []
        token = secrets.token_hex(8)  # no text of a draft can spell it

        def opening(kind: str) -> Callable[[datetime | None], Markup]:
            def mark(value: datetime | None) -> Markup:
                marks.append((kind, value))
                return Markup(f"\ue000{token}:{len(marks) - 1}\ue000")

            return mark

        html = render(**context, **{kind: opening(kind) for kind in _READINGS})
        pieces = re.split(f"\ue000{token}:(\\d+)\ue000", html)
        return cls(tuple(marks[int(p)] if n % 2 else p for n, p in enumerate(pieces)))

    def at(self, now: datetime, system_now: datetime) -> Markup:
        """The part as it reads at ``now`` (the desk's clock) and ``system_now`` (the system's:
        a write's start is stamped on it, and a replayed desk's clock stands on another day).
        The last reading is kept: while its times read the same, it is the same text."""
        readings = tuple(
            _READINGS[chunk[0]](chunk[1], now, system_now)
            for chunk in self.chunks
            if not isinstance(chunk, str)
        )
        last = self._last
        if last is not None and last[0] == readings:
            return last[1]
        shown = iter(readings)
        text = Markup(
            "".join(
                chunk if isinstance(chunk, str) else str(escape(next(shown)))
                for chunk in self.chunks
            )
        )
        object.__setattr__(self, "_last", (readings, text))
        return text
