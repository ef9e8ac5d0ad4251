"""One post to one channel, exactly once: the row with its text written before anything is
sent, a compare-and-swap claim, each part recorded as it is delivered, a dead run's claim
resolved by asking the channel (the lifecycle is drawn in :mod:`newsdesk.publish.service`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.errors import DeliveryUncertain, PublishError
from newsdesk.publish.channels import Channel, Message
from newsdesk.publish.post_text import check_unreviewed, render_for_channel
from newsdesk.review.accounts import Actor
from newsdesk.review.service import SYSTEM_ACTOR, record_event
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Post
from newsdesk.store.types import utcnow


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


def _message(draft: Draft, post: Post) -> Message:
    return Message(post.id, draft.title, post.body or "", f"{draft.day.isoformat()}/{draft.slot}")


def post_audit(
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
            text = render_for_channel(settings, draft, body, settings.channel(name).type, corrects)
            check_unreviewed(settings, draft, body)
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
                post_audit(
                    session, draft, "publish.correction", SYSTEM_ACTOR, post, corrects=corrects.id
                )
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
        post_audit(
            session, draft, "publish.uncertain", SYSTEM_ACTOR, row, reason, part=row.parts_sent + 1
        )


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


def post_one(
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
