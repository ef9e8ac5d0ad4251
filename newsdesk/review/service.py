"""The only writer of review state: ``transition()`` checks the table, locks, audits.

Every call runs in one transaction: load the draft, compare the caller's
``expected_version`` with the draft's ``lock_version`` (someone else acted
first → :class:`StaleVersion`), look the (state, action) pair up in
``TRANSITIONS``, check the role, apply, and write one :class:`AuditEntry`.
The UPDATE itself is guarded by SQLAlchemy's version counter, so two
transactions that both passed the check cannot both commit: the loser gets
``StaleDataError``, mapped here to StaleVersion. The web form, the JSON API
and ``newsdesk review`` all call this function; the drafting service stores a
writer's new version through :func:`add_version`, which is the same
transition (``redraft``) inside the writer's transaction, and reports a
provider that failed through :func:`fail` (the ``fail`` transition). Nothing
else in the code base writes ``Draft.state``, ``Draft.flagged`` or an audit
row (tests/test_review.py checks).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from newsdesk.config import Settings
from newsdesk.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ReviewError,
    StaleVersion,
    TextTooLong,
)
from newsdesk.review.accounts import Actor
from newsdesk.review.states import NEW_TEXT, OPEN, TRANSITIONS, Action, ReviewState
from newsdesk.store.db import Database
from newsdesk.store.models import AuditEntry, Draft, DraftVersion
from newsdesk.store.types import is_row_id, utcnow

if TYPE_CHECKING:
    from newsdesk.checks.report import CheckReport

NOTE_REQUIRED = {Action.REJECT, Action.REQUEST_REVISION, Action.CORRECT, Action.FAIL}
SYSTEM_ACTOR = Actor("system", "system")
# The offline composer's name (``llm.provider: offline``; tests/test_review.py checks it is
# OfflineComposer.name): review marks its drafts without importing the drafting package.
MACHINE_PROVIDER = "offline"
# Where an editor's own text came from, by the action that stored it.
_EDITOR_ORIGIN = {Action.EDIT: "edit", Action.CORRECT: "correction", Action.REDRAFT: "redraft"}


@dataclass(frozen=True)
class NewVersion:
    """A text for a draft with its check report and what producing it cost."""

    body: str
    report: CheckReport
    origin: str
    provider: str
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0


@dataclass(frozen=True)
class TransitionResult:
    draft_id: int
    action: str
    from_state: str
    to_state: str
    lock_version: int
    version: int


def _load(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id) if is_row_id(draft_id) else None
    if draft is None:
        raise NotFound(f"no draft {draft_id}")
    return draft


def allowed_actions(settings: Settings, draft: Draft, actor: Actor) -> list[str]:
    """What this user may do to this draft now (drives the buttons and the API's hints)."""
    state = ReviewState(draft.state)
    actions = []
    for (from_state, action), (_, roles) in TRANSITIONS.items():
        if from_state != state or actor.role not in roles or action == Action.REDRAFT:
            continue
        if action == Action.APPROVE and not draft.version:
            continue
        if (
            action == Action.APPROVE
            and draft.flagged
            and actor.role not in settings.review.override_roles
        ):
            continue
        if (
            action == Action.APPROVE
            and state == ReviewState.AWAITING_COMPLIANCE
            and draft.approved_by == actor.username
        ):
            continue
        if action == Action.APPROVE and _wrote_correction(settings, draft, actor):
            continue
        actions.append(action.value)
    return actions


def transition(
    db: Database,
    settings: Settings,
    draft_id: int,
    action: str,
    actor: Actor,
    *,
    expected_version: int,
    note: str | None = None,
    text: str | None = None,
) -> TransitionResult:
    try:
        act = Action(action)
    except ValueError:
        raise InvalidTransition(f"unknown action {action!r}") from None
    note = (note or "").strip() or None
    # An editor's text is checked before the transaction, not inside it: the checks take a
    # while, and the lock check below still refuses the text if the draft changed meanwhile.
    version = (
        _checked_text(db, settings, draft_id, act, actor, text, expected_version)
        if act in NEW_TEXT
        else None
    )
    try:
        with db.session() as session:
            draft = _load(session, draft_id)
            if draft.lock_version != expected_version:
                raise StaleVersion(
                    f"draft {draft_id} was changed by someone else (you loaded lock {expected_version}, "
                    f"it is now {draft.lock_version}); reload and try again"
                )
            result = _apply(session, settings, draft, act, actor, note, version=version)
            session.flush()
            return TransitionResult(
                draft.id, act.value, result[0], result[1], draft.lock_version, draft.version
            )
    except StaleDataError:
        raise StaleVersion(
            f"draft {draft_id} was changed by someone else at the same moment; reload"
        ) from None


def can_redraft(state: str) -> bool:
    """Whether a writer may put new text on a draft in this state (never published or expired)."""
    return (ReviewState(state), Action.REDRAFT) in TRANSITIONS


def add_version(
    session: Session,
    settings: Settings,
    draft: Draft,
    version: NewVersion,
    *,
    note: str | None = None,
    actor: Actor = SYSTEM_ACTOR,
) -> tuple[str, str]:
    """A writer's new text, stored and sent back to review (``redraft``) in the caller's transaction.

    The caller holds the draft row (``with_for_update``); a state the table does
    not allow to be redrafted raises :class:`InvalidTransition` and stores nothing.
    """
    return _apply(session, settings, draft, Action.REDRAFT, actor, note, version=version)


def fail(session: Session, settings: Settings, draft: Draft, error: str) -> tuple[str, str]:
    """The writer could not produce a text: the draft goes to the queue flagged with ``error``,
    keeping any text it had (the ``fail`` transition), in the caller's transaction."""
    return _apply(session, settings, draft, Action.FAIL, SYSTEM_ACTOR, error)


def _apply(
    session: Session,
    settings: Settings,
    draft: Draft,
    act: Action,
    actor: Actor,
    note: str | None,
    *,
    version: NewVersion | None = None,
) -> tuple[str, str]:
    state = ReviewState(draft.state)
    entry = TRANSITIONS.get((state, act))
    if entry is None:
        raise InvalidTransition(f"cannot {act.value} draft {draft.id}: it is {state.value}")
    new_state, roles = entry
    if actor.role not in roles:
        raise PermissionDenied(
            f"role {actor.role!r} may not {act.value} a draft that is {state.value}"
        )
    if act in NOTE_REQUIRED and not note:
        raise PermissionDenied(f"{act.value} needs a note saying why")
    audit_action = f"review.{act.value}"
    data: dict[str, object] = {}
    if act == Action.APPROVE:
        new_state, audit_action = _approval(settings, draft, state, actor, note, data)
    if act == Action.FAIL:
        draft.flagged, draft.flag_reason = True, note
    if act in NEW_TEXT:
        if version is None:  # the draft changed between the checks and this transaction
            raise StaleVersion(f"draft {draft.id} was changed by someone else; reload")
        _store(session, draft, version, note)
        data |= {"version": draft.version, "provider": version.provider}
    draft.state = new_state.value
    draft.updated_at = utcnow()
    _audit(session, draft, audit_action, actor, state.value, draft.version, note, data)
    return state.value, new_state.value


def _audit(
    session: Session,
    draft: Draft,
    action: str,
    actor: Actor,
    from_state: str,
    version: int,
    note: str | None,
    data: dict[str, object],
) -> None:
    session.add(
        AuditEntry(
            draft_id=draft.id,
            action=action,
            actor=actor.username,
            from_state=from_state,
            to_state=draft.state,
            version=version,
            note=note,
            data=data,
        )
    )


def record_event(
    session: Session,
    draft: Draft,
    action: str,
    actor: Actor,
    *,
    version: int,
    note: str | None = None,
    data: dict[str, object] | None = None,
) -> None:
    """An audited event that changes no review state, on the draft's trail in the caller's
    transaction (publishing: a correction post, an uncertain post, a person settling one)."""
    _audit(session, draft, action, actor, draft.state, version, note, data or {})


def _wrote_correction(settings: Settings, draft: Draft, actor: Actor) -> bool:
    """Whether ``actor`` wrote any text of the draft since it was last corrected.

    A correction reaches every client of a published post; approved by its own author, a
    phishing link went out as 【更正】. Every version from the newest correction on counts,
    so a second editor's touch-up does not let the first approve their own correction.
    """
    if not settings.review.correction_second_approver:
        return False
    versions = sorted(draft.versions, key=lambda v: v.number)
    starts = [i for i, v in enumerate(versions) if v.origin == _EDITOR_ORIGIN[Action.CORRECT]]
    if not starts:
        return False
    return any(v.provider == f"editor:{actor.username}" for v in versions[starts[-1] :])


def _approval(
    settings: Settings,
    draft: Draft,
    state: ReviewState,
    actor: Actor,
    note: str | None,
    data: dict[str, object],
) -> tuple[ReviewState, str]:
    action = "review.approve"
    if not draft.version:
        raise InvalidTransition(f"cannot approve draft {draft.id}: it has no text yet")
    if draft.flagged:
        if actor.role not in settings.review.override_roles:
            raise PermissionDenied(
                "this draft failed its checks: only "
                f"{' / '.join(settings.review.override_roles)} may approve it, with a reason"
            )
        if not note:
            raise PermissionDenied("approving a flagged draft needs a reason in the note")
        action = "review.override"
        data["flag_reason"] = draft.flag_reason
    if _wrote_correction(settings, draft, actor):
        raise PermissionDenied(
            "更正须由作者以外的人批准 / a correction of a published post needs an approver "
            "other than whoever wrote it (review.correction_second_approver)"
        )
    if state == ReviewState.AWAITING_COMPLIANCE:
        if draft.approved_by == actor.username:
            raise PermissionDenied("the compliance approval must come from a second person")
        draft.compliance_by = actor.username
        return ReviewState.APPROVED, action
    draft.approved_by = actor.username
    if draft.kind in settings.review.compliance_kinds:
        return ReviewState.AWAITING_COMPLIANCE, action
    return ReviewState.APPROVED, action


def day_texts(session: Session, day: date, draft_id: int) -> list[str]:
    """The newest text of every other draft of ``day``: no sentence should repeat across them."""
    newest = (
        select(DraftVersion.draft_id, func.max(DraftVersion.number).label("number"))
        .join(Draft, Draft.id == DraftVersion.draft_id)
        .where(Draft.day == day, Draft.id != draft_id)
        .group_by(DraftVersion.draft_id)
        .subquery()
    )
    rows = session.scalars(
        select(DraftVersion.body)
        .join(
            newest,
            (DraftVersion.draft_id == newest.c.draft_id) & (DraftVersion.number == newest.c.number),
        )
        .order_by(DraftVersion.draft_id)
    )
    return list(rows)


def brief_source_texts(brief: Mapping[str, Any]) -> list[str]:
    """What the checks compare a draft with: each source of its brief (``Draft.brief``, a
    ``drafting.brief.Brief`` as stored) as title。text."""
    return [f"{s['title']}。{s['text']}" for s in brief.get("sources", [])]


def _checked_text(
    db: Database,
    settings: Settings,
    draft_id: int,
    act: Action,
    actor: Actor,
    text: str | None,
    expected_version: int,
) -> NewVersion | None:
    """An editor's new text with its check report, made outside any transaction; None when
    the transaction will refuse the action anyway (stale lock, state or role), so nothing is
    checked for it."""
    with db.session() as session:
        draft = _load(session, draft_id)
        entry = TRANSITIONS.get((ReviewState(draft.state), act))
        if draft.lock_version != expected_version or entry is None or actor.role not in entry[1]:
            return None
        brief, slot_name, kind = dict(draft.brief), draft.slot, draft.kind
        others = day_texts(session, draft.day, draft.id)
    return _editor_version(settings, brief, slot_name, kind, act, text, actor, others)


def _editor_version(
    settings: Settings,
    brief: Mapping[str, Any],
    slot_name: str,
    kind: str,
    act: Action,
    text: str | None,
    actor: Actor,
    others: Sequence[str] = (),
) -> NewVersion:
    """An editor's text for a draft of ``brief``, checked like a writer's (``others``: the
    day's other drafts, for the repetition rule)."""
    # Imported here: the checks load the text tools, which the publish and notice runs
    # (every minute) never need.
    from newsdesk.checks.report import run_checks

    body = (text or "").strip()
    if not body:
        raise PermissionDenied(f"{act.value} needs the new text")
    if len(body) > settings.review.max_text_chars:
        raise TextTooLong(
            f"正文过长 / the text has {len(body):,} characters; at most "
            f"{settings.review.max_text_chars:,} (review.max_text_chars)"
        )
    slot = settings.find_slot(slot_name)
    channel = slot.channels[0] if slot else settings.channels[0].name
    report = run_checks(
        body,
        brief_source_texts(brief),
        settings,
        channel=channel,
        slot=slot.name if slot else None,
        kind=kind,
        day_drafts=others,
    )
    return NewVersion(body, report, _EDITOR_ORIGIN[act], f"editor:{actor.username}")


def _store(session: Session, draft: Draft, version: NewVersion, note: str | None) -> None:
    draft.version += 1
    session.add(
        DraftVersion(
            draft_id=draft.id,
            number=draft.version,
            body=version.body,
            report=version.report.as_json(),
            passed=version.report.passed,
            origin=version.origin,
            note=note,
            provider=version.provider,
            model=version.model,
            prompt_tokens=version.prompt_tokens,
            completion_tokens=version.completion_tokens,
            latency_ms=version.latency_ms,
        )
    )
    draft.flagged = not version.report.passed
    draft.flag_reason = None if version.report.passed else "；".join(version.report.reasons()[:6])


class InvalidCursor(ReviewError):
    """A queue cursor that no page of ours handed out."""


@dataclass(frozen=True)
class QueueRow:
    id: int
    day: date
    slot: str
    kind: str
    segment: str
    title: str
    state: str
    flagged: bool
    flag_reason: str | None
    version: int
    lock_version: int
    deadline: datetime | None
    passed: bool | None
    originality: float | None
    provider: str | None = None  # who wrote the newest version

    @property
    def machine_composed(self) -> bool:
        """Written by the offline composer: the queue says so, the published text does not."""
        return self.provider == MACHINE_PROVIDER


def _queue_select() -> Select[Any]:
    """Only the columns the queue renders, with the newest version's summary, in one query:
    a draft's newest version is the one numbered ``Draft.version`` (``_store`` numbers them)."""
    originality = DraftVersion.report["originality"]["ratio"].as_float()
    return select(
        Draft.id,
        Draft.day,
        Draft.slot,
        Draft.kind,
        Draft.segment,
        Draft.title,
        Draft.state,
        Draft.flagged,
        Draft.flag_reason,
        Draft.version,
        Draft.lock_version,
        Draft.deadline,
        DraftVersion.passed,
        originality,
        DraftVersion.provider,
    ).outerjoin(
        DraftVersion,
        (DraftVersion.draft_id == Draft.id) & (DraftVersion.number == Draft.version),
    )


def _filtered(
    query: Select[Any],
    slot: str | None,
    state: str | None,
    kind: str | None,
    drafting: bool,
) -> Select[Any]:
    if slot:
        query = query.where(Draft.slot == slot)
    if state:
        query = query.where(Draft.state == state)
    elif not drafting:
        query = query.where(Draft.state != ReviewState.DRAFTING)
    if kind:
        query = query.where(Draft.kind == kind)
    return query


def _undecided_before(day: date) -> ColumnElement[bool]:
    return (Draft.day < day) & Draft.state.in_([s.value for s in OPEN])


# Breaking news first within a day: it has the shortest deadline. A draft without a deadline
# sorts after every deadline (as PostgreSQL puts NULLs last), the same on both databases.
_BREAKING_RANK = case((Draft.kind == "breaking", 0), else_=1)
_NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
_DEADLINE_KEY = func.coalesce(Draft.deadline, literal(_NO_DEADLINE, Draft.deadline.type))
# The types of the sort keys the cursors carry: the whole queue's, the earlier drafts'.
_QUEUE_SHAPE = (date, int, datetime, int)
_EARLIER_SHAPE = (date, datetime, int)


def _row(r: Row[Any]) -> QueueRow:
    originality = None if r[13] is None else float(r[13])
    return QueueRow(*r[:13], originality, r[14])  # type: ignore[call-arg]  # a 15-column row


def queue(
    db: Database,
    *,
    day: date | None = None,
    carry_open: bool = False,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 500,
    drafting: bool = False,
) -> list[QueueRow]:
    """Drafts by deadline (breaking news first), with their newest check summary.

    Drafts still being written (no text yet) only with ``drafting=True`` or ``state="drafting"``.

    With ``carry_open``, ``day`` is the working day: earlier days' drafts that
    are still undecided are listed too, until someone decides or they expire.
    """
    rows, _ = queue_page(
        db,
        day=day,
        carry_open=carry_open,
        slot=slot,
        state=state,
        kind=kind,
        limit=limit,
        drafting=drafting,
    )
    return rows


def queue_page(
    db: Database,
    *,
    day: date | None = None,
    carry_open: bool = False,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 500,
    cursor: str | None = None,
    drafting: bool = False,
) -> tuple[list[QueueRow], str | None]:
    """One page of :func:`queue` after ``cursor`` and the cursor of the next page (None: last).

    The cursor is the last row's sort key, so a page never repeats or skips a row when drafts
    are added or decided between two requests (an offset would)."""
    query = _filtered(_queue_select(), slot, state, kind, drafting)
    if day and carry_open:
        query = query.where((Draft.day == day) | _undecided_before(day))
    elif day:
        query = query.where(Draft.day == day)
    key = (Draft.day, _BREAKING_RANK, _DEADLINE_KEY, Draft.id)
    if cursor:
        query = query.where(
            _after(key, _decode_cursor(cursor, _QUEUE_SHAPE), descending_first=True)
        )
    query = query.order_by(Draft.day.desc(), *key[1:]).limit(limit + 1)
    with db.session() as session:
        found = session.execute(query).all()
    rows = [_row(r) for r in found[:limit]]
    if len(found) <= limit:
        return rows, None
    last = rows[-1]
    rank = 0 if last.kind == "breaking" else 1
    return rows, _encode_cursor([last.day, rank, last.deadline or _NO_DEADLINE, last.id])


@dataclass(frozen=True)
class WorkingQueue:
    """The queue page: the day's drafts, and one page of earlier days' undecided ones."""

    rows: list[QueueRow]
    earlier: list[QueueRow]
    earlier_total: int
    earlier_next: str | None  # cursor of the next page of earlier drafts


def working_queue(
    db: Database,
    day: date,
    *,
    earlier_limit: int,
    earlier_cursor: str | None = None,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
) -> WorkingQueue:
    """The working day's drafts in full; earlier undecided drafts oldest first, a page at a time,
    with their count (they pile up when nobody decides: a page must stay bounded)."""
    rows, _ = queue_page(db, day=day, slot=slot, state=state, kind=kind, limit=10_000)
    earlier_filter = _filtered(select(Draft.id), slot, state, kind, False).where(
        _undecided_before(day)
    )
    query = _filtered(_queue_select(), slot, state, kind, False).where(_undecided_before(day))
    key = (Draft.day, _DEADLINE_KEY, Draft.id)
    if earlier_cursor:
        query = query.where(_after(key, _decode_cursor(earlier_cursor, _EARLIER_SHAPE)))
    query = query.order_by(*key).limit(earlier_limit + 1)
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(earlier_filter.subquery())) or 0
        found = [_row(r) for r in session.execute(query).all()]
    earlier, more = found[:earlier_limit], len(found) > earlier_limit
    last = earlier[-1] if earlier else None
    following = (
        _encode_cursor([last.day, last.deadline or _NO_DEADLINE, last.id])
        if more and last
        else None
    )
    return WorkingQueue(rows, earlier, total, following)


def _after(
    key: Sequence[Any], values: Sequence[Any], *, descending_first: bool = False
) -> ColumnElement[bool]:
    """Rows after ``values`` in the order of ``key`` (ascending; the first column descending
    when asked), spelled out as OR/AND: row values with mixed directions are not SQL."""
    head, *rest = key
    beyond = head < values[0] if descending_first else head > values[0]
    if not rest:
        return beyond
    return or_(beyond, and_(head == values[0], _after(rest, values[1:])))


def _encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, shape: Sequence[type]) -> list[Any]:
    """A cursor back into its sort key, whose values must have the types of ``shape``."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(shape):
            raise ValueError(cursor)
        values = [_cursor_value(value, kind) for value, kind in zip(raw, shape, strict=True)]
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor(f"invalid cursor {cursor[:40]!r}") from None
    return values


def _cursor_value(value: object, kind: type) -> object:
    if kind is int and type(value) is int and abs(value) < 2**62:
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if kind is date:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment.astimezone(UTC)  # OverflowError at the calendar's ends, before any SQL


def get_draft(db: Database, draft_id: int) -> Draft:
    """A draft with its versions and audit trail loaded (detached, read-only use)."""
    with db.session() as session:
        draft = _load(session, draft_id)
        _ = list(draft.versions), list(draft.audit), list(draft.posts)
        session.expunge(draft)
        return draft
