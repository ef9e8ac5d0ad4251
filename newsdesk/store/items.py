"""Item storage with three-key deduplication (guid, canonical link, content hash)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Table,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session

from newsdesk.entries import Entry, content_hash, guid_key
from newsdesk.store.bulk import execute_many, insert_rows
from newsdesk.store.db import lock_for_write
from newsdesk.store.models import Item, ItemSource, Source
from newsdesk.text.clean import sanitise

ITEMS_LOCK = 0x6E640001
# The tables themselves, for Core statements (the ORM's bulk insert costs twice as much).
_ITEMS = cast(Table, Item.__table__)
_SIGHTINGS = cast(Table, ItemSource.__table__)


@dataclass(frozen=True)
class StoreResult:
    new: int
    duplicates: int
    item_ids: list[int]


@dataclass(frozen=True)
class EntryBatch:
    """One source's entries to store, fetched at ``now``; ``bodies``: guid -> full text."""

    source_id: int
    source_name: str
    entries: Sequence[Entry]
    now: datetime
    kind: str = "feed"
    bodies: Mapping[str, str] = field(default_factory=dict)
    # Computed ahead (:func:`hash_ahead`): the entries' guid keys and links as stored, and their
    # content hashes (None: not computed). Empty: computed by the store.
    keys: Sequence[tuple[str, str | None]] = ()
    hashes: Sequence[str | None] = ()


@dataclass
class _Fresh:
    """An item new to the store, to be inserted: its batch and columns; once in, the id of the
    stored item (``won``: its own, else another writer's that came first)."""

    batch: int
    columns: dict[str, object]
    id: int | None = None
    won: bool = True


# Keys per IN list: well under SQLite's bound-parameter limit (32,766) with three lists in one
# query; a few big lists cost less than many small ones.
_KEYS_PER_QUERY = 2_000


def _among(
    session: Session,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    values: Sequence[Any],
) -> ColumnElement[bool]:
    """``column IN values`` with the values as one parameter: on PostgreSQL ``column =
    ANY(array)``, on SQLite ``column IN (SELECT value FROM json_each(:json))``; both plans
    still use the column's index. An IN list of thousands of placeholders cost more than the
    query: SQLAlchemy coerces and renders every value, psycopg rewrites every placeholder in
    Python, uncached (a fifth of storing the 200 real feeds on PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if dialect == "sqlite":
        listed = func.json_each(bindparam(None, json.dumps(list(values), ensure_ascii=False)))
        return column.in_(select(listed.table_valued("value").c.value))
    return column.in_(values)


def _existing(
    session: Session, keys: Sequence[tuple[str | None, str | None, str | None]]
) -> dict[str, int]:
    """Stored items matching any of ``keys`` (guid key, link, content hash; None: not sought):
    each of their keys -> item id."""
    found: dict[str, int] = {}
    columns = (_ITEMS.c.guid_key, _ITEMS.c.link, _ITEMS.c.content_hash)
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start : start + _KEYS_PER_QUERY]
        wanted = [(c, [k[n] for k in part if k[n]]) for n, c in enumerate(columns)]
        rows = _items_among(session, (_ITEMS.c.id, *columns), [(c, v) for c, v in wanted if v])
        for item_id, *item_keys in rows:
            found.update((key, item_id) for key in item_keys if key)
    return found


def _items_among(
    session: Session,
    selected: Sequence[Column[Any]],
    wanted: Sequence[tuple[Column[Any], list[Any]]],
) -> Iterable[Sequence[Any]]:
    """The ``selected`` columns of the items whose column holds one of its values, for any
    (column, values) of ``wanted``.

    On SQLite and PostgreSQL the query goes to the driver as text, each list of values one
    parameter as :func:`_among` binds it (the same index plans): SQLAlchemy built, keyed and
    looked up a compiled statement anew each time, half the CPU of the dedup lookups a store
    makes, one of them inside the write lock (6,500 keys: 27 -> 13 ms on SQLite, 57 -> 41 ms
    on PostgreSQL)."""
    connection = session.connection()
    listed = _LISTED.get(connection.dialect.name)
    if listed is None:
        clause = or_(*(_among(session, c, values) for c, values in wanted))
        return session.execute(select(*selected).where(clause))
    condition, parameter = listed
    where = " OR ".join(condition.format(column=c.name) for c, _ in wanted)
    return connection.exec_driver_sql(
        f"SELECT {', '.join(c.name for c in selected)} FROM {_ITEMS.name} WHERE {where}",
        tuple(parameter(values) for _, values in wanted),
    )


# ``column IN values`` as driver SQL with the values as one parameter (see :func:`_among`), by
# dialect: the condition's text and the parameter made of the values.
_LISTED: dict[str, tuple[str, Callable[[list[Any]], Any]]] = {
    "sqlite": (
        "{column} IN (SELECT value FROM json_each(?))",
        lambda values: json.dumps(values, ensure_ascii=False),
    ),
    "postgresql": ("{column} = ANY(%s)", list),
}


def _sighted_before(session: Session, item_ids: set[int]) -> set[tuple[int, int]]:
    """(item id, source id) of every stored sighting of these items."""
    wanted = sorted(item_ids)
    seen: set[tuple[int, int]] = set()
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        query = select(ItemSource.item_id, ItemSource.source_id).where(
            _among(session, ItemSource.item_id, wanted[start : start + _KEYS_PER_QUERY])
        )
        seen.update(session.execute(query).tuples())
    return seen


def store_entries(
    session: Session,
    source: Source,
    entries: Iterable[Entry],
    now: datetime,
    *,
    kind: str = "feed",
    bodies: Mapping[str, str] | None = None,
) -> StoreResult:
    """Insert the entries that are new anywhere in the store; remember every sighting."""
    batch = EntryBatch(source.id, source.name, tuple(entries), now, kind, bodies or {})
    return store_batches(session, [batch])[0]


def store_batches(session: Session, batches: Sequence[EntryBatch]) -> list[StoreResult]:
    """:func:`store_entries` for several sources' entries at once, a result per batch: one
    lookup of the stored keys, one INSERT of the new items and one of the sightings.

    Stored as if one batch after the other: an entry of a later batch that an earlier one
    brings is a sighting of it, a repeat within a batch is no news. Should a concurrent
    writer have stored one of the new items meanwhile, they are inserted one by one in
    savepoints, so that item turns into a duplicate, not a failure. Callers keep the
    batches to a bounded number of entries per transaction (``fetch.store_batch``): the
    write lock is held for it.
    """
    lock_for_write(session, ITEMS_LOCK)
    keyed = _keyed(session, batches)
    by_key: dict[str, int | _Fresh] = dict(keyed.stored)
    fresh: list[_Fresh] = []
    sighted: list[list[int | _Fresh]] = [[] for _ in batches]  # items each batch brings again
    earlier: dict[int, datetime] = {}  # stored item -> an earlier publication a copy gives
    duplicates = [0] * len(batches)
    for number, (batch, part) in enumerate(zip(batches, keyed.parts, strict=True)):
        for entry, (gkey, link, chash) in part:
            match = by_key.get(gkey) or (by_key.get(link) if link else None)
            if match is None:
                assert chash is not None  # hashed by _keyed: no stored item has its guid or link
                match = by_key.get(chash)
                if match is None:
                    item = _Fresh(number, _columns(entry, batch, gkey, link, chash))
                    fresh.append(item)
                    by_key.update((key, item) for key in (gkey, link, chash) if key)
                    continue
                # Another copy of the text (not the item fetched again): its date may be older.
                _earliest(match, entry.published, earlier)
            duplicates[number] += 1
            if isinstance(match, int) or match.columns["source_id"] != batch.source_id:
                sighted[number].append(match)
    _insert_items(session, fresh)
    _date_back(session, earlier)
    for item in fresh:
        if not item.won:
            duplicates[item.batch] += 1
            sighted[item.batch].append(item)
    ids: list[list[int]] = [[] for _ in batches]
    for item in fresh:
        if item.won and item.id is not None:
            ids[item.batch].append(item.id)
    _insert_sightings(session, batches, sighted, ids)
    return [StoreResult(len(new), seen, new) for new, seen in zip(ids, duplicates, strict=True)]


def _earliest(
    match: int | _Fresh, published: datetime | None, earlier: dict[int, datetime]
) -> None:
    """An item is dated by its first publication, whichever copy was fetched first: an
    outlet's 11-18 text republished word for word on 11-22 is no news of 11-23 (the demo
    day's 早报 took it or not by fetch order)."""
    if published is None:
        return
    if isinstance(match, _Fresh):
        known = match.columns["published_at"]
        if known is None or published < known:  # type: ignore[operator]
            match.columns["published_at"] = published
    elif match not in earlier or published < earlier[match]:
        earlier[match] = published


def _date_back(session: Session, earlier: dict[int, datetime]) -> None:
    """Stored items that a copy shows were published earlier take that date."""
    for item_id, published in earlier.items():
        session.execute(
            update(_ITEMS)
            .where(
                _ITEMS.c.id == item_id,
                or_(_ITEMS.c.published_at.is_(None), _ITEMS.c.published_at > published),
            )
            .values(published_at=published)
        )


@dataclass(frozen=True)
class _Keyed:
    """The batches' entries with their dedup keys (guid key, link, content hash), and the stored
    items carrying any of them: key -> item id."""

    parts: list[list[tuple[Entry, tuple[str, str | None, str | None]]]]
    stored: dict[str, int]


def _keyed(session: Session, batches: Sequence[EntryBatch]) -> _Keyed:
    """The stored items carrying the entries' guid keys or links, or the content hashes computed
    ahead, in one lookup; then one by content hash for the entries it did not find and that were
    not hashed ahead, hashed here. Only those are hashed: hashing title and text was most of
    storing a feed again (a re-fetch brings mostly stored items), and an entry a stored item
    carries by guid or link is that item's whatever its hash. Looking the hashes computed ahead
    up with the keys saves the transaction (which holds the write lock) a query per store."""
    named = _named(batches)
    sought = [
        (gkey, link, hashed)
        for batch, part in zip(batches, named, strict=True)
        for (_, gkey, link), hashed in zip(part, _ahead(batch, part), strict=True)
    ]
    stored = _existing(session, sought)
    parts: list[list[tuple[Entry, tuple[str, str | None, str | None]]]] = []
    unknown: list[str] = []
    for batch, part in zip(batches, named, strict=True):
        parts.append([])
        for (entry, gkey, link), hashed in zip(part, _ahead(batch, part), strict=True):
            if _carried(stored, gkey, link):
                chash = None
            elif hashed:
                chash = hashed
            else:
                chash = _hash(entry, batch, gkey)
                unknown.append(chash)
            parts[-1].append((entry, (gkey, link, chash)))
    found = _existing(session, [(None, None, chash) for chash in unknown]) if unknown else {}
    return _Keyed(parts, stored | {k: v for k, v in found.items() if k not in stored})


def _ahead(batch: EntryBatch, part: Sequence[object]) -> Sequence[str | None]:
    """The batch's content hashes computed ahead, None for each entry when there are none."""
    return batch.hashes or [None] * len(part)


def hash_ahead(session: Session, batches: Sequence[EntryBatch]) -> list[EntryBatch]:
    """The batches with the keys and content hashes :func:`store_batches` will want, computed
    before its write transaction: the guid keys and links as stored, and the hashes of the
    entries no stored item carries by either, as read now (the transaction reads again, and
    hashes there what it finds unknown and was not hashed here). Hashing was a quarter of the
    time a store held SQLite's write lock, and each store is followed by a pause as long as it
    held it (``WriteTurns``)."""
    named, stored = _by_keys(session, batches)
    return [
        replace(
            batch,
            keys=[(gkey, link) for _, gkey, link in part],
            hashes=[
                None if _carried(stored, gkey, link) else _hash(e, batch, gkey)
                for e, gkey, link in part
            ],
        )
        for batch, part in zip(batches, named, strict=True)
    ]


def _by_keys(
    session: Session, batches: Sequence[EntryBatch]
) -> tuple[list[list[tuple[Entry, str, str | None]]], dict[str, int]]:
    """Each batch's entries with their keys (:func:`_named`), and the stored items carrying
    any of those guid keys or links."""
    named = _named(batches)
    return named, _existing(session, [(g, link, None) for part in named for _, g, link in part])


def _carried(stored: Mapping[str, int], gkey: str, link: str | None) -> bool:
    """Whether a stored item carries the entry by its guid key or its link."""
    return gkey in stored or (bool(link) and link in stored)


def _named(batches: Sequence[EntryBatch]) -> list[list[tuple[Entry, str, str | None]]]:
    """Each batch's entries with their guid keys and links as the store keeps them: without
    what the statement gate drops (``store/db.py``); as :func:`hash_ahead` found them, if it
    did. Looked up as they came, a key with a NUL or a control character was never found,
    since the gate cannot see one a JSON list escapes and the ids were mapped back by the keys
    as given (KeyError on SQLite; on PostgreSQL the array reached the driver unsanitised,
    which refuses NUL)."""
    return [
        [(entry, gkey, link) for entry, (gkey, link) in zip(batch.entries, batch.keys, strict=True)]
        if batch.keys
        else [
            (entry, sanitise(guid_key(entry.guid, batch.source_name)), _kept(entry.link))
            for entry in batch.entries
        ]
        for batch in batches
    ]


def _kept(link: str | None) -> str | None:
    return sanitise(link) if link else link


def _hash(entry: Entry, batch: EntryBatch, gkey: str) -> str:
    return content_hash(entry.title, batch.bodies.get(entry.guid, entry.summary), gkey)


def _columns(
    entry: Entry, batch: EntryBatch, gkey: str, link: str | None, chash: str
) -> dict[str, object]:
    return {
        "source_id": batch.source_id,
        "kind": batch.kind,
        "guid": entry.guid,
        "guid_key": gkey,
        "link": link,
        "content_hash": chash,
        "title": entry.title,
        "summary": entry.summary,
        "body": batch.bodies.get(entry.guid, ""),
        "author": entry.author,
        "published_at": entry.published,
        "fetched_at": batch.now,
    }


def _insert_items(session: Session, fresh: list[_Fresh]) -> None:
    """The new items inserted in one statement, their ids set; should one fail, one by one.

    No RETURNING: with it SQLAlchemy sends pages of 1,000 rows as one statement each, whose
    12,000 placeholders psycopg rewrites in Python, uncached (a second of CPU for the 200 real
    feeds on PostgreSQL); a plain executemany and a lookup of the ids by guid key cost a third
    of that. The executemany goes to the driver (:func:`~newsdesk.store.bulk.insert_rows`), not
    through Core.
    """
    if not fresh:
        return
    keys = [str(i.columns["guid_key"]) for i in fresh]
    try:
        with session.begin_nested():
            insert_rows(session, _ITEMS, [i.columns for i in fresh])
    except IntegrityError:
        for item in fresh:
            _insert_one(session, item)
        return
    stored: dict[str, int] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start : start + _KEYS_PER_QUERY]
        selected = (_ITEMS.c.guid_key, _ITEMS.c.id)
        rows = _items_among(session, selected, [(_ITEMS.c.guid_key, part)])
        stored.update((key, item_id) for key, item_id in rows)
    for item, key in zip(fresh, keys, strict=True):
        item.id = stored[key]


def _insert_one(session: Session, item: _Fresh) -> None:
    """Insert ``item`` in a savepoint; when another ingest stored it between our lookup and
    this insert, it is theirs (not ``won``)."""
    try:
        with session.begin_nested():
            item.id = session.execute(
                insert(_ITEMS).returning(_ITEMS.c.id), item.columns
            ).scalar_one()
    except IntegrityError:
        columns = item.columns
        keys = (str(columns["guid_key"]), columns["link"], str(columns["content_hash"]))
        winner = _existing(session, [keys])  # type: ignore[list-item]
        item.id, item.won = next(iter(winner.values())), False


def _insert_sightings(
    session: Session,
    batches: Sequence[EntryBatch],
    sighted: list[list[int | _Fresh]],
    ids: list[list[int]],
) -> None:
    """One INSERT of every (item, source) the batches saw: per batch, the items it brought
    again (by id, each once, none it was known to carry) and then its new items.

    Sent to the driver as tuples, each batch's ``seen_at`` converted once by the column's own
    bind processing (UTC, naive on SQLite): Core converted it again for every row, and built a
    parameter dict per row, 60 % of this INSERT's CPU (6,529 sightings: ~60 -> ~25 ms), all of
    it inside the write transaction. The statement gate (``store/db.py``) still sees the rows.
    On PostgreSQL they go as three arrays in one statement.
    """
    taken = _sighted_before(session, {i for part in sighted for i in part if isinstance(i, int)})
    connection = session.connection()
    dialect = connection.dialect
    convert = _SIGHTINGS.c.seen_at.type.dialect_impl(dialect).bind_processor(dialect)
    rows: list[tuple[int, int, object]] = []
    for batch, again, new in zip(batches, sighted, ids, strict=True):
        source_id, now = batch.source_id, convert(batch.now) if convert else batch.now
        found = {i if isinstance(i, int) else i.id for i in again}
        for item_id in sorted(i for i in found if i is not None) + new:
            if (item_id, source_id) not in taken:
                taken.add((item_id, source_id))
                rows.append((item_id, source_id, now))
    if not rows:
        return
    if dialect.name == "postgresql":
        # One statement of three arrays: psycopg's executemany sends and adapts row by row
        # (6,529 sightings: 0.077 -> 0.035 s CPU). No text in these rows for the gate to see.
        statement = (
            f"INSERT INTO {_SIGHTINGS.name} (item_id, source_id, seen_at) "
            "SELECT * FROM unnest(%s::integer[], %s::integer[], %s::timestamp[])"
        )
        columns = tuple(list(column) for column in zip(*rows, strict=True))
        connection.exec_driver_sql(statement, columns)
        return
    execute_many(connection, _SIGHTINGS, ("item_id", "source_id", "seen_at"), rows)


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
