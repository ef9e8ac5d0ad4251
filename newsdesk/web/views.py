"""What the pages and the API show: queue groups, draft details, shared by both."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from newsdesk.config import Settings
from newsdesk.publish.service import may_settle
from newsdesk.review.accounts import Actor
from newsdesk.review.service import QueueRow, allowed_actions, get_draft
from newsdesk.review.states import LABELS, ReviewState
from newsdesk.store.db import Database
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


def state_counts(rows: list[QueueRow]) -> list[tuple[str, str, int]]:
    counts = Counter(r.state for r in rows)
    return [(s.value, LABELS[s], counts.get(s.value, 0)) for s in ReviewState]


def draft_view(db: Database, settings: Settings, draft_id: int, actor: Actor) -> dict[str, Any]:
    draft = get_draft(db, draft_id)
    latest = draft.versions[-1] if draft.versions else None
    return {
        "draft": draft,
        "latest": latest,
        "report": latest.report if latest else None,
        "sources": draft.brief.get("sources", []),
        "actions": allowed_actions(settings, draft, actor),
        "state_label": LABELS[ReviewState(draft.state)],
        "settle_posts": may_settle(actor),
    }


def draft_json(db: Database, settings: Settings, draft_id: int, actor: Actor) -> dict[str, Any]:
    view = draft_view(db, settings, draft_id, actor)
    draft, latest = view["draft"], view["latest"]
    return {
        "id": draft.id,
        "day": draft.day.isoformat(),
        "slot": draft.slot,
        "kind": draft.kind,
        "segment": draft.segment,
        "title": draft.title,
        "state": draft.state,
        "flagged": draft.flagged,
        "flag_reason": draft.flag_reason,
        "version": draft.version,
        "expected_version": draft.lock_version,
        "text": latest.body if latest else None,
        "report": view["report"],
        "sources": view["sources"],
        "allowed_actions": view["actions"],
        "versions": [
            {
                "number": v.number,
                "origin": v.origin,
                "passed": v.passed,
                "provider": v.provider,
                "note": v.note,
                "created_at": v.created_at.isoformat(),
            }
            for v in draft.versions
        ],
        "posts": [
            {
                "id": p.id,
                "channel": p.channel,
                "version": p.version,
                "state": p.state,
                "parts": p.parts,
                "parts_sent": p.parts_sent,
                "corrects": p.corrects_id,
                "attempts": p.attempts,
                "last_error": p.last_error,
                "sent_at": p.sent_at.isoformat() if p.sent_at else None,
                "text": p.body,
            }
            for p in draft.posts
        ],
        "audit": [
            {
                "action": e.action,
                "actor": e.actor,
                "at": e.at.isoformat(),
                "from": e.from_state,
                "to": e.to_state,
                "version": e.version,
                "note": e.note,
            }
            for e in draft.audit
        ],
    }


def row_json(row: QueueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "day": row.day.isoformat(),
        "slot": row.slot,
        "kind": row.kind,
        "segment": row.segment,
        "title": row.title,
        "state": row.state,
        "flagged": row.flagged,
        "version": row.version,
        "expected_version": row.lock_version,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "passed": row.passed,
        "originality": row.originality,
        "provider": row.provider,
        "machine_composed": row.machine_composed,
    }
