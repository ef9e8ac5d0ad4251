"""Items typed in by a person (``newsdesk item add``), stored through the same dedup path."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsdesk.config import Settings, TextLimits
from newsdesk.entries import Entry, hash_key
from newsdesk.errors import ItemError
from newsdesk.feeds.normalise import canonical_link, parse_time
from newsdesk.store.db import Database
from newsdesk.store.items import StoreResult, store_entries
from newsdesk.store.models import FetchState, Source
from newsdesk.store.sources import MANUAL, get_source, manual_source
from newsdesk.text.clean import clean_text

MAX_TITLE = 500
# The outlet's source is named "manual:<outlet>" in a 64-character column.
MAX_OUTLET = 56
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
    outlet: str | None = None,
) -> StoreResult:
    """Validate and store one manual item; a duplicate of a stored item is reported, not added.

    ``outlet``: who published it (财联社, 經濟通). Items from one outlet share a manual source of
    its own, so topics count them by outlet; a duplicate from another outlet is one more
    sighting of the stored item, as for feeds. Without one, the item is the desk's own
    (the one 手动添加 source).
    """
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
    clean_outlet = clean_text(outlet or "", MAX_OUTLET + 1)
    if outlet is not None and not clean_outlet:
        raise ItemError("来源不能为空 an outlet needs a non-empty name")
    if len(clean_outlet) > MAX_OUTLET:
        raise ItemError(f"来源名称过长 outlet too long: at most {MAX_OUTLET} characters")
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
        source = outlet_source(session, clean_outlet) if clean_outlet else manual_source(session)
        return store_entries(session, source, [entry], now, kind="manual", bodies={guid: body})


def outlet_source(session: Session, outlet: str) -> Source:
    """The manual source of one outlet, made on its first item."""
    name = f"{MANUAL}:{outlet}"
    row = get_source(session, name)
    if row is None:
        row = Source(name=name, title=outlet, url=None, type=MANUAL, state=FetchState())
        session.add(row)
        session.flush()
    return row
