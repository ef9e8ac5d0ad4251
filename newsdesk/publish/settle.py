"""A person settles a post whose delivery is uncertain (mark it sent or resend it); the posts
listed for the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from newsdesk.errors import InvalidTransition, NotFound, PermissionDenied
from newsdesk.publish.delivery import PostState, post_audit
from newsdesk.review.accounts import Actor
from newsdesk.review.states import may_settle
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Post
from newsdesk.store.reading import Store, reading
from newsdesk.store.types import is_row_id, utcnow


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
    db: Store, *, state: str | None = None, draft_id: int | None = None, limit: int = 200
) -> list[PostRow]:
    """Posts newest first, filtered by state or draft (the CLI and API list uncertain ones)."""
    with reading(db) as session:
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
        post_audit(session, draft, f"publish.{action}", actor, post, note, part=part)
        return Settled(post_id, draft.id, str(values["state"]))
