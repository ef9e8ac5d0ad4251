"""Items typed in by a person (``newsdesk item add``), stored through the same dedup path."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from newsdesk.errors import ItemError
from newsdesk.feeds.normalise import canonical_link, clean_text, hash_key, parse_time
from newsdesk.feeds.parse import Entry
from newsdesk.store.db import Database
from newsdesk.store.items import StoreResult, store_entries
from newsdesk.store.sources import manual_source

MAX_TITLE = 500


def add_manual_item(
    db: Database,
    title: str,
    text: str = "",
    *,
    link: str | None = None,
    published: str | None = None,
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> StoreResult:
    """Validate and store one manual item; a duplicate of a stored item is reported, not added."""
    clean_title = clean_text(title)
    if not clean_title:
        raise ItemError("an item needs a non-empty title")
    if len(clean_title) > MAX_TITLE:
        raise ItemError(f"title is {len(clean_title)} characters; at most {MAX_TITLE}")
    canonical = None
    if link:
        canonical = canonical_link(link)
        if canonical is None:
            raise ItemError(f"link {link!r} is not an http(s) URL")
    when = None
    if published:
        when = parse_time(published, ZoneInfo(timezone))
        if when is None:
            raise ItemError(f"cannot read published time {published!r}; use ISO 8601")
    now = now or datetime.now(UTC)
    body = clean_text(text)
    guid = canonical or "manual:" + hash_key(f"{clean_title}\n{body}")
    entry = Entry(guid, clean_title, canonical, when or now, body[:300])
    with db.session() as session:
        return store_entries(
            session, manual_source(session), [entry], now, kind="manual", bodies={guid: body}
        )
