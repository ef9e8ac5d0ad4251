"""The timetable: slots from desk.yaml on the Shanghai trading calendar (``exchange_calendars`` "XSHG").

Dates outside the calendar's known range fall back to Monday-Friday, so a
desk keeps running on the day the bundled holiday table runs out; the
fallback is logged once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from newsdesk.config import Settings, SlotConfig

if TYPE_CHECKING:
    import exchange_calendars

# The exchange's clock (XSHG closes at 15:00 Beijing time), not the desk's: the desk's
# "today" and its slot times follow ``timezone`` in desk.yaml (desk_zone, working_day).
SHANGHAI = ZoneInfo("Asia/Shanghai")
MARKET_CLOSE = time(15, 0)
log = logging.getLogger(__name__)


@cache
def _xshg() -> exchange_calendars.ExchangeCalendar:
    # Imported on first use: exchange_calendars and pandas take ~0.8 s to import, and the
    # per-minute publish run and the CLI need the desk's clock, not the holiday table.
    import exchange_calendars

    return exchange_calendars.get_calendar("XSHG")


class TradingCalendar:
    """Which days the Shanghai market trades; injectable so tests can plant holidays."""

    def __init__(self, holidays: frozenset[date] | None = None) -> None:
        self._extra_holidays = holidays or frozenset()

    def is_trading_day(self, day: date) -> bool:
        if day in self._extra_holidays:
            return False
        import pandas as pd

        cal = _xshg()
        stamp = pd.Timestamp(day)
        if cal.first_session <= stamp <= cal.last_session:
            return bool(cal.is_session(stamp))
        log.warning("XSHG calendar does not cover %s; assuming Monday-Friday", day)
        return day.weekday() < 5

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before ``day``."""
        current = day - timedelta(days=1)
        while not self.is_trading_day(current):
            current -= timedelta(days=1)
        return current

    @property
    def zone(self) -> ZoneInfo:
        """The exchange's time zone (a snapshot is closed on its clock)."""
        return SHANGHAI

    def date_of(self, moment: datetime) -> date:
        """A moment's date on the exchange's clock (a market snapshot's trading day)."""
        return moment.astimezone(SHANGHAI).date()

    def day_start(self, day: date) -> datetime:
        """Midnight of a day on the exchange's clock (a market day's snapshots start here)."""
        return datetime.combine(day, time(0), tzinfo=SHANGHAI)

    def close_at(self, day: date) -> datetime:
        return datetime.combine(day, MARKET_CLOSE, tzinfo=SHANGHAI)

    def previous_close(self, now: datetime) -> datetime:
        """Close of the last trading day before ``now``'s local date."""
        return self.close_at(self.previous_trading_day(now.astimezone(SHANGHAI).date()))


@dataclass(frozen=True)
class SlotDay:
    """One slot on one day: when it posts, when drafts are due, whether it runs at all."""

    slot: SlotConfig
    posts_at: datetime
    drafts_due: datetime
    runs: bool


def slot_runs(slot: SlotConfig, day: date, calendar: TradingCalendar) -> bool:
    if slot.calendar == "trading":
        return calendar.is_trading_day(day)
    if slot.calendar == "weekly":
        return day.weekday() == slot.weekday
    return True


def desk_zone(settings: Settings) -> ZoneInfo:
    """The desk's clock (``timezone`` in desk.yaml)."""
    return ZoneInfo(settings.timezone)


def working_day(settings: Settings, now: datetime | None = None) -> date:
    """The desk's current working day: today on the desk's clock.

    The queue page, the dashboard and ``newsdesk review list`` open on it (with
    earlier days' undecided drafts listed too); flows default to it.
    """
    return (now or datetime.now(UTC)).astimezone(desk_zone(settings)).date()


def slot_time(settings: Settings, slot: SlotConfig, day: date) -> datetime:
    """When a slot posts on a day, in the desk's time zone."""
    return datetime.combine(day, slot.time, tzinfo=desk_zone(settings))


def slots_for_day(
    settings: Settings, day: date, calendar: TradingCalendar | None = None
) -> list[SlotDay]:
    """The day's timetable from desk.yaml, in posting order."""
    calendar = calendar or TradingCalendar()
    out = []
    for slot in settings.slots:
        posts_at = slot_time(settings, slot, day)
        out.append(
            SlotDay(
                slot,
                posts_at,
                posts_at - timedelta(minutes=slot.lead_minutes),
                slot_runs(slot, day, calendar),
            )
        )
    return sorted(out, key=lambda s: s.posts_at)
