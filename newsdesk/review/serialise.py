"""One draft and the queue as data: what the review UI's pages, its JSON API and
``newsdesk review`` all show, in one place so the CLI need not borrow from the web app."""

from __future__ import annotations

from typing import Any

from newsdesk.config import Settings
from newsdesk.review.accounts import Actor
from newsdesk.review.queue import QueueRow
from newsdesk.review.service import allowed_actions, get_draft
from newsdesk.review.states import LABELS, ReviewState, may_settle
from newsdesk.store.reading import Store


def draft_view(db: Store, settings: Settings, draft_id: int, actor: Actor) -> dict[str, Any]:
    draft = get_draft(db, draft_id)
    latest = draft.versions[-1] if draft.versions else None
    return {
        "draft": draft,
        "latest": latest,
        "report": latest.report if latest else None,
        "sources": draft.brief.get("sources", []),
        "actions": allowed_actions(settings, draft, actor),
        "state_label": LABELS[ReviewState(draft.state)],
        "settle_posts": may_settle(actor.role),
    }


def draft_json(db: Store, settings: Settings, draft_id: int, actor: Actor) -> dict[str, Any]:
    view = draft_view(db, settings, draft_id, actor)
    draft, latest = view["draft"], view["latest"]
    return {
        "id": draft.id,
        "day": draft.day.isoformat(),
        "slot": draft.slot,
        "kind": draft.kind,
        "segment": draft.segment,
        "title": draft.title,
        "state": draft.state,
        "flagged": draft.flagged,
        "flag_reason": draft.flag_reason,
        "version": draft.version,
        "expected_version": draft.lock_version,
        "text": latest.body if latest else None,
        "report": view["report"],
        "sources": view["sources"],
        "allowed_actions": view["actions"],
        "versions": [
            {
                "number": v.number,
                "origin": v.origin,
                "passed": v.passed,
                "provider": v.provider,
                "note": v.note,
                "created_at": v.created_at.isoformat(),
            }
            for v in draft.versions
        ],
        "posts": [
            {
                "id": p.id,
                "channel": p.channel,
                "version": p.version,
                "state": p.state,
                "parts": p.parts,
                "parts_sent": p.parts_sent,
                "corrects": p.corrects_id,
                "attempts": p.attempts,
                "last_error": p.last_error,
                "sent_at": p.sent_at.isoformat() if p.sent_at else None,
                "text": p.body,
            }
            for p in draft.posts
        ],
        "audit": [
            {
                "action": e.action,
                "actor": e.actor,
                "at": e.at.isoformat(),
                "from": e.from_state,
                "to": e.to_state,
                "version": e.version,
                "note": e.note,
            }
            for e in draft.audit
        ],
    }


def row_json(row: QueueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "day": row.day.isoformat(),
        "slot": row.slot,
        "kind": row.kind,
        "segment": row.segment,
        "title": row.title,
        "state": row.state,
        "flagged": row.flagged,
        "version": row.version,
        "expected_version": row.lock_version,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "passed": row.passed,
        "originality": row.originality,
        "provider": row.provider,
        "machine_composed": row.machine_composed,
    }
