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

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from newsdesk.config import Settings
from newsdesk.errors import InvalidTransition, NotFound, PermissionDenied, StaleVersion
from newsdesk.review.accounts import Actor
from newsdesk.review.states import NEW_TEXT, TRANSITIONS, Action, ReviewState
from newsdesk.review.versions import EDITOR_ORIGIN, NewVersion, day_texts, editor_version
from newsdesk.store.db import Database
from newsdesk.store.models import AuditEntry, Draft, DraftVersion
from newsdesk.store.reading import Store, reading
from newsdesk.store.types import is_row_id, utcnow

NOTE_REQUIRED = {Action.REJECT, Action.REQUEST_REVISION, Action.CORRECT, Action.FAIL}
SYSTEM_ACTOR = Actor("system", "system")


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
    starts = [i for i, v in enumerate(versions) if v.origin == EDITOR_ORIGIN[Action.CORRECT]]
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
    return editor_version(settings, brief, slot_name, kind, act, text, actor, others)


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


def get_draft(db: Store, draft_id: int) -> Draft:
    """A draft with its versions and audit trail loaded (detached, read-only use)."""
    with reading(db) as session:
        draft = _load(session, draft_id)
        _ = list(draft.versions), list(draft.audit), list(draft.posts)
        session.expunge(draft)
        return draft
