"""At slot time: expire what was not approved, send what was, exactly once per (draft, version, channel).

A post's life (one row in ``posts``)::

    pending ──claim──▶ sending ──▶ sent
       ▲                  │ ├────▶ failed     the channel said no: the next run claims it
       │                  │ │                 again and resumes at the first unsent part
       │                  │ └────▶ uncertain  it may have arrived (a timeout after sending,
       │                  │                   or a run that died mid-send): never resent
       └── resend ────────┴─ mark_sent ──▶    by itself; a person marks it sent or resends it

The row, with its rendered text, is written before anything is sent. A run
takes a post with a compare-and-swap on (state, claim), so of two overlapping
runs exactly one sends it; the other reports it as busy. A claim older than
``publish.lease_seconds`` belongs to a run that died: the channel is asked
whether the post arrived (the outbox can tell, a webhook cannot, so it becomes
``uncertain``). Each part of a multi-part message (WeCom splits at 4,096
bytes) is recorded as it is delivered. A draft is ``published`` once every
channel has its current version. A corrected version of a published draft
goes out as a new post marked 更正, linked to the post it corrects. One
draft's trouble (no text, a conflict, a config error) is reported and the
others still go. Breaking news posts as soon as it is approved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.errors import NewsdeskError, PostBlocked, PublishError
from newsdesk.publish.channels import Channel, build_channels
from newsdesk.publish.delivery import PostState, PublishReport, post_one
from newsdesk.publish.expiry import expire_overdue, posts_at
from newsdesk.publish.post_text import current_text
from newsdesk.review.service import SYSTEM_ACTOR, record_event, transition
from newsdesk.store.db import Database
from newsdesk.store.models import AuditEntry, Draft


def channels_for(settings: Settings, draft: Draft) -> list[str]:
    """Where a draft goes: its audience segment's channels if the segment names some, else its slot's."""
    if draft.segment in settings.publish.segment_channels:
        return settings.publish.segment_channels[draft.segment]
    slot = settings.find_slot(draft.slot)
    return slot.channels if slot else [c.name for c in settings.channels]


def _blocked(db: Database, draft: Draft, channel: str, reason: str) -> None:
    """Record on the draft's trail, once per version and reason, that its posts are held."""
    with db.session() as session:
        seen = session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.draft_id == draft.id,
                AuditEntry.action == "publish.blocked",
                AuditEntry.version == draft.version,
                AuditEntry.note == reason,
            )
        )
        if seen is None:
            row = session.get_one(Draft, draft.id)
            record_event(
                session,
                row,
                "publish.blocked",
                SYSTEM_ACTOR,
                version=draft.version,
                note=reason,
                data={"channel": channel},
            )


def _publish_draft(
    db: Database,
    settings: Settings,
    draft: Draft,
    channels: dict[str, Channel],
    broken: dict[str, str],
    report: PublishReport,
    sleep: Callable[[float], None],
) -> None:
    body = current_text(draft).body
    names = channels_for(settings, draft)
    unknown = [n for n in names if n not in channels and n not in broken]
    if unknown:
        raise PublishError(f"draft {draft.id}: no channel {', '.join(unknown)} configured")
    outcomes: list[str] = []
    for name in names:
        if name in broken:
            report.failed.append((draft.id, name, broken[name]))
            outcomes.append(PostState.FAILED)
        else:
            try:
                outcomes.append(
                    post_one(db, settings, draft, body, name, channels[name], report, sleep)
                )
            except PostBlocked as exc:  # nothing was sent; the draft's other channels still go
                _blocked(db, draft, name, str(exc))
                report.failed.append((draft.id, name, str(exc)))
                outcomes.append(PostState.FAILED)
    if all(o == PostState.SENT for o in outcomes):
        transition(
            db, settings, draft.id, "publish", SYSTEM_ACTOR, expected_version=draft.lock_version
        )
        report.published.append(draft.id)


def publish_due(
    db: Database,
    settings: Settings,
    now: datetime,
    *,
    channels: dict[str, Channel] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PublishReport:
    report = PublishReport(expired=expire_overdue(db, settings, now))
    channels, broken = (channels, {}) if channels is not None else build_channels(settings)
    with db.session() as session:
        approved = session.scalars(
            select(Draft).where(Draft.state == "approved").order_by(Draft.id)
        ).all()
        due = []
        for draft in approved:
            at = posts_at(settings, draft)
            if at is None or at <= now:
                _ = list(draft.versions)
                session.expunge(draft)
                due.append(draft)
    for draft in due:
        try:
            _publish_draft(db, settings, draft, channels, broken, report, sleep)
        except NewsdeskError as exc:
            # No text, a channel missing, or another run published it first: this
            # draft is reported and the others still go.
            report.skipped.append((draft.id, str(exc)))
    return report
