"""Settling an uncertain post (mark it sent, or resend it): the draft page's forms and the JSON API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from newsdesk.publish.settle import list_posts, settle_post
from newsdesk.web.deps import ApiActor, DbDep, PageActor, SessionDep
from newsdesk.web.security import check_csrf

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["publishing"])


@router.post("/posts/{post_id}/{action}")
def post_action(
    request: Request,
    post_id: int,
    action: Literal["mark_sent", "resend"],
    actor: PageActor,
    db: DbDep,
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    check_csrf(request, csrf)
    settled = settle_post(db, post_id, action, actor, note)
    return RedirectResponse(f"/drafts/{settled.draft_id}?done={action}", status_code=303)


class SettleBody(BaseModel):
    note: str | None = Field(None, max_length=4000, description="how the channel was checked")


@api_router.get("/posts")
def api_posts(
    actor: ApiActor, session: SessionDep, state: str | None = None, draft: int | None = None
) -> list[dict[str, Any]]:
    """Posts newest first, with their text; ``state=uncertain`` lists those needing a person."""
    return [
        {
            "id": r.id,
            "draft_id": r.draft_id,
            "day": r.day.isoformat(),
            "slot": r.slot,
            "channel": r.channel,
            "version": r.version,
            "state": r.state,
            "parts": r.parts,
            "parts_sent": r.parts_sent,
            "corrects": r.corrects_id,
            "last_error": r.last_error,
            "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            "text": r.body,
        }
        for r in list_posts(session, state=state, draft_id=draft)
    ]


def _settle(
    db: DbDep, post_id: int, action: str, actor: ApiActor, body: SettleBody
) -> dict[str, Any]:
    settled = settle_post(db, post_id, action, actor, body.note)
    return {"id": settled.post_id, "draft_id": settled.draft_id, "state": settled.state}


@api_router.post("/posts/{post_id}/mark-sent")
def api_mark_sent(post_id: int, body: SettleBody, actor: ApiActor, db: DbDep) -> dict[str, Any]:
    """The uncertain part arrived: the post is sent (or its remaining parts go at the next run)."""
    return _settle(db, post_id, "mark_sent", actor, body)


@api_router.post("/posts/{post_id}/resend")
def api_resend(post_id: int, body: SettleBody, actor: ApiActor, db: DbDep) -> dict[str, Any]:
    """The uncertain part did not arrive: it is sent again at the next publish run."""
    return _settle(db, post_id, "resend", actor, body)
