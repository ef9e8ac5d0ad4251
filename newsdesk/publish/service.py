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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.checks.compliance import ComplianceParams, check_compliance
from newsdesk.config import Settings
from newsdesk.errors import (
    DeliveryUncertain,
    InvalidTransition,
    NewsdeskError,
    NotFound,
    PermissionDenied,
    PostBlocked,
    PublishError,
    ReviewError,
)
from newsdesk.publish.channels import Channel, Message, build_channels
from newsdesk.publish.render import render_post, unreviewed_text
from newsdesk.review.accounts import Actor
from newsdesk.review.service import record_event, transition
from newsdesk.review.states import may_settle
from newsdesk.store.db import Database
from newsdesk.store.models import AuditEntry, Draft, DraftVersion, Post
from newsdesk.store.types import is_row_id, utcnow
from newsdesk.timetable import replayed_demo_day, slot_time, working_day

SYSTEM = Actor("system", "system")
OPEN_STATES = ("pending_review", "awaiting_compliance", "needs_revision")


class PostState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


@dataclass
class PublishReport:
    sent: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    uncertain: list[tuple[int, str]] = field(default_factory=list)
    busy: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (self.sent, self.failed, self.uncertain, self.busy, self.skipped, self.expired)
        )


def _posts_at(settings: Settings, draft: Draft) -> datetime | None:
    """When a draft goes out: its slot's time; breaking news has no slot time and goes at once."""
    slot = settings.find_slot(draft.slot)
    if slot is None or slot.kind == "breaking":
        return None
    return slot_time(settings, slot, draft.day)


def _expires_at(settings: Settings, draft: Draft) -> datetime | None:
    """When an undecided draft expires: at its slot's time; breaking news at its own deadline."""
    return draft.deadline if draft.kind == "breaking" else _posts_at(settings, draft)


def expire_overdue(db: Database, settings: Settings, now: datetime) -> list[int]:
    replay = replayed_demo_day(settings, now)
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


def channels_for(settings: Settings, draft: Draft) -> list[str]:
    """Where a draft goes: its audience segment's channels if the segment names some, else its slot's."""
    if draft.segment in settings.publish.segment_channels:
        return settings.publish.segment_channels[draft.segment]
    slot = settings.find_slot(draft.slot)
    return slot.channels if slot else [c.name for c in settings.channels]


def _current_text(draft: Draft) -> DraftVersion:
    """The version a publish run sends; a draft without text cannot go out."""
    for version in draft.versions:
        if version.number == draft.version and version.body.strip():
            return version
    raise PublishError(f"draft {draft.id} has no text (version {draft.version}): not sent")


def _local(settings: Settings, moment: datetime | None) -> str:
    if moment is None:
        return "此前"
    return moment.astimezone(ZoneInfo(settings.timezone)).strftime("%m-%d %H:%M")


def _render(
    settings: Settings,
    draft: Draft,
    body: str,
    channel_type: str,
    corrects: Post | None,
) -> str:
    slot = settings.find_slot(draft.slot)
    text = render_post(
        settings,
        channel_type,
        draft.kind,
        title=draft.title,
        body=body,
        # the brief's numbered sources: [n] -> list (stored JSON: a list of mappings)
        sources=(draft.brief or {}).get("sources", []),  # type: ignore[arg-type]
        day=draft.day.isoformat(),
        slot_title=slot.title if slot else draft.title,
    )
    if corrects is None:
        return text
    note = settings.publish.correction_note.format(
        sent_at=_local(settings, corrects.sent_at), title=draft.title
    )
    return f"{note}\n\n{text}"


def _check_unreviewed(settings: Settings, draft: Draft, body: str) -> None:
    """The compliance rules on what the post shows that the draft's checks never saw: its title
    (a fetched page's <title> for breaking news) and the cited sources' outlets and titles."""
    slot = settings.find_slot(draft.slot)
    rules = settings.checks
    found = check_compliance(
        unreviewed_text(draft.title, body, (draft.brief or {}).get("sources", [])),  # type: ignore[arg-type]
        ComplianceParams(
            tuple(rules.banned_phrases),
            tuple(rules.trade_patterns),
            None,
            bool(slot and slot.allow_trade_instructions),
        ),
    )
    if not found.passed:
        said = "；".join(f"{v.rule}「{v.text}」" for v in found.violations)
        raise PostBlocked(f"标题或来源未通过合规 / the title or sources break a rule: {said}")


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
                SYSTEM,
                version=draft.version,
                note=reason,
                data={"channel": channel},
            )


def _message(draft: Draft, post: Post) -> Message:
    return Message(post.id, draft.title, post.body or "", f"{draft.day.isoformat()}/{draft.slot}")


def _audit(
    session: Session,
    draft: Draft,
    action: str,
    actor: Actor,
    post: Post,
    note: str | None = None,
    **data: object,
) -> None:
    """A publishing event on the draft's trail; the draft's state is not touched."""
    record_event(
        session,
        draft,
        action,
        actor,
        version=post.version,
        note=note,
        data={"post": post.id, "channel": post.channel, **data},
    )


def _existing(db: Database, draft: Draft, name: str) -> Post | None:
    with db.session() as session:
        post = session.scalar(
            select(Post).where(
                Post.draft_id == draft.id, Post.version == draft.version, Post.channel == name
            )
        )
        if post is not None:
            session.expunge(post)
        return post


def _intent(
    db: Database, settings: Settings, draft: Draft, body: str, name: str, channel: Channel
) -> Post:
    """The post row for (draft, version, channel), written with its text before anything is sent.

    An earlier version already sent to this channel makes this one a correction (更正).
    """
    post = _existing(db, draft, name)
    if post is not None:
        return post
    try:
        with db.session() as session:
            corrects = session.scalar(
                select(Post)
                .where(
                    Post.draft_id == draft.id,
                    Post.channel == name,
                    Post.version < draft.version,
                    Post.state == PostState.SENT,
                )
                .order_by(Post.version.desc())
                .limit(1)
            )
            text = _render(settings, draft, body, settings.channel(name).type, corrects)
            _check_unreviewed(settings, draft, body)
            post = Post(
                draft_id=draft.id,
                channel=name,
                version=draft.version,
                state=PostState.PENDING,
                corrects_id=corrects.id if corrects else None,
                body=text,
                parts=len(channel.parts(Message(0, draft.title, text, ""))),
            )
            session.add(post)
            session.flush()
            if corrects is not None:
                _audit(session, draft, "publish.correction", SYSTEM, post, corrects=corrects.id)
            session.expunge(post)
            return post
    except IntegrityError:  # a concurrent run wrote the row first
        post = _existing(db, draft, name)
        if post is None:
            raise
        return post


def _claim(db: Database, post: Post) -> bool:
    """Take the post for this run: a compare-and-swap on (state, claim) as this run last read them,
    so of two runs that read the same row exactly one wins (a row-level conditional UPDATE on both
    databases). On success ``post`` carries the new claim."""
    token = uuid4().hex
    now = utcnow()
    same_claim = Post.claim.is_(None) if post.claim is None else Post.claim == post.claim
    with db.session() as session:
        result = session.execute(
            update(Post)
            .where(Post.id == post.id, Post.state == post.state, same_claim)
            .values(state=PostState.SENDING, claim=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    post.state, post.claim, post.claimed_at = PostState.SENDING, token, now
    return True


def _record(db: Database, post_id: int, **values: object) -> None:
    with db.session() as session:
        session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _mark_uncertain(db: Database, draft: Draft, post: Post, reason: str) -> None:
    with db.session() as session:
        row = session.get(Post, post.id)
        assert row is not None
        row.state, row.last_error = PostState.UNCERTAIN, reason
        _audit(session, draft, "publish.uncertain", SYSTEM, row, reason, part=row.parts_sent + 1)


def _deliver(
    db: Database,
    settings: Settings,
    draft: Draft,
    post: Post,
    channel: Channel,
    sleep: Callable[[float], None],
) -> tuple[str, str | None]:
    """Send the unsent parts in order, recording each; retry definite failures with backoff."""
    message = _message(draft, post)
    parts = channel.parts(message)
    sent, attempts, error = post.parts_sent, post.attempts, ""
    for attempt in range(settings.publish.retries + 1):
        attempts += 1
        try:
            for number in range(sent + 1, len(parts) + 1):
                external = channel.send_part(message, number, parts[number - 1])
                sent = number
                _record(db, post.id, parts_sent=sent, external_id=external, attempts=attempts)
        except DeliveryUncertain as exc:
            _record(db, post.id, attempts=attempts)
            _mark_uncertain(db, draft, post, str(exc))
            return PostState.UNCERTAIN, str(exc)
        except PublishError as exc:
            error = str(exc)
            _record(db, post.id, attempts=attempts, last_error=error)
            if attempt < settings.publish.retries:
                sleep(settings.publish.backoff_base * 2**attempt)
            continue
        _record(
            db,
            post.id,
            state=PostState.SENT,
            sent_at=utcnow(),
            attempts=attempts,
            last_error=None,
        )
        return PostState.SENT, None
    _record(db, post.id, state=PostState.FAILED)
    return PostState.FAILED, error


def _post_one(
    db: Database,
    settings: Settings,
    draft: Draft,
    body: str,
    name: str,
    channel: Channel,
    report: PublishReport,
    sleep: Callable[[float], None],
) -> str:
    post = _intent(db, settings, draft, body, name, channel)
    if post.state == PostState.SENT:
        return PostState.SENT
    if post.state == PostState.UNCERTAIN:
        report.uncertain.append((draft.id, name))
        return PostState.UNCERTAIN
    if post.state == PostState.SENDING:
        lease = timedelta(seconds=settings.publish.lease_seconds)
        if post.claimed_at is not None and post.claimed_at > utcnow() - lease:
            report.busy.append((draft.id, name))  # another run is sending it right now
            return PostState.SENDING
        # The run that claimed it died between sending and confirming.
        if not _claim(db, post):
            report.busy.append((draft.id, name))
            return PostState.SENDING
        delivered = channel.delivered(_message(draft, post))
        if delivered:
            _record(db, post.id, state=PostState.SENT, sent_at=utcnow(), parts_sent=post.parts)
            report.sent.append((draft.id, name))
            return PostState.SENT
        if delivered is None:
            _mark_uncertain(
                db,
                draft,
                post,
                "发送中途中断，无法确认是否送达 a run stopped mid-send; check the channel",
            )
            report.uncertain.append((draft.id, name))
            return PostState.UNCERTAIN
    elif not _claim(db, post):
        report.busy.append((draft.id, name))  # another run claimed it between our read and now
        return PostState.SENDING
    outcome, error = _deliver(db, settings, draft, post, channel, sleep)
    if outcome == PostState.SENT:
        report.sent.append((draft.id, name))
    elif outcome == PostState.UNCERTAIN:
        report.uncertain.append((draft.id, name))
    else:
        report.failed.append((draft.id, name, error or ""))
    return outcome


def _publish_draft(
    db: Database,
    settings: Settings,
    draft: Draft,
    channels: dict[str, Channel],
    broken: dict[str, str],
    report: PublishReport,
    sleep: Callable[[float], None],
) -> None:
    body = _current_text(draft).body
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
                    _post_one(db, settings, draft, body, name, channels[name], report, sleep)
                )
            except PostBlocked as exc:  # nothing was sent; the draft's other channels still go
                _blocked(db, draft, name, str(exc))
                report.failed.append((draft.id, name, str(exc)))
                outcomes.append(PostState.FAILED)
    if all(o == PostState.SENT for o in outcomes):
        transition(db, settings, draft.id, "publish", SYSTEM, expected_version=draft.lock_version)
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
            at = _posts_at(settings, draft)
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


# --- a person settles an uncertain post ------------------------------------------------


@dataclass(frozen=True)
class PostRow:
    id: int
    draft_id: int
    day: date
    slot: str
    title: str
    channel: str
    version: int
    state: str
    parts: int
    parts_sent: int
    attempts: int
    corrects_id: int | None
    last_error: str | None
    sent_at: datetime | None
    body: str | None


def list_posts(
    db: Database, *, state: str | None = None, draft_id: int | None = None, limit: int = 200
) -> list[PostRow]:
    """Posts newest first, filtered by state or draft (the CLI and API list uncertain ones)."""
    with db.session() as session:
        query = select(Post, Draft).join(Draft, Draft.id == Post.draft_id)
        if state:
            query = query.where(Post.state == state)
        if draft_id is not None:
            query = query.where(Post.draft_id == (draft_id if is_row_id(draft_id) else 0))
        rows = session.execute(query.order_by(Post.id.desc()).limit(limit)).all()
        return [
            PostRow(
                p.id,
                d.id,
                d.day,
                d.slot,
                d.title,
                p.channel,
                p.version,
                p.state,
                p.parts,
                p.parts_sent,
                p.attempts,
                p.corrects_id,
                p.last_error,
                p.sent_at,
                p.body,
            )
            for p, d in rows
        ]


POST_ACTIONS = ("mark_sent", "resend")


@dataclass(frozen=True)
class Settled:
    post_id: int
    draft_id: int
    state: str


def settle_post(
    db: Database, post_id: int, action: str, actor: Actor, note: str | None = None
) -> Settled:
    """``mark_sent``: the uncertain part arrived (the rest, if any, goes at the next run);
    ``resend``: it did not, send it again at the next run. Only an uncertain post can be
    settled, once: the UPDATE is conditional on that state. Audited as publish.<action>.
    Returns the post's new state."""
    if action not in POST_ACTIONS:
        raise InvalidTransition(f"unknown post action {action!r} (have: {', '.join(POST_ACTIONS)})")
    if not may_settle(actor.role):
        raise PermissionDenied(f"role {actor.role!r} may not {action} a post")
    note = (note or "").strip() or None
    with db.session() as session:
        post = session.get(Post, post_id) if is_row_id(post_id) else None
        if post is None:
            raise NotFound(f"no post {post_id}")
        draft = session.get(Draft, post.draft_id)
        assert draft is not None
        if post.state != PostState.UNCERTAIN:
            raise InvalidTransition(
                f"帖子 {post_id} 不是待确认状态 post {post_id} is {post.state}, not uncertain"
            )
        if action == "resend" and post.version != draft.version:
            raise InvalidTransition(
                f"帖子 {post_id} 是旧版本 v{post.version}，已被 v{draft.version} 取代 "
                f"post {post_id} is of a superseded version"
            )
        part = post.parts_sent + 1
        values: dict[str, object] = {"last_error": None, "claim": None}
        if action == "resend":
            values["state"] = PostState.PENDING
        elif part >= post.parts:
            values |= {"state": PostState.SENT, "parts_sent": part, "sent_at": utcnow()}
        else:
            values |= {"state": PostState.PENDING, "parts_sent": part}
        done = session.execute(
            update(Post)
            .where(Post.id == post_id, Post.state == PostState.UNCERTAIN)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidTransition(f"post {post_id} was settled by someone else; reload")
        _audit(session, draft, f"publish.{action}", actor, post, note, part=part)
        return Settled(post_id, draft.id, str(values["state"]))
