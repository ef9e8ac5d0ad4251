"""The periods the dashboard and ``newsdesk metrics`` report on: a day, an ISO week, a month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass
class Period:
    label: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


# The days a period may cover: the dashboard looks 30 days back and a day ahead, which
# overflowed (a 500) at 0001-01-01 and 9999-12-31.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def parse_period(
    day: str | None = None, week: str | None = None, month: str | None = None
) -> Period:
    """``--day 2026-11-23`` | ``--week 2026-W48`` | ``--month 2026-11``; ValueError with the format
    otherwise, or when the period is not within FIRST_DAY..LAST_DAY."""
    period = _period(day, week, month)
    if period.start < FIRST_DAY or period.end > LAST_DAY:
        raise ValueError(
            f"{period.label}: 日期超出范围 / out of range: periods lie within {FIRST_DAY} – {LAST_DAY}"
        )
    return period


def _year(value: str) -> int:
    """A period's year, refused before any date arithmetic can overflow on it."""
    year = int(value)
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise ValueError(f"year {year} out of range")
    return year


def _period(day: str | None, week: str | None, month: str | None) -> Period:
    if sum(x is not None for x in (day, week, month)) != 1:
        raise ValueError("give exactly one of day (YYYY-MM-DD), week (YYYY-Www) or month (YYYY-MM)")
    if day is not None:
        d = date.fromisoformat(day)
        return Period(day, d, d)
    if week is not None:
        try:
            year_of_week, week_number = week.upper().split("-W")
            start = date.fromisocalendar(_year(year_of_week), int(week_number), 1)
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"{week!r} is not a week like 2026-W48") from exc
        return Period(week.upper(), start, start + timedelta(days=6))
    assert month is not None
    try:
        year_text, number_text = month.split("-")
        year, number = _year(year_text), int(number_text)
        start = date(year, number, 1)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{month!r} is not a month like 2026-11") from exc
    following = date(year + number // 12, number % 12 + 1, 1)
    return Period(month, start, following - timedelta(days=1))
