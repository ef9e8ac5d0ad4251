"""What a post says: the draft's current version rendered for a channel (a correction marked
更正 with the post it corrects), and the compliance rules on the parts the checks never saw."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from newsdesk.checks.compliance import ComplianceParams, check_compliance
from newsdesk.config import Settings
from newsdesk.errors import PostBlocked, PublishError
from newsdesk.publish.render import render_post, unreviewed_text
from newsdesk.store.models import Draft, DraftVersion, Post


def current_text(draft: Draft) -> DraftVersion:
    """The version a publish run sends; a draft without text cannot go out."""
    for version in draft.versions:
        if version.number == draft.version and version.body.strip():
            return version
    raise PublishError(f"draft {draft.id} has no text (version {draft.version}): not sent")


def _local(settings: Settings, moment: datetime | None) -> str:
    if moment is None:
        return "此前"
    return moment.astimezone(ZoneInfo(settings.timezone)).strftime("%m-%d %H:%M")


def render_for_channel(
    settings: Settings,
    draft: Draft,
    body: str,
    channel_type: str,
    corrects: Post | None,
) -> str:
    slot = settings.find_slot(draft.slot)
    text = render_post(
        settings,
        channel_type,
        draft.kind,
        title=draft.title,
        body=body,
        # the brief's numbered sources: [n] -> list (stored JSON: a list of mappings)
        sources=(draft.brief or {}).get("sources", []),  # type: ignore[arg-type]
        day=draft.day.isoformat(),
        slot_title=slot.title if slot else draft.title,
    )
    if corrects is None:
        return text
    note = settings.publish.correction_note.format(
        sent_at=_local(settings, corrects.sent_at), title=draft.title
    )
    return f"{note}\n\n{text}"


def check_unreviewed(settings: Settings, draft: Draft, body: str) -> None:
    """The compliance rules on what the post shows that the draft's checks never saw: its title
    (a fetched page's <title> for breaking news) and the cited sources' outlets and titles."""
    slot = settings.find_slot(draft.slot)
    rules = settings.checks
    found = check_compliance(
        unreviewed_text(draft.title, body, (draft.brief or {}).get("sources", [])),  # type: ignore[arg-type]
        ComplianceParams(
            tuple(rules.banned_phrases),
            tuple(rules.trade_patterns),
            None,
            bool(slot and slot.allow_trade_instructions),
        ),
    )
    if not found.passed:
        said = "；".join(f"{v.rule}「{v.text}」" for v in found.violations)
        raise PostBlocked(f"标题或来源未通过合规 / the title or sources break a rule: {said}")
