"""A draft's new text: what a version carries, the texts the checks compare it with, and an
editor's text checked like a writer's (outside any transaction: the checks take a while)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.errors import PermissionDenied, TextTooLong
from newsdesk.review.accounts import Actor
from newsdesk.review.states import Action
from newsdesk.store.models import Draft, DraftVersion

if TYPE_CHECKING:
    from newsdesk.checks.report import CheckReport

# Where an editor's own text came from, by the action that stored it.
EDITOR_ORIGIN = {Action.EDIT: "edit", Action.CORRECT: "correction", Action.REDRAFT: "redraft"}


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


def editor_version(
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
    return NewVersion(body, report, EDITOR_ORIGIN[act], f"editor:{actor.username}")
