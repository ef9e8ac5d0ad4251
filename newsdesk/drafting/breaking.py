"""突发事件解读: take a headline or a URL, gather related recent items, draft now, queue first.

The CLI, the web form, ``POST /api/breaking`` and the ``breaking-news``
deployment all call :func:`interpret_breaking`. A URL is fetched through the
same guarded fetcher as feeds and extracted like a research page; a headline
becomes a manual item. The draft is keyed by the event (a hash of what was
asked), so asking twice about the same event does not make two drafts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import func, select

from newsdesk.clock import desk_clock
from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.llm import Provider
from newsdesk.drafting.service import DraftOutcome, write_draft
from newsdesk.entries import hash_key
from newsdesk.errors import ItemError
from newsdesk.feeds.fetch import fetch, new_session
from newsdesk.feeds.manual import MAX_TITLE, add_manual_item
from newsdesk.research.extract import extract_page
from newsdesk.store.db import Database
from newsdesk.store.models import Draft, Item, Source
from newsdesk.text.clean import clean_text
from newsdesk.timetable import working_day
from newsdesk.topics.service import topic_segmenter


def _is_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _the_item(
    db: Database, settings: Settings, request: str, now: datetime, http: requests.Session | None
) -> Item:
    if _is_url(request):
        response = fetch(
            request.strip(),
            settings.fetch,
            http=http or new_session(settings.fetch),
            accept="text/html, */*;q=0.5",
        )
        limits = settings.fetch.text_limits
        page = extract_page(response.body, response.url, response.content_type, limits)
        result = add_manual_item(
            db,
            page.title or request,
            page.text,
            link=response.url,
            timezone=settings.timezone,
            now=now,
            limits=limits,
        )
        title = page.title or request
    else:
        # As add_manual_item stores it, so the duplicate lookup below finds it (no NUL, no tags).
        title = clean_text(request, MAX_TITLE + 1)
        if not title:
            raise ItemError("breaking news needs a headline or a URL")
        result = add_manual_item(db, title, "", timezone=settings.timezone, now=now)
    with db.session() as session:
        if result.item_ids:
            item = session.get(Item, result.item_ids[0])
        else:  # already stored: find it again by its title
            item = session.scalar(select(Item).where(Item.title == title).order_by(Item.id.desc()))
        if item is None:
            raise ItemError(f"could not store the breaking item {request!r}")
        session.expunge(item)
        return item


def _related(
    db: Database, settings: Settings, item: Item, now: datetime, limit: int
) -> list[tuple[Item, str]]:
    seg = topic_segmenter(settings)  # the desk's own dictionary knows its companies
    wanted = {t for t in seg.terms(f"{item.title} {item.body}") if len(t) >= 2}
    if not wanted:
        return []
    since = now - timedelta(hours=settings.breaking.related_hours)
    when = func.coalesce(Item.published_at, Item.fetched_at)
    with db.session() as session:
        rows = session.execute(
            select(Item, Source.title)
            .join(Source, Item.source_id == Source.id)
            .where(when >= since, when <= now, Item.id != item.id)
            .order_by(when.desc())
            .limit(500)
        ).all()
        scored = []
        for other, outlet in rows:
            shared = wanted & set(seg.terms(f"{other.title} {other.summary}"))
            if len(shared) >= 2 or any(seg.is_known(t) for t in shared):
                scored.append((len(shared), other, outlet))
                session.expunge(other)
    scored.sort(key=lambda entry: -entry[0])
    return [(other, outlet) for _, other, outlet in scored[:limit]]


def _source(number: int, item: Item, outlet: str, cap: int) -> BriefSource:
    published = item.published_at.isoformat() if item.published_at else None
    return BriefSource(
        number,
        item.id,
        item.title,
        (item.body or item.summary or "")[:cap],
        outlet,
        item.link,
        published,
    )


def interpret_breaking(
    db: Database,
    settings: Settings,
    request: str,
    provider: Provider,
    *,
    note: str | None = None,
    now: datetime | None = None,
    http: requests.Session | None = None,
) -> DraftOutcome:
    """Draft an interpretation of a breaking event now; it goes first in the queue."""
    now = now or desk_clock(settings).now()
    item = _the_item(db, settings, request, now, http)
    related = _related(db, settings, item, now, settings.drafting.max_sources - 1)
    cap = settings.drafting.source_chars
    slot = settings.breaking_slot
    day = working_day(settings, now)
    brief = Brief(
        slot="breaking",
        kind="breaking",
        title=slot.title,
        day=day.isoformat(),
        tier=slot.tier,
        content_type=slot.content_type,
        segment="",
        segment_style="",
        note=note,
        sources=[_source(1, item, "突发", cap)]
        + [_source(n, other, outlet, cap) for n, (other, outlet) in enumerate(related, start=2)],
    )
    event = hash_key(f"{request.strip()}")[:12]
    outcome = write_draft(
        db,
        settings,
        slot,
        day,
        provider,
        segment=event,
        brief=brief,
        now=now,
    )
    if outcome.created:
        with db.session() as session:
            draft = session.get(Draft, outcome.draft_id)
            assert draft is not None
            draft.title = f"{slot.title}：{item.title[:60]}"
            draft.deadline = now + timedelta(minutes=settings.breaking.deadline_minutes)
    return outcome
