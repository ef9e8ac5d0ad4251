"""The desk's clock: what "now" is for publishing, the editors' notices and the working day.

Product code asks a :class:`Clock` and never whether a day is replayed. A desk that replays
a past day (``demo.day``: the demo desk) is given a clock standing on that day, so it
behaves as it would have then; every other desk reads the real time. The processes that
act on time (the publish run, ``newsdesk publish``, the review UI) take the desk's clock;
tests inject one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from newsdesk.config import Settings
from newsdesk.timetable import desk_zone, slot_time


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


@dataclass(frozen=True)
class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock that stands at one moment (a replayed day, a test)."""

    moment: datetime

    def __post_init__(self) -> None:
        if self.moment.tzinfo is None:
            raise ValueError(f"a clock's moment needs a time zone: {self.moment}")

    def now(self) -> datetime:
        return self.moment


def desk_clock(settings: Settings) -> Clock:
    """The clock of the desk ``settings`` describes.

    A replayed day stands where its day's work starts: when its first drafts are due (its
    feeds end that morning). Its slots are then all ahead, so its drafts stay reviewable
    however long ago the day was; an approved one goes out when a publish run is given its
    slot's time (``newsdesk publish --now``).
    """
    day = settings.demo.day if settings.demo.enabled else None
    if day is None:
        return SystemClock()
    # Every slot, not only the day's running ones: the trading calendar takes a second to
    # load, and the publish run starts every minute.
    starts = [
        slot_time(settings, s, day) - timedelta(minutes=s.lead_minutes) for s in settings.slots
    ]
    return FixedClock(min(starts, default=datetime.combine(day, time(0), desk_zone(settings))))
