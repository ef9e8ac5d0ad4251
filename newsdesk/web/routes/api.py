"""JSON API for scripts: the same actions as the pages, token auth, JSON errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from newsdesk.jobs import JobView, check_quota, create_job, get_job
from newsdesk.review.queue import queue_page
from newsdesk.review.serialise import draft_json, row_json
from newsdesk.review.service import transition
from newsdesk.web.deps import ApiActor, DbDep, SessionDep, SettingsDep, reads_of, token_holder
from newsdesk.web.pagecache import Made, forever
from newsdesk.web.params import CURSOR, DAY, LIMIT, documented, text, typed
from newsdesk.web.routes.pages import kept_part

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
        min_length=1,
        description="the new text; it is re-checked (at most review.max_text_chars, else 413)",
    )


QUEUE_PARAMETERS = [
    documented("day", {"type": "string", "format": "date"}, "drafts of this day (YYYY-MM-DD)"),
    documented("slot", {"type": "string"}),
    documented("state", {"type": "string"}),
    documented("kind", {"type": "string"}),
    documented("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
    documented("cursor", {"type": "string", "maxLength": 400}, "X-Next-Cursor of the last page"),
]


@router.get(
    "/queue",
    response_model=list[dict[str, Any]],
    openapi_extra={"parameters": QUEUE_PARAMETERS},
)
async def api_queue(request: Request) -> Response:
    """Drafts, filtered by day, slot, state and kind, ``limit`` at a time: when there are more,
    the ``X-Next-Cursor`` header (and a ``Link: rel="next"``) gives the ``cursor`` of the next page."""
    # Served by a plain Starlette route ahead of this one (newsdesk.web.app: FastAPI's dependency
    # solving and route matching were a third of a kept page's CPU); this route describes it
    # in the OpenAPI document.
    changes = request.app.state.changes.read()  # before anything it guards
    async with reads_of(request) as reads:
        await token_holder(request, changes, reads)
        day = typed(request, "day", DAY)
        slot, state, kind = text(request, "slot"), text(request, "state"), text(request, "kind")
        limit = typed(request, "limit", LIMIT, 100)
        cursor = typed(request, "cursor", CURSOR)
        assert limit is not None
        wanted = (day, slot, state, kind, limit, cursor)
        make = partial(_queue_json, reads, *wanted)
        body, following = await kept_part(request, changes, ("api", wanted), make)
    response = Response(body, media_type="application/json")
    if following:
        params = {"day": day, "slot": slot, "state": state, "kind": kind, "limit": limit}
        query = urlencode(
            {k: v for k, v in params.items() if v is not None} | {"cursor": following}
        )
        response.headers["X-Next-Cursor"] = following
        response.headers["Link"] = f'</api/queue?{query}>; rel="next"'
    return response


def _queue_json(
    reads: Callable[[], Session],
    day: date | None,
    slot: str | None,
    state: str | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
) -> Made[tuple[bytes, str | None]]:
    """A page of the queue as the JSON it is sent as, and the cursor of the next page."""
    rows, following = queue_page(
        reads(), day=day, slot=slot, state=state, kind=kind, limit=limit, cursor=cursor
    )
    return forever((bytes(JSONResponse([row_json(r) for r in rows]).body), following))


@router.get("/drafts/{draft_id}")
def api_draft(
    draft_id: int, actor: ApiActor, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """One draft: text, brief sources, check report, versions, audit trail, allowed actions."""
    return draft_json(session, settings, draft_id, actor)


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


@router.post("/drafts/{draft_id}/request-revision", status_code=202)
def api_request_revision(
    request: Request,
    draft_id: int,
    body: ActionBody,
    actor: ApiActor,
    db: DbDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Send back with a note; the rewrite (the note goes into the revision prompt) runs as a job."""
    check_quota(db, settings, actor.username)
    result = transition(
        db,
        settings,
        draft_id,
        "request_revision",
        actor,
        expected_version=body.expected_version,
        note=body.note,
    )
    params = {"note": body.note or ""}
    job = create_job(
        db, request.app.state.runner, "redraft", params, actor.username, draft_id, settings=settings
    )
    return {"id": result.draft_id, "state": result.to_state, **_job_json(job)}


def _job_json(job: JobView) -> dict[str, Any]:
    return {"job_id": job.id, "job_state": job.state, "status_url": f"/api/jobs/{job.id}"}


@router.get("/jobs/{job_id}")
def api_job(job_id: str, actor: ApiActor, session: SessionDep) -> dict[str, Any]:
    """A background job: queued, running, done (with its draft) or failed (with the error)."""
    return get_job(session, job_id).as_json()


class BreakingBody(BaseModel):
    request: str = Field(
        min_length=2, max_length=2000, description="a headline, or the URL of the article"
    )
    note: str | None = Field(
        None, max_length=2000, description="what the interpretation should focus on"
    )


@router.post("/breaking", status_code=202)
def api_breaking(
    request: Request, body: BreakingBody, actor: ApiActor, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    """突发事件解读: drafted as a job (GET its status_url); the draft goes first in the queue.
    429 past jobs.per_user_per_minute or jobs.max_queued."""
    params = {"request": body.request, "note": body.note}
    runner = request.app.state.runner
    return _job_json(create_job(db, runner, "breaking", params, actor.username, settings=settings))
