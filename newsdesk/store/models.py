"""The tables. Every change here needs an Alembic migration in migrations/versions/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from newsdesk.store.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Source(Base):
    """A feed or research page the desk reads; mirrored from desk.yaml (or 'manual')."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    state: Mapped[FetchState] = relationship(
        back_populates="source", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )


class FetchState(Base):
    """What the fetcher remembers about a source: validators, errors, backoff."""

    __tablename__ = "fetch_state"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(default=0)
    total_errors: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    items_seen: Mapped[int] = mapped_column(default=0)

    source: Mapped[Source] = relationship(back_populates="state")


class FetchAttempt(Base):
    """One fetch of a source and how it ended.

    The fetch state keeps only the current streak; the metrics count feed errors
    per day, week and month from these rows, which ``fetch.attempt_log_days`` prunes.
    """

    __tablename__ = "fetch_attempts"
    __table_args__ = (Index("ix_fetch_attempts_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


# Item kinds that are not news: research pages and market snapshots. Topics and the
# news picks of a brief skip them; briefs take them on purpose (研报精选, market data).
NOT_NEWS = ("page", "market")


class Item(Base):
    """One fetched entry, normalised and deduplicated across all sources.

    Dedup keys, checked in this order: ``guid_key`` (the guid, scoped to the
    source unless it is a URL/URN), ``link`` (canonical), ``content_hash``
    (normalised title + text). Each is unique, so concurrent ingests cannot
    store the same item twice.
    """

    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_published_at", "published_at"),
        Index("ix_items_story_id", "story_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="feed")
    guid: Mapped[str] = mapped_column(Text)
    guid_key: Mapped[str] = mapped_column(String(512), unique=True)
    link: Mapped[str | None] = mapped_column(String(2048), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Structured figures beside the text, for items that have them (a market snapshot).
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The story this item tells, as its lead item's id: written by topic detection's
    # clustering (topics.service), read by briefs so one story gives one source.
    story_id: Mapped[int | None] = mapped_column(Integer)

    source: Mapped[Source] = relationship(lazy="joined")
    sightings: Mapped[list[ItemSource]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )


class ItemSource(Base):
    """Every source that carried an item, so a story knows all its outlets."""

    __tablename__ = "item_sources"
    __table_args__ = (UniqueConstraint("item_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[Item] = relationship(back_populates="sightings")


class TopicRow(Base):
    """One ranked hot topic of a day, with the evidence an editor needs to trust it."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("day", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    rank: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    terms: Mapped[list[str]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float)
    stories: Mapped[int] = mapped_column(Integer)
    sources: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    evidence: Mapped[dict[str, object]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[TopicItemRow]] = relationship(
        cascade="all, delete-orphan", order_by="TopicItemRow.id"
    )


class TopicItemRow(Base):
    __tablename__ = "topic_items"
    __table_args__ = (UniqueConstraint("topic_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    story: Mapped[int] = mapped_column(Integer, default=0)


class Draft(Base):
    """What a slot (or a breaking event) needs on a day, for one audience segment.

    ``version`` counts text versions and doubles as the optimistic lock the
    review queue uses; ``brief`` is exactly what the writer saw. One draft per
    (day, slot, segment): re-running a slot adds versions, never drafts.
    """

    __tablename__ = "drafts"
    # The queue counts and pages earlier days' undecided drafts by state, then day.
    __table_args__ = (
        UniqueConstraint("day", "slot", "segment"),
        Index("ix_drafts_state_day", "state", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    segment: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(String(200))
    # New drafts are "drafting" (hidden, not approvable) until their first version is stored.
    state: Mapped[str] = mapped_column(String(32), default="drafting", index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    compliance_by: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    brief: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[DraftVersion]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftVersion.number"
    )
    audit: Mapped[list[AuditEntry]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="AuditEntry.id"
    )
    posts: Mapped[list[Post]] = relationship(cascade="all, delete-orphan", order_by="Post.id")

    # Every UPDATE checks and bumps lock_version: a concurrent writer gets StaleDataError.
    __mapper_args__ = {"version_id_col": lock_version}


class DraftVersion(Base):
    """One text of a draft with its check report and what producing it cost."""

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    report: Mapped[dict[str, object]] = mapped_column(JSON)
    passed: Mapped[bool] = mapped_column(Boolean)
    origin: Mapped[str] = mapped_column(String(32))  # draft | revision | edit
    note: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="versions")


class AuditEntry(Base):
    """One review transition: who did what to which draft version, when, and why."""

    __tablename__ = "audit"
    # The metrics read the audit trail by action and by arrival state, a month at a time.
    __table_args__ = (
        Index("ix_audit_action", "action"),
        Index("ix_audit_to_state_draft", "to_state", "draft_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(48))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    draft: Mapped[Draft] = relationship(back_populates="audit")


class User(Base):
    """A desk account: editor, compliance or admin; argon2 password; API tokens in api_tokens."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stored in the session cookie at login; bumped on logout, password change and disable,
    # which ends every cookie signed before (a signed cookie cannot be recalled otherwise).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Post(Base):
    """One version of an approved draft sent to one channel.

    The row (with the rendered text, so any machine can show it) is written
    *before* sending; a run claims it with a compare-and-swap on (state, claim)
    so overlapping runs never both send it; each part of a multi-part message
    is recorded as it is delivered (``parts_sent``), so a retry resumes at the
    first unsent part. ``corrects_id`` points at the earlier sent post of the
    same draft and channel that this one corrects (更正).
    """

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("draft_id", "version", "channel", name="uq_posts_draft_version_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    # pending | sending | sent | failed | uncertain (see newsdesk/publish/service.py)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[int] = mapped_column(Integer, default=1)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL", name="fk_posts_corrects_id")
    )
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DailyMetrics(Base):
    """The desk's figures for one day, as computed by the daily-metrics flow (a snapshot for reports)."""

    __tablename__ = "daily_metrics"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figures: Mapped[dict[str, object]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    """A named API token of a user (one per script); only its hash is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Job(Base):
    """Provider or fetch work asked for from the web (breaking news, a rewrite), run outside
    the request by a worker thread or a Prefect deployment run; the page and API show its state."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # breaking | redraft
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    requested_by: Mapped[str] = mapped_column(String(64))
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), index=True
    )
    runner: Mapped[str] = mapped_column(String(16), default="local")  # local | prefect
    external_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StoreChanges(Base):
    """How many transactions have changed a kind of content (``drafts``: drafts and their
    versions), counted by database triggers (migration 0016), whoever wrote: a page rendered
    from that content is served again while its count stands."""

    __tablename__ = "store_changes"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, server_default="0")
