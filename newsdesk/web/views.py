"""What the queue page shows: slot groups, countdowns, state counts. A draft's data and the
JSON rows live in the core (``newsdesk.review.serialise``), shared with the CLI."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

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


def seconds_standing(groups: list[SlotGroup], now: datetime, system_now: datetime) -> float:
    """How long the countdowns (on the desk's clock, ``now``) and writing ages (on the system
    clock) of ``groups`` read as they do now: until the first of them turns."""
    waits = [math.inf]
    for group in groups:
        remaining = (group.deadline - now).total_seconds() if group.deadline else 0.0
        seconds = int(remaining)
        if seconds > 0:  # countdown: whole hours past a day, else whole minutes; then passed
            unit = 3600 if seconds >= 86400 else 60
            waits.append(remaining - max(unit * (seconds // unit), 1))
        for row in group.rows:
            if row.state == ReviewState.DRAFTING and row.since is not None:
                elapsed = (system_now - row.since).total_seconds()
                waits.append(60 * (max(elapsed // 60, 0) + 1) - elapsed)  # drafting_age
    return max(0.0, min(waits))
