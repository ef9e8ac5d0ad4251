"""Items typed in by a person (``newsdesk item add``), stored through the same dedup path."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from newsdesk.config import Settings, TextLimits
from newsdesk.errors import ItemError
from newsdesk.feeds.normalise import canonical_link, hash_key, parse_time
from newsdesk.feeds.parse import Entry
from newsdesk.store.db import Database
from newsdesk.store.items import StoreResult, store_entries
from newsdesk.store.sources import manual_source
from newsdesk.text.clean import clean_text

MAX_TITLE = 500
# Callers pass the desk's ``timezone``; without one, the config's default zone.
DESK_ZONE_DEFAULT: str = Settings.model_fields["timezone"].default


def add_manual_item(
    db: Database,
    title: str,
    text: str = "",
    *,
    link: str | None = None,
    published: str | None = None,
    timezone: str = DESK_ZONE_DEFAULT,
    now: datetime | None = None,
    limits: TextLimits | None = None,
) -> StoreResult:
    """Validate and store one manual item; a duplicate of a stored item is reported, not added."""
    # One character over the limit is enough to refuse, and bounds the cleaning of a huge title.
    clean_title = clean_text(title, MAX_TITLE + 1)
    if not clean_title:
        raise ItemError("an item needs a non-empty title")
    if len(clean_title) > MAX_TITLE:
        raise ItemError(f"标题过长 title too long: at most {MAX_TITLE} characters")
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
    body = clean_text(text, (limits or TextLimits()).body)
    guid = canonical or "manual:" + hash_key(f"{clean_title}\n{body}")
    entry = Entry(guid, clean_title, canonical, when or now, body[:300])
    with db.session() as session:
        return store_entries(
            session, manual_source(session), [entry], now, kind="manual", bodies={guid: body}
        )
