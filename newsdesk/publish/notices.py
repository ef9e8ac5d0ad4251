"""Tell the editors: one reminder before a review deadline, one escalation when it passes.

The publish flow calls :func:`notify_editors` every minute (before it expires
anything), and so does ``newsdesk publish``. Drafts still undecided
``review.remind_minutes`` before their deadline get a reminder; drafts still
undecided when it has passed get an escalation; both go to the desk's
``review.editor_channel`` (a channel configured like the posting ones: WeCom
robot, Apprise URL or the outbox), one message per slot with the draft links.

Exactly once each: the audit row (``review.remind`` / ``review.escalate``) is
the claim, written under a write lock and committed before anything is sent,
so overlapping runs never notify twice. A message that fails to go out is
recorded (``review.notice_failed``) and not sent again: a late reminder is
worse than a missing one, and the escalation follows anyway.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.errors import ConfigError, PublishError
from newsdesk.publish.channels import BUILDERS, Channel, Message
from newsdesk.review.service import SYSTEM_ACTOR, record_event
from newsdesk.review.states import LABELS, OPEN, ReviewState
from newsdesk.store.db import Database, lock_for_write, lock_key
from newsdesk.store.models import AuditEntry, Draft
from newsdesk.timetable import desk_zone, working_day

REMIND, ESCALATE, FAILED = "review.remind", "review.escalate", "review.notice_failed"


@dataclass
class NoticeReport:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Due:
    draft_id: int
    day: str
    slot: str
    title: str
    state: str
    deadline: datetime


def _claim(db: Database, settings: Settings, now: datetime, action: str) -> list[_Due]:
    """Undecided drafts due for ``action`` and not yet given it: audited now, sent after."""
    ahead = timedelta(minutes=settings.review.remind_minutes)
    with db.session() as session:
        lock_for_write(session, lock_key("review.notices"))
        drafts = session.scalars(
            select(Draft).where(
                Draft.state.in_([s.value for s in OPEN]),
                Draft.deadline.is_not(None),
                Draft.day <= working_day(settings, now),
            )
        ).all()
        done = set(
            session.scalars(
                select(AuditEntry.draft_id).where(
                    AuditEntry.action == action,
                    AuditEntry.draft_id.in_([d.id for d in drafts]),
                )
            )
        )
        due = []
        for draft in drafts:
            deadline = draft.deadline
            assert deadline is not None
            if draft.id in done:
                continue
            if action == REMIND and not deadline - ahead <= now < deadline:
                continue
            if action == ESCALATE and now < deadline:
                continue
            record_event(
                session,
                draft,
                action,
                SYSTEM_ACTOR,
                version=draft.version,
                note=f"截止 deadline {deadline.astimezone(desk_zone(settings)):%H:%M}",
                data={"channel": settings.review.editor_channel, "deadline": deadline.isoformat()},
            )
            due.append(
                _Due(
                    draft.id,
                    draft.day.isoformat(),
                    draft.slot,
                    draft.title,
                    draft.state,
                    deadline,
                )
            )
        return due


def _text(settings: Settings, action: str, drafts: list[_Due], now: datetime) -> tuple[str, str]:
    first = drafts[0]
    slot = settings.find_slot(first.slot)
    name = slot.title if slot else first.title
    when = first.deadline.astimezone(desk_zone(settings)).strftime("%H:%M")
    if action == REMIND:
        left = max(1, round((first.deadline - now).total_seconds() / 60))
        title = f"【审核提醒】{first.day} {name}"
        head = f"{title}：{len(drafts)} 篇稿件待审核，审核截止 {when}（还有 {left} 分钟）"
    else:
        title = f"【审核超时】{first.day} {name}"
        head = f"{title}：审核截止 {when} 已过，{len(drafts)} 篇稿件仍未通过，请尽快处理"
    base = (
        settings.review.links_base_url or f"http://{settings.web.host}:{settings.web.port}"
    ).rstrip("/")
    lines = [
        f"- #{d.draft_id} {d.title}（{LABELS[ReviewState(d.state)]}）{base}/drafts/{d.draft_id}"
        for d in drafts
    ]
    return title, "\n".join([head, *lines]) + "\n"


def _send(channel: Channel, message: Message) -> None:
    for number, part in enumerate(channel.parts(message), start=1):
        channel.send_part(message, number, part)


def _editor_channel(settings: Settings) -> Channel:
    conf = settings.channel(settings.review.editor_channel or "")
    return BUILDERS[conf.type](conf, settings)


def notify_editors(
    db: Database, settings: Settings, now: datetime, *, channel: Channel | None = None
) -> NoticeReport:
    """Send the reminders and escalations that are due (a no-op without an editor channel)."""
    report = NoticeReport()
    if not settings.review.editor_channel:
        return report
    try:
        channel = channel or _editor_channel(settings)
    except ConfigError as exc:  # nothing claimed: the notices go once the channel is configured
        report.failed.append((0, str(exc)))
        return report
    for action, done in ((REMIND, report.reminded), (ESCALATE, report.escalated)):
        by_slot: dict[tuple[str, str], list[_Due]] = defaultdict(list)
        for due in _claim(db, settings, now, action):
            by_slot[(due.day, due.slot)].append(due)
        for (day, slot), drafts in by_slot.items():
            title, body = _text(settings, action, drafts, now)
            ids = [d.draft_id for d in drafts]
            try:
                hint = f"{day}/notices/{slot}-{action.removeprefix('review.')}"
                _send(channel, Message(0, title, body, hint))
            except PublishError as exc:  # DeliveryUncertain included: never sent twice
                _record_failure(db, ids, action, str(exc))
                report.failed += [(draft_id, str(exc)) for draft_id in ids]
                continue
            done += ids
    return report


def _record_failure(db: Database, draft_ids: list[int], action: str, error: str) -> None:
    with db.session() as session:
        for draft_id in draft_ids:
            draft = session.get_one(Draft, draft_id)
            record_event(
                session,
                draft,
                FAILED,
                SYSTEM_ACTOR,
                version=draft.version,
                note=error[:500],
                data={"notice": action},
            )
