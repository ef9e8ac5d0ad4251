"""At slot time an undecided draft expires: a slot's drafts at its posting time, breaking news at
its own deadline (it has no slot time and goes out as soon as it is approved)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.errors import ReviewError
from newsdesk.review.service import SYSTEM_ACTOR, transition
from newsdesk.store.db import Database
from newsdesk.store.models import Draft
from newsdesk.timetable import slot_time, working_day

OPEN_STATES = ("pending_review", "awaiting_compliance", "needs_revision")


def posts_at(settings: Settings, draft: Draft) -> datetime | None:
    """When a draft goes out: its slot's time; breaking news has no slot time and goes at once."""
    slot = settings.find_slot(draft.slot)
    if slot is None or slot.kind == "breaking":
        return None
    return slot_time(settings, slot, draft.day)


def _expires_at(settings: Settings, draft: Draft) -> datetime | None:
    """When an undecided draft expires: at its slot's time; breaking news at its own deadline."""
    return draft.deadline if draft.kind == "breaking" else posts_at(settings, draft)


def expire_overdue(db: Database, settings: Settings, now: datetime) -> list[int]:
    with db.session() as session:
        candidates = session.scalars(
            select(Draft).where(
                Draft.state.in_(OPEN_STATES), Draft.day <= working_day(settings, now)
            )
        ).all()
        overdue = [
            (d.id, d.lock_version)
            for d in candidates
            if (at := _expires_at(settings, d)) is not None and at <= now
        ]
    expired = []
    for draft_id, lock in overdue:
        try:
            transition(
                db,
                settings,
                draft_id,
                "expire",
                SYSTEM_ACTOR,
                expected_version=lock,
                note="截止时间已过，未获批准",
            )
            expired.append(draft_id)
        except ReviewError:
            continue  # someone acted on it this very moment; the next run sees the new state
    return expired
