"""Market snapshot items: one per source and trading day, replaced when the figures change.

Unlike news entries (first copy wins, later ones are sightings), a snapshot of a
day can be fetched at 10:00 and again after the close: the later figures must
replace the earlier ones, so the day's item is updated in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.entries import Entry, content_hash, guid_key
from newsdesk.store.db import lock_for_write
from newsdesk.store.items import ITEMS_LOCK, StoreResult
from newsdesk.store.models import Item, ItemSource, Source

MARKET = "market"


def store_snapshots(
    session: Session,
    source: Source,
    snapshots: Iterable[tuple[Entry, dict[str, Any]]],
    now: datetime,
) -> StoreResult:
    """Insert each day's snapshot, or update the stored one when its figures changed.

    ``new`` counts inserted and updated items (new figures), ``duplicates`` unchanged ones.
    """
    lock_for_write(session, ITEMS_LOCK)
    new = duplicates = 0
    ids: list[int] = []
    for entry, data in snapshots:
        key = guid_key(entry.guid, source.name)
        digest = content_hash(entry.title, entry.summary)
        item = session.scalar(select(Item).where(Item.guid_key == key))
        if item is not None and item.content_hash == digest:
            duplicates += 1
            continue
        if item is None:
            item = Item(source_id=source.id, kind=MARKET, guid=entry.guid, guid_key=key)
            item.sightings = [ItemSource(source_id=source.id, seen_at=now)]
        item.title, item.summary, item.body = entry.title, entry.summary, entry.summary
        item.content_hash, item.data = digest, data
        item.published_at, item.fetched_at = entry.published, now
        try:
            with session.begin_nested():
                session.add(item)
                session.flush()
        except IntegrityError:
            # Another source stored the very same figures (the content hash is unique).
            duplicates += 1
            continue
        new += 1
        ids.append(item.id)
    return StoreResult(new, duplicates, ids)


def market_item(session: Session, start: datetime, end: datetime) -> int | None:
    """The id of the newest snapshot taken in [start, end] (any market source)."""
    return session.scalar(
        select(Item.id)
        .where(Item.kind == MARKET, Item.published_at >= start, Item.published_at <= end)
        .order_by(Item.published_at.desc(), Item.id.desc())
        .limit(1)
    )
