"""JSON API for scripts: the same actions as the pages, token auth, JSON errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from newsdesk.drafting.breaking import interpret_breaking
from newsdesk.drafting.service import make_provider, request_rewrite
from newsdesk.review.service import queue, transition
from newsdesk.web.deps import ApiActor, DbDep, SettingsDep
from newsdesk.web.views import draft_json, row_json

router = APIRouter(prefix="/api", tags=["review"])


class ActionBody(BaseModel):
    expected_version: int = Field(
        description="the draft's expected_version as last read (optimistic lock)"
    )
    note: str | None = Field(
        None, max_length=4000, description="why; required to reject or request a revision"
    )


class EditBody(ActionBody):
    text: str = Field(
        min_length=1, max_length=100_000, description="the new text; it is re-checked"
    )


@router.get("/queue")
def api_queue(
    actor: ApiActor,
    db: DbDep,
    day: date | None = None,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Drafts, filtered by day, slot, state and kind."""
    return [row_json(r) for r in queue(db, day=day, slot=slot, state=state, kind=kind)]


@router.get("/drafts/{draft_id}")
def api_draft(draft_id: int, actor: ApiActor, db: DbDep, settings: SettingsDep) -> dict[str, Any]:
    """One draft: text, brief sources, check report, versions, audit trail, allowed actions."""
    return draft_json(db, settings, draft_id, actor)


def _act(
    db, settings, draft_id: int, action: str, actor, body: ActionBody, text: str | None = None
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = transition(
        db,
        settings,
        draft_id,
        action,
        actor,
        expected_version=body.expected_version,
        note=body.note,
        text=text,
    )
    return {
        "id": result.draft_id,
        "state": result.to_state,
        "expected_version": result.lock_version,
        "version": result.version,
    }


@router.post("/drafts/{draft_id}/approve")
def api_approve(
    draft_id: int, body: ActionBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    return _act(db, settings, draft_id, "approve", actor, body)


@router.post("/drafts/{draft_id}/reject")
def api_reject(
    draft_id: int, body: ActionBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    return _act(db, settings, draft_id, "reject", actor, body)


@router.post("/drafts/{draft_id}/edit")
def api_edit(
    draft_id: int, body: EditBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    return _act(db, settings, draft_id, "edit", actor, body, body.text)


@router.post("/drafts/{draft_id}/correct")
def api_correct(
    draft_id: int, body: EditBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    """Fix a published post: the new text goes back to review and is posted again as 更正."""
    return _act(db, settings, draft_id, "correct", actor, body, body.text)


@router.post("/drafts/{draft_id}/request-revision")
def api_request_revision(
    draft_id: int, body: ActionBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    """Send back with a note and redraft (the note goes into the revision prompt)."""
    result = request_rewrite(
        db,
        settings,
        draft_id,
        actor,
        make_provider(settings),
        expected_version=body.expected_version,
        note=body.note or "",
    )
    return {"id": result.draft_id, "state": "pending_review", "requested": result.to_state}


class BreakingBody(BaseModel):
    request: str = Field(
        min_length=2, max_length=2000, description="a headline, or the URL of the article"
    )
    note: str | None = Field(
        None, max_length=2000, description="what the interpretation should focus on"
    )


@router.post("/breaking")
def api_breaking(
    body: BreakingBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    """突发事件解读: draft an interpretation now; it goes first in the queue."""
    outcome = interpret_breaking(
        db, settings, body.request, make_provider(settings), note=body.note
    )
    return {
        "id": outcome.draft_id,
        "created": outcome.created,
        "flagged": outcome.flagged,
        "reason": outcome.reason,
    }
