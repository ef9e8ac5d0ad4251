"""The review queue as editors read it: drafts by deadline with their newest check summary,
one query of the columns shown, paged by keyset cursors (never an offset)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, literal, or_, select

from newsdesk.errors import ReviewError
from newsdesk.review.states import OPEN, ReviewState
from newsdesk.store.models import Draft, DraftVersion
from newsdesk.store.reading import Store, reading

# The offline composer's name (``llm.provider: offline``; tests/test_review.py checks it is
# OfflineComposer.name): the queue marks its drafts without importing the drafting package.
MACHINE_PROVIDER = "offline"


class InvalidCursor(ReviewError):
    """A queue cursor that no page of ours handed out."""


@dataclass(frozen=True)
class QueueRow:
    id: int
    day: date
    slot: str
    kind: str
    segment: str
    title: str
    state: str
    flagged: bool
    flag_reason: str | None
    version: int
    lock_version: int
    deadline: datetime | None
    passed: bool | None
    originality: float | None
    provider: str | None = None  # who wrote the newest version
    since: datetime | None = None  # when it last changed state (a write in progress: its start)

    @property
    def machine_composed(self) -> bool:
        """Written by the offline composer: the queue says so, the published text does not."""
        return self.provider == MACHINE_PROVIDER


def _queue_select() -> Select[Any]:
    """Only the columns the queue renders, with the newest version's summary, in one query:
    a draft's newest version is the one numbered ``Draft.version`` (``_store`` numbers them)."""
    originality = DraftVersion.report["originality"]["ratio"].as_float()
    return select(
        Draft.id,
        Draft.day,
        Draft.slot,
        Draft.kind,
        Draft.segment,
        Draft.title,
        Draft.state,
        Draft.flagged,
        Draft.flag_reason,
        Draft.version,
        Draft.lock_version,
        Draft.deadline,
        DraftVersion.passed,
        originality,
        DraftVersion.provider,
        Draft.updated_at,
    ).outerjoin(
        DraftVersion,
        (DraftVersion.draft_id == Draft.id) & (DraftVersion.number == Draft.version),
    )


def _filtered(
    query: Select[Any],
    slot: str | None,
    state: str | None,
    kind: str | None,
    drafting: bool,
) -> Select[Any]:
    if slot:
        query = query.where(Draft.slot == slot)
    if state:
        query = query.where(Draft.state == state)
    elif not drafting:
        query = query.where(Draft.state != ReviewState.DRAFTING)
    if kind:
        query = query.where(Draft.kind == kind)
    return query


def _undecided_before(day: date) -> ColumnElement[bool]:
    # A draft still being written counts: on an earlier day its writer is likely gone, and it
    # stays in sight (with its age) until the slot is run again.
    undecided = [s.value for s in (*OPEN, ReviewState.DRAFTING)]
    return (Draft.day < day) & Draft.state.in_(undecided)


# Breaking news first within a day: it has the shortest deadline. A draft without a deadline
# sorts after every deadline (as PostgreSQL puts NULLs last), the same on both databases.
_BREAKING_RANK = case((Draft.kind == "breaking", 0), else_=1)
_NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
_DEADLINE_KEY = func.coalesce(Draft.deadline, literal(_NO_DEADLINE, Draft.deadline.type))
# The types of the sort keys the cursors carry: the whole queue's, the earlier drafts'.
_QUEUE_SHAPE = (date, int, datetime, int)
_EARLIER_SHAPE = (date, datetime, int)


def _row(r: Row[Any]) -> QueueRow:
    originality = None if r[13] is None else float(r[13])
    return QueueRow(*r[:13], originality, *r[14:])  # type: ignore[call-arg]  # a 16-column row


def queue(
    db: Store,
    *,
    day: date | None = None,
    carry_open: bool = False,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 500,
    drafting: bool = False,
) -> list[QueueRow]:
    """Drafts by deadline (breaking news first), with their newest check summary.

    Drafts still being written (no text yet) only with ``drafting=True`` or ``state="drafting"``.

    With ``carry_open``, ``day`` is the working day: earlier days' drafts that
    are still undecided are listed too, until someone decides or they expire.
    """
    rows, _ = queue_page(
        db,
        day=day,
        carry_open=carry_open,
        slot=slot,
        state=state,
        kind=kind,
        limit=limit,
        drafting=drafting,
    )
    return rows


def queue_page(
    db: Store,
    *,
    day: date | None = None,
    carry_open: bool = False,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 500,
    cursor: str | None = None,
    drafting: bool = False,
) -> tuple[list[QueueRow], str | None]:
    """One page of :func:`queue` after ``cursor`` and the cursor of the next page (None: last).

    The cursor is the last row's sort key, so a page never repeats or skips a row when drafts
    are added or decided between two requests (an offset would)."""
    query = _filtered(_queue_select(), slot, state, kind, drafting)
    if day and carry_open:
        query = query.where((Draft.day == day) | _undecided_before(day))
    elif day:
        query = query.where(Draft.day == day)
    key = (Draft.day, _BREAKING_RANK, _DEADLINE_KEY, Draft.id)
    if cursor:
        query = query.where(
            _after(key, _decode_cursor(cursor, _QUEUE_SHAPE), descending_first=True)
        )
    query = query.order_by(Draft.day.desc(), *key[1:]).limit(limit + 1)
    with reading(db) as session:
        found = session.execute(query).all()
    rows = [_row(r) for r in found[:limit]]
    if len(found) <= limit:
        return rows, None
    last = rows[-1]
    rank = 0 if last.kind == "breaking" else 1
    return rows, _encode_cursor([last.day, rank, last.deadline or _NO_DEADLINE, last.id])


@dataclass(frozen=True)
class WorkingQueue:
    """The queue page: the day's drafts, and one page of earlier days' undecided ones."""

    rows: list[QueueRow]
    earlier: list[QueueRow]
    earlier_total: int
    earlier_next: str | None  # cursor of the next page of earlier drafts


def working_queue(
    db: Store,
    day: date,
    *,
    earlier_limit: int,
    earlier_cursor: str | None = None,
    slot: str | None = None,
    state: str | None = None,
    kind: str | None = None,
) -> WorkingQueue:
    """The working day's drafts in full; earlier undecided drafts oldest first, a page at a time,
    with their count (they pile up when nobody decides: a page must stay bounded). Drafts a
    writer is still writing are listed with the others (editors see them coming; nothing lets
    them be approved)."""
    rows, _ = queue_page(
        db, day=day, slot=slot, state=state, kind=kind, limit=10_000, drafting=True
    )
    earlier_filter = _filtered(select(Draft.id), slot, state, kind, True).where(
        _undecided_before(day)
    )
    query = _filtered(_queue_select(), slot, state, kind, True).where(_undecided_before(day))
    key = (Draft.day, _DEADLINE_KEY, Draft.id)
    if earlier_cursor:
        query = query.where(_after(key, _decode_cursor(earlier_cursor, _EARLIER_SHAPE)))
    query = query.order_by(*key).limit(earlier_limit + 1)
    with reading(db) as session:
        total = session.scalar(select(func.count()).select_from(earlier_filter.subquery())) or 0
        found = [_row(r) for r in session.execute(query).all()]
    earlier, more = found[:earlier_limit], len(found) > earlier_limit
    last = earlier[-1] if earlier else None
    following = (
        _encode_cursor([last.day, last.deadline or _NO_DEADLINE, last.id])
        if more and last
        else None
    )
    return WorkingQueue(rows, earlier, total, following)


def _after(
    key: Sequence[Any], values: Sequence[Any], *, descending_first: bool = False
) -> ColumnElement[bool]:
    """Rows after ``values`` in the order of ``key`` (ascending; the first column descending
    when asked), spelled out as OR/AND: row values with mixed directions are not SQL."""
    head, *rest = key
    beyond = head < values[0] if descending_first else head > values[0]
    if not rest:
        return beyond
    return or_(beyond, and_(head == values[0], _after(rest, values[1:])))


def _encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, shape: Sequence[type]) -> list[Any]:
    """A cursor back into its sort key, whose values must have the types of ``shape``."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(shape):
            raise ValueError(cursor)
        values = [_cursor_value(value, kind) for value, kind in zip(raw, shape, strict=True)]
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise InvalidCursor(f"invalid cursor {cursor[:40]!r}") from None
    return values


def _cursor_value(value: object, kind: type) -> object:
    if kind is int and type(value) is int and abs(value) < 2**62:
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if kind is date:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment.astimezone(UTC)  # OverflowError at the calendar's ends, before any SQL
