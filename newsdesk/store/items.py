"""Item storage with three-key deduplication (guid, canonical link, content hash)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.entries import Entry, content_hash, guid_key
from newsdesk.store.db import lock_for_write
from newsdesk.store.models import Item, ItemSource, Source

ITEMS_LOCK = 0x6E640001


@dataclass(frozen=True)
class StoreResult:
    new: int
    duplicates: int
    item_ids: list[int]


def _existing(session: Session, keys: Sequence[tuple[str, str | None, str]]) -> list[Item]:
    guids = [k[0] for k in keys]
    links = [k[1] for k in keys if k[1]]
    hashes = [k[2] for k in keys]
    found: list[Item] = []
    for start in range(0, len(keys), 300):
        clause = or_(
            Item.guid_key.in_(guids[start : start + 300]),
            Item.link.in_(links[start : start + 300]),
            Item.content_hash.in_(hashes[start : start + 300]),
        )
        found.extend(session.scalars(select(Item).where(clause)))
    return found


def _add_sighting(session: Session, item_id: int, source_id: int, now: datetime) -> None:
    exists = session.scalar(
        select(ItemSource.id).where(
            ItemSource.item_id == item_id, ItemSource.source_id == source_id
        )
    )
    if exists is None:
        session.add(ItemSource(item_id=item_id, source_id=source_id, seen_at=now))


def store_entries(
    session: Session,
    source: Source,
    entries: Iterable[Entry],
    now: datetime,
    *,
    kind: str = "feed",
    bodies: dict[str, str] | None = None,
) -> StoreResult:
    """Insert the entries that are new anywhere in the store; remember every sighting.

    Each insert runs in a savepoint, so a concurrent ingest that stored the
    same item a moment earlier turns into a duplicate, not a failure.
    """
    lock_for_write(session, ITEMS_LOCK)
    entries = list(entries)
    bodies = bodies or {}
    keyed = []
    for e in entries:
        gkey = guid_key(e.guid, source.name)
        keyed.append(
            (e, (gkey, e.link, content_hash(e.title, bodies.get(e.guid, e.summary), gkey)))
        )
    by_key: dict[str, Item] = {}
    for item in _existing(session, [k for _, k in keyed]):
        for key in (item.guid_key, item.link, item.content_hash):
            if key:
                by_key[key] = item
    new = duplicates = 0
    ids: list[int] = []
    for entry, (gkey, link, chash) in keyed:
        match = by_key.get(gkey) or (by_key.get(link) if link else None) or by_key.get(chash)
        if match is not None:
            duplicates += 1
            _add_sighting(session, match.id, source.id, now)
            continue
        item = Item(
            source_id=source.id,
            kind=kind,
            guid=entry.guid,
            guid_key=gkey,
            link=link,
            content_hash=chash,
            title=entry.title,
            summary=entry.summary,
            body=bodies.get(entry.guid, ""),
            author=entry.author,
            published_at=entry.published,
            fetched_at=now,
        )
        try:
            with session.begin_nested():
                session.add(item)
                session.flush()
                session.add(ItemSource(item_id=item.id, source_id=source.id, seen_at=now))
                session.flush()
        except IntegrityError:
            # Another ingest stored it between our lookup and insert: a sighting, not a failure.
            duplicates += 1
            for winner in _existing(session, [(gkey, link, chash)])[:1]:
                _add_sighting(session, winner.id, source.id, now)
            continue
        new += 1
        ids.append(item.id)
        for key in (gkey, link, chash):
            if key:
                by_key[key] = item
    return StoreResult(new, duplicates, ids)


def recent_items(session: Session, *, limit: int = 20, source: str | None = None) -> list[Item]:
    query = select(Item).order_by(
        func.coalesce(Item.published_at, Item.fetched_at).desc(), Item.id.desc()
    )
    if source:
        query = query.join(Source, Item.source_id == Source.id).where(Source.name == source)
    return list(session.scalars(query.limit(limit)).unique())


def count_by_source(session: Session) -> dict[int, int]:
    rows = session.execute(select(Item.source_id, func.count()).group_by(Item.source_id))
    return {source_id: count for source_id, count in rows}
