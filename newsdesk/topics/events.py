"""Events: the period a story reports on and what it reports (a quarter's results, a month's data).

Different stories about one event are one topic for an editor: three companies'
third-quarter reports are 三季报, a month's CPI, trade and car-sales releases are
that month's data. What joins them is calendar language, not a shared word: the
period the headlines name (a month, a quarter, a half or a year's report) and the
kind of report (a company's periodic report, or figures of the period). A story
has an event when most of its reports' headlines name one period; it is a report
when a headline names the periodic report, data when a headline states a figure.
Dates (10月8日), spans from a date (10月以来) and years alone are no event: a year
or a day holds too many unrelated stories.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from newsdesk.text.normalise import normalise

# A month a headline is about: 10月, 10月份, 1-10月; not the date 10月30日 nor 10月以来.
MONTH = re.compile(
    r"(?<![\d.])(?:\d{1,2}\s*[-—~至]\s*)?\d{1,2}\s*月(?:份)?(?!\s*\d{1,2}\s*日|\s*以来)"
)
_NUMERAL = {"一": "1", "二": "2", "三": "3", "四": "4"}
# A quarter (Q3, 第三季度, 前三季度, 三季报), a half (中报, 半年报, 上半年) or a year's report (年报).
_QUARTER = re.compile(r"Q([1-4])|(?<![一二三四\d])[前第]?([一二三四1-4])\s*季(?:度|报)")
_HALF = re.compile(r"中报|半年报|半年度|上半年")
_ANNUAL = re.compile(r"年报|年度报告")
# The periodic report itself (a company's 三季报, 业绩, 财报), as opposed to a figure of the period.
_REPORT = re.compile(r"季报|季度报告|中报|半年报|半年度报告|年报|年度报告|业绩|财报")
# A figure a release states: a number with a percent sign or a unit of amount or count.
_FIGURE = re.compile(r"\d[\d.,]*\s*(?:%|个百分点|[万亿千]|美元|港元|元|点|辆|吨|倍)")
_HEADS = {"q": "{}季报", "h": "中报", "y": "年报", "m": "{}数据"}
_QUARTER_DATA = "{}季度数据"
REPORT, DATA = "report", "data"
Event = tuple[str, str]  # (period, kind): ("q3", "report"), ("m10", "data")


@lru_cache(maxsize=65536)
def month_of(title: str) -> str:
    """The first month a headline names (``10月``, ``1-10月``), "" when none."""
    found = MONTH.search(normalise(title))
    return re.sub(r"\s|份", "", found.group()).replace("—", "-") if found else ""


@lru_cache(maxsize=65536)
def period_of(title: str) -> tuple[str, str]:
    """The period a headline names, as a key (q3, h1, y, m10, m1-10), and the kind it reports
    ("" when it states neither the periodic report nor a figure). A quarter wins over a month:
    10月30日 披露三季报 is about the quarter."""
    text = normalise(title)
    quarter = _QUARTER.search(text)
    if quarter:
        period = "q" + _NUMERAL.get(quarter.group(2) or "", quarter.group(2) or quarter.group(1))
    elif _HALF.search(text):
        period = "h1"
    elif _ANNUAL.search(text):
        period = "y"
    else:
        month = month_of(title)
        period = "m" + month.removesuffix("月") if month else ""
    if not period:
        return "", ""
    if _REPORT.search(text):
        return period, REPORT
    # A figure beside the period, not the period's own digits (10月, Q3).
    bare = MONTH.sub("", _QUARTER.sub("", text))
    return period, DATA if _FIGURE.search(bare) else ""


def event_of(titles: Iterable[str] | dict[str, int]) -> Event | None:
    """A story's event from its reports' headlines (a list, or each headline and how many
    reports carry it): the period most of them name, a report when one of them names the
    periodic report, else data when one states a figure; None otherwise."""
    counts = titles if isinstance(titles, dict) else Counter(titles)
    read = {title: period_of(title) for title in counts}
    periods: dict[str, int] = {}
    for title, (period, _) in read.items():
        if period:
            periods[period] = periods.get(period, 0) + counts[title]
    if not periods:
        return None
    period, count = max(periods.items(), key=lambda pc: pc[1])  # the first named, on a tie
    if 2 * count < sum(counts.values()):
        return None
    kinds = {k for p, k in read.values() if p == period}
    kind = REPORT if REPORT in kinds else DATA if DATA in kinds else ""
    return (period, kind) if kind else None


def head(event: Event) -> str:
    """How an editor names the event: 三季报, 中报, 10月数据, 三季度数据."""
    period, kind = event
    number = period[1:]
    if period[0] == "q":
        numeral = next(k for k, v in _NUMERAL.items() if v == number)
        return (_HEADS["q"] if kind == REPORT else _QUARTER_DATA).format(numeral)
    if period[0] == "m":
        return _HEADS["m"].format(number + "月")
    return _HEADS[period[0]]
