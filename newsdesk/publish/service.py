"""At slot time: expire what was not approved, send what was, exactly once per (draft, channel).

Order per post: record the intent (a ``posts`` row in state ``sending``,
unique per draft and channel) and commit; send; confirm (``sent``). A run that
finds a ``sending`` row from an earlier run that crashed between send and
confirm asks the channel whether the post arrived: the outbox can tell (the
file is there), a webhook cannot, so such a post becomes ``uncertain`` and is
reported for a human to check rather than sent twice. A channel that fails is
retried with backoff, then the post is ``failed`` (shown, retried next run);
other channels still go. Breaking news posts as soon as it is approved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsdesk.config import Settings
from newsdesk.errors import PublishError, ReviewError
from newsdesk.publish.channels import Channel, Message, build_channels
from newsdesk.publish.render import render_post
from newsdesk.review.accounts import Actor
from newsdesk.review.service import transition
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Post
from newsdesk.store.types import utcnow
from newsdesk.timetable import slot_time, working_day

SYSTEM = Actor("system", "system")
OPEN_STATES = ("pending_review", "awaiting_compliance", "needs_revision")


@dataclass
class PublishReport:
    sent: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    uncertain: list[tuple[int, str]] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)


def _posts_at(settings: Settings, draft: Draft) -> datetime | None:
    """When a draft goes out: its slot's time; breaking news has no slot time and goes at once."""
    slot = settings.find_slot(draft.slot)
    if slot is None or slot.kind == "breaking":
        return None
    return slot_time(settings, slot, draft.day)


def _expires_at(settings: Settings, draft: Draft) -> datetime | None:
    """When an undecided draft expires: at its slot's time; breaking news at its own deadline."""
    return draft.deadline if draft.kind == "breaking" else _posts_at(settings, draft)


def _replayed_demo_day(settings: Settings, now: datetime) -> date | None:
    """The demo desk's day once the clock is past it: a replay, not a day that is running.

    Its slots are all long gone, so expiring its drafts would hand a newcomer an
    empty queue a minute after ``newsdesk up``; they stay reviewable instead, and
    an approved one goes out at the next publish run.
    """
    day = settings.demo.day if settings.demo.enabled else None
    if day is None or now.astimezone(ZoneInfo(settings.timezone)).date() <= day:
        return None
    return day


def expire_overdue(db: Database, settings: Settings, now: datetime) -> list[int]:
    replay = _replayed_demo_day(settings, now)
    with db.session() as session:
        candidates = session.scalars(
            select(Draft).where(
                Draft.state.in_(OPEN_STATES), Draft.day <= working_day(settings, now)
            )
        ).all()
        overdue = [
            (d.id, d.lock_version)
            for d in candidates
            if d.day != replay and (at := _expires_at(settings, d)) is not None and at <= now
        ]
    expired = []
    for draft_id, lock in overdue:
        try:
            transition(
                db,
                settings,
                draft_id,
                "expire",
                SYSTEM,
                expected_version=lock,
                note="截止时间已过，未获批准",
            )
            expired.append(draft_id)
        except ReviewError:
            continue  # someone acted on it this very moment; the next run sees the new state
    return expired


def _message(settings: Settings, draft: Draft, channel_type: str, post_id: int) -> Message:
    body = draft.versions[-1].body
    slot = settings.find_slot(draft.slot)
    text = render_post(
        settings,
        channel_type,
        draft.kind,
        title=draft.title,
        body=body,
        day=draft.day.isoformat(),
        slot_title=slot.title if slot else draft.title,
    )
    return Message(post_id, draft.title, text, f"{draft.day.isoformat()}/{draft.slot}")


def _intent(db: Database, draft_id: int, channel: str, version: int) -> tuple[Post, bool]:
    """The post row for (draft, channel), and whether this call created it."""
    try:
        with db.session() as session:
            post = Post(draft_id=draft_id, channel=channel, version=version)
            session.add(post)
            session.flush()
            session.expunge(post)
            return post, True
    except IntegrityError:
        with db.session() as session:
            post = session.scalar(
                select(Post).where(Post.draft_id == draft_id, Post.channel == channel)
            )
            assert post is not None
            session.expunge(post)
            return post, False


def _record(db: Database, post_id: int, **values: object) -> None:
    with db.session() as session:
        post = session.get(Post, post_id)
        assert post is not None
        for key, value in values.items():
            setattr(post, key, value)


def _send(
    db: Database,
    settings: Settings,
    channel: Channel,
    message: Message,
    sleep: Callable[[float], None],
) -> tuple[str, str | None]:
    error = ""
    for attempt in range(settings.publish.retries + 1):
        try:
            external = channel.send(message)
        except PublishError as exc:
            error = str(exc)
            _record(db, message.post_id, attempts=attempt + 1, last_error=error)
            if attempt < settings.publish.retries:
                sleep(settings.publish.backoff_base * 2**attempt)
            continue
        _record(
            db,
            message.post_id,
            state="sent",
            external_id=external,
            sent_at=utcnow(),
            attempts=attempt + 1,
            last_error=None,
        )
        return "sent", None
    _record(db, message.post_id, state="failed")
    return "failed", error


def publish_due(
    db: Database,
    settings: Settings,
    now: datetime,
    *,
    channels: dict[str, Channel] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishReport:
    report = PublishReport(expired=expire_overdue(db, settings, now))
    channels = channels if channels is not None else build_channels(settings)
    types = {c.name: c.type for c in settings.channels}
    with db.session() as session:
        approved = session.scalars(select(Draft).where(Draft.state == "approved")).all()
        due = []
        for draft in approved:
            at = _posts_at(settings, draft)
            if at is None or at <= now:
                _ = list(draft.versions)
                session.expunge(draft)
                due.append(draft)
    for draft in due:
        slot = settings.find_slot(draft.slot)
        names = slot.channels if slot else [c.name for c in settings.channels]
        outcomes = [
            _post_one(db, settings, draft, name, channels[name], types[name], report, sleep)
            for name in names
        ]
        if all(o == "sent" for o in outcomes):
            transition(
                db, settings, draft.id, "publish", SYSTEM, expected_version=draft.lock_version
            )
            report.published.append(draft.id)
    return report


def _post_one(
    db: Database,
    settings: Settings,
    draft: Draft,
    name: str,
    channel: Channel,
    channel_type: str,
    report: PublishReport,
    sleep: Callable[[float], None],
) -> str:
    post, created = _intent(db, draft.id, name, draft.version)
    message = _message(settings, draft, channel_type, post.id)
    if post.state == "sent":
        return "sent"
    if post.state == "uncertain":
        report.uncertain.append((draft.id, name))
        return "uncertain"
    if post.state == "sending" and not created:
        # An earlier run recorded the intent and stopped before confirming.
        delivered = channel.delivered(message)
        if delivered:
            _record(db, post.id, state="sent", sent_at=utcnow(), last_error=None)
            report.sent.append((draft.id, name))
            return "sent"
        if delivered is None:
            _record(
                db,
                post.id,
                state="uncertain",
                last_error="a run stopped between send and confirm; check the channel",
            )
            report.uncertain.append((draft.id, name))
            return "uncertain"
    outcome, error = _send(db, settings, channel, message, sleep)
    if outcome == "sent":
        report.sent.append((draft.id, name))
    else:
        report.failed.append((draft.id, name, error or ""))
    return outcome
