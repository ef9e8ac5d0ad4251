"""Write a slot's drafts: brief -> draft -> check -> revise (up to N) -> store for review.

One draft per (day, slot, segment). Re-running a slot that already has a
draft does nothing unless a new version is asked for. The provider is called
outside any database transaction; each attempt is stored as a version with
its CheckReport as soon as it exists, so a crash mid-loop loses nothing and a
re-run completes it. A draft still failing after ``max_revisions`` is flagged
with its reasons; a provider that fails puts the draft in the queue flagged
with the error (the ``fail`` transition), never silently empty. A caller that
retries (the Prefect task) asks for :class:`ProviderUnavailable` to be raised
instead while it has retries left, so only its last attempt fails the draft.

Each version reaches the store through ``review.service.add_version`` (the
``redraft`` transition), which owns the draft's review state: a new text sends
an approved or rejected draft back to review, and a published or expired one
is never redrafted (a published post is fixed with the ``correct`` action).

A draft enters the review queue only with a body: a new draft is
``drafting`` (hidden from the queue, no action allowed on it) until its first
version moves it to ``pending_review`` in the same transaction. One drafter
per (day, slot, segment) at a time, across threads and workers
(``Database.held``): a concurrent run waits, then finds the draft written and
returns it instead of asking the provider again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsdesk.checks.report import CheckReport, run_checks
from newsdesk.config import Settings, SlotConfig
from newsdesk.drafting.brief import Brief, build_brief
from newsdesk.drafting.llm import (
    Completion,
    DraftRequest,
    Limiter,
    OpenAIProvider,
    Provider,
    resolve_api_key,
)
from newsdesk.drafting.offline import OfflineComposer
from newsdesk.drafting.prompts import draft_messages, revision_messages
from newsdesk.errors import LLMError, ProviderUnavailable
from newsdesk.review.service import add_version, can_redraft, fail, get_draft
from newsdesk.review.states import LABELS, ReviewState
from newsdesk.review.versions import NewVersion, day_texts
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, DraftVersion
from newsdesk.timetable import TradingCalendar, slot_time
from newsdesk.topics.service import compute_topics


@dataclass(frozen=True)
class DraftOutcome:
    draft_id: int
    slot: str
    segment: str
    created: bool
    versions_added: int
    passed: bool
    flagged: bool
    reason: str | None


def _get_or_create(
    db: Database, settings: Settings, slot: SlotConfig, day: date, segment: str, brief: Brief
) -> tuple[int, bool]:
    deadline = slot_time(settings, slot, day) - timedelta(minutes=slot.lead_minutes)
    with db.session() as session:
        existing = session.scalar(
            select(Draft).where(Draft.day == day, Draft.slot == slot.name, Draft.segment == segment)
        )
        if existing is not None:
            return existing.id, False
    try:
        with db.session() as session:
            title = f"{brief.title}" + (f"·{segment}" if segment else "")
            draft = Draft(
                day=day,
                slot=slot.name,
                kind=slot.kind,
                segment=segment,
                title=title,
                brief=brief.as_json(),
                deadline=deadline,
            )
            session.add(draft)
            session.flush()
            return draft.id, True
    except IntegrityError:
        # Another run created it a moment ago: use theirs.
        with db.session() as session:
            found = session.scalar(
                select(Draft.id).where(
                    Draft.day == day, Draft.slot == slot.name, Draft.segment == segment
                )
            )
            assert found is not None
            return found, False


def _store_version(
    db: Database,
    settings: Settings,
    draft_id: int,
    completion: Completion,
    report: CheckReport,
    origin: str,
    note: str | None,
) -> int:
    version = NewVersion(
        completion.text,
        report,
        origin,
        completion.provider,
        completion.model,
        completion.prompt_tokens,
        completion.completion_tokens,
        completion.latency_ms,
    )
    with db.session() as session:
        draft = session.get(Draft, draft_id, with_for_update=True)
        assert draft is not None
        add_version(session, settings, draft, version, note=note)
        return draft.version


def _fail(db: Database, settings: Settings, draft_id: int, reason: str) -> None:
    with db.session() as session:
        draft = session.get(Draft, draft_id, with_for_update=True)
        assert draft is not None
        fail(session, settings, draft, reason)


def _progress(db: Database, draft_id: int) -> tuple[int, str]:
    """How many versions the draft has and its review state."""
    with db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft.version, draft.state


def _latest_version(db: Database, draft_id: int) -> DraftVersion | None:
    with db.session() as session:
        version = session.scalar(
            select(DraftVersion)
            .where(DraftVersion.draft_id == draft_id)
            .order_by(DraftVersion.number.desc())
            .limit(1)
        )
        if version is not None:
            session.expunge(version)
        return version


def _latest_body(db: Database, draft_id: int) -> str | None:
    version = _latest_version(db, draft_id)
    return version.body if version else None


def other_drafts_of_day(db: Database, day: date, draft_id: int) -> list[str]:
    """The newest text of every other draft of ``day``: no sentence should repeat across them."""
    with db.session() as session:
        return day_texts(session, day, draft_id)


def write_draft(
    db: Database,
    settings: Settings,
    slot: SlotConfig,
    day: date,
    provider: Provider,
    *,
    segment: str = "",
    new_version: bool = False,
    note: str | None = None,
    now: datetime | None = None,
    brief: Brief | None = None,
    raise_unavailable: bool = False,
) -> DraftOutcome:
    """Draft (and revise) one segment of a slot; see the module docstring for the rules.

    ``raise_unavailable``: a :class:`ProviderUnavailable` propagates (the caller will
    retry) instead of failing the draft; it stays as it was meanwhile.
    """
    with db.held(f"draft:{day.isoformat()}:{slot.name}:{segment}"):
        return _write_draft(
            db,
            settings,
            slot,
            day,
            provider,
            segment=segment,
            new_version=new_version,
            note=note,
            now=now,
            brief=brief,
            raise_unavailable=raise_unavailable,
        )


def _write_draft(
    db: Database,
    settings: Settings,
    slot: SlotConfig,
    day: date,
    provider: Provider,
    *,
    segment: str,
    new_version: bool,
    note: str | None,
    now: datetime | None,
    brief: Brief | None,
    raise_unavailable: bool,
) -> DraftOutcome:
    brief = brief or build_brief(db, settings, slot, day, segment=segment, now=now)
    draft_id, created = _get_or_create(db, settings, slot, day, segment, brief)
    versions, state = (0, "") if created else _progress(db, draft_id)
    if versions and not new_version:
        return DraftOutcome(draft_id, slot.name, segment, False, 0, True, False, "already drafted")
    if versions and not can_redraft(state):
        label = LABELS[ReviewState(state)]
        reason = f"稿件{label}，不再重写（已发布的稿件请用更正 correct）"
        return DraftOutcome(draft_id, slot.name, segment, False, 0, True, False, reason)
    channel = slot.channels[0]
    disclaimer = settings.channel(channel).disclaimer
    texts = brief.source_texts()
    day_texts = tuple(other_drafts_of_day(db, day, draft_id))
    previous = _latest_body(db, draft_id) if note else None

    def check(text: str) -> CheckReport:
        return run_checks(
            text, texts, settings, channel=channel, slot=slot.name, day_drafts=day_texts
        )

    def ask(attempt: int, last: str | None, reasons: list[str]) -> Completion:
        # A rewrite (an editor's note on an existing version) or a failed attempt is a
        # revision: the provider sees the previous text, the problems and the note.
        if last is None:
            messages = draft_messages(settings, brief, disclaimer)
        else:
            messages = revision_messages(settings, brief, disclaimer, last, reasons, note)
        request = DraftRequest(messages, brief, disclaimer, attempt, reasons, note, last, day_texts)
        return provider.complete(request)

    def version_note(completion: Completion) -> str | None:
        if completion.remark:
            return f"{note}（{completion.remark}）" if note else completion.remark
        return note

    added = 0
    try:
        reasons = check(previous).reasons() if previous else []
        completion = ask(0, previous, reasons)
        report = check(completion.text)
        origin = "revision" if note else "draft"
        _store_version(db, settings, draft_id, completion, report, origin, version_note(completion))
        added += 1
        for attempt in range(1, settings.thresholds.max_revisions + 1):
            if report.passed:
                break
            revised = ask(attempt, completion.text, report.reasons())
            if revised.text.strip() == completion.text.strip():
                break  # the provider cannot do better: storing the same text again helps nobody
            completion = revised
            report = check(completion.text)
            _store_version(
                db, settings, draft_id, completion, report, "revision", version_note(completion)
            )
            added += 1
    except LLMError as exc:
        if raise_unavailable and isinstance(exc, ProviderUnavailable):
            raise
        reason = f"起草失败（{provider.name}）：{exc}"
        _fail(db, settings, draft_id, reason)
        return DraftOutcome(draft_id, slot.name, segment, created, added, False, True, reason)
    reason = None if report.passed else "；".join(report.reasons()[:3])
    return DraftOutcome(
        draft_id, slot.name, segment, created, added, report.passed, not report.passed, reason
    )


def slot_segments(slot: SlotConfig, day: date) -> list[str]:
    """The audience segments to draft for ``slot`` on ``day`` (one, ``""``, when the slot lists
    none); none on a day the exchange is closed, for a slot that follows the trading calendar."""
    if slot.calendar == "trading" and not TradingCalendar().is_trading_day(day):
        return []
    return slot.segments or [""]


def draft_slot(
    db: Database,
    settings: Settings,
    slot_name: str,
    day: date,
    provider: Provider,
    *,
    new_version: bool = False,
    now: datetime | None = None,
    rank_topics: bool = True,
) -> list[DraftOutcome]:
    """Draft a slot for a day: the day's topics ranked first (unless the caller just did), then
    every audience segment; nothing on a day the slot does not run (:func:`slot_segments`).

    The CLI calls this; the slot flow runs the same steps as Prefect tasks, one per segment.
    """
    slot = settings.slot(slot_name)
    segments = slot_segments(slot, day)
    if segments and rank_topics:
        compute_topics(db, settings, day=day, now=now)
    return [
        write_draft(
            db, settings, slot, day, provider, segment=segment, new_version=new_version, now=now
        )
        for segment in segments
    ]


def redraft(
    db: Database, settings: Settings, draft_id: int, provider: Provider, note: str | None
) -> DraftOutcome:
    """Write a new version of a draft from its stored brief, with the editor's note in the prompt."""
    draft = get_draft(db, draft_id)
    return write_draft(
        db,
        settings,
        settings.slot(draft.slot),
        draft.day,
        provider,
        segment=draft.segment,
        new_version=True,
        note=note,
        brief=Brief.from_json(draft.brief),
    )


def latest_report(db: Database, draft_id: int) -> dict[str, object] | None:
    """The check report of a draft's newest version (None before the first version)."""
    version = _latest_version(db, draft_id)
    return dict(version.report) if version else None


def make_provider(
    settings: Settings,
    *,
    name: str | None = None,
    secret: Callable[[str], str] | None = None,
    limiter: Limiter = nullcontext,
) -> Provider:
    """The configured provider (or ``name``); the API key comes from env or a secret store."""
    chosen = name or settings.llm.provider
    if chosen == "offline":
        return OfflineComposer(settings)
    if chosen == "openai":
        return OpenAIProvider(settings.llm, resolve_api_key(settings.llm, secret), limiter=limiter)
    raise LLMError(f"unknown provider {chosen!r} (offline, openai)")
