"""Item storage with three-key deduplication (guid, canonical link, content hash)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, or_, select
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


# Keys per IN list: well under SQLite's bound-parameter limit with three lists in one query.
_KEYS_PER_QUERY = 300


def _existing(session: Session, keys: Sequence[tuple[str, str | None, str]]) -> dict[str, int]:
    """Stored items matching any of ``keys`` (guid key, link, content hash): key -> item id."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start : start + _KEYS_PER_QUERY]
        clause = or_(
            Item.guid_key.in_([k[0] for k in part]),
            Item.link.in_([k[1] for k in part if k[1]]),
            Item.content_hash.in_([k[2] for k in part]),
        )
        query = select(Item.id, Item.guid_key, Item.link, Item.content_hash).where(clause)
        for item_id, *item_keys in session.execute(query):
            found.update((key, item_id) for key in item_keys if key)
    return found


def _add_sightings(
    session: Session, item_ids: Iterable[int], source_id: int, now: datetime
) -> None:
    """Remember that ``source_id`` carried these stored items (once per item and source)."""
    wanted = sorted(set(item_ids))
    seen: set[int] = set()
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        seen.update(
            session.scalars(
                select(ItemSource.item_id).where(
                    ItemSource.source_id == source_id,
                    ItemSource.item_id.in_(wanted[start : start + _KEYS_PER_QUERY]),
                )
            )
        )
    session.add_all(
        ItemSource(item_id=i, source_id=source_id, seen_at=now) for i in wanted if i not in seen
    )


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

    The new items go in with one flush (multi-row INSERTs); should a concurrent writer
    have stored one of them meanwhile, they are inserted one by one in savepoints, so
    that item turns into a duplicate, not a failure. Callers keep ``entries`` to a
    bounded batch per transaction (``fetch.store_batch``): the write lock is held for it.
    """
    lock_for_write(session, ITEMS_LOCK)
    bodies = bodies or {}
    keyed = []
    for e in entries:
        gkey = guid_key(e.guid, source.name)
        keyed.append(
            (e, (gkey, e.link, content_hash(e.title, bodies.get(e.guid, e.summary), gkey)))
        )
    by_key: dict[str, int | dict[str, object]] = dict(_existing(session, [k for _, k in keyed]))
    duplicates = 0
    sighted: list[int] = []
    fresh: list[dict[str, object]] = []  # the new items' columns
    for entry, (gkey, link, chash) in keyed:
        match = by_key.get(gkey) or (by_key.get(link) if link else None) or by_key.get(chash)
        if match is not None:
            duplicates += 1
            if isinstance(match, int):  # stored before; a repeat within this batch is no news
                sighted.append(match)
            continue
        columns = {
            "source_id": source.id,
            "kind": kind,
            "guid": entry.guid,
            "guid_key": gkey,
            "link": link,
            "content_hash": chash,
            "title": entry.title,
            "summary": entry.summary,
            "body": bodies.get(entry.guid, ""),
            "author": entry.author,
            "published_at": entry.published,
            "fetched_at": now,
        }
        fresh.append(columns)
        by_key.update((key, columns) for key in (gkey, link, chash) if key)
    _add_sightings(session, sighted, source.id, now)
    session.flush()  # before the savepoint: a rollback of the items must not take these along
    try:
        with session.begin_nested():
            ids = _insert_many(session, fresh, source.id, now)
    except IntegrityError:
        ids = [i for i in (_insert_one(session, Item(**c), source.id, now) for c in fresh) if i]
    duplicates += len(fresh) - len(ids)
    return StoreResult(len(ids), duplicates, ids)


def _insert_many(
    session: Session, rows: list[dict[str, object]], source_id: int, now: datetime
) -> list[int]:
    """Core multi-row INSERTs: the ORM inserts one row per statement on SQLite when it must
    read each new id back in order, 20x slower on a big feed. Ids are matched by guid key."""
    if not rows:
        return []
    stored = dict(
        session.execute(insert(Item).returning(Item.guid_key, Item.id), rows).tuples().all()
    )
    ids = [stored[row["guid_key"]] for row in rows]  # type: ignore[index]
    session.execute(
        insert(ItemSource), [{"item_id": i, "source_id": source_id, "seen_at": now} for i in ids]
    )
    return ids


def _insert_one(session: Session, item: Item, source_id: int, now: datetime) -> int | None:
    """Insert ``item`` in a savepoint, its id; None when another ingest stored it between our
    lookup and this insert (then it is a sighting of theirs)."""
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
            session.add(ItemSource(item_id=item.id, source_id=source_id, seen_at=now))
            session.flush()
    except IntegrityError:
        winner = _existing(session, [(item.guid_key, item.link, item.content_hash)])
        _add_sightings(session, list(winner.values())[:1], source_id, now)
        return None
    return item.id


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
