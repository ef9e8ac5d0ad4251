"""Topics of several stories about one event (issue 23): a quarter's company reports, a month's
data releases; never stories that only share a common word. The texts are invented."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from newsdesk.config import TopicSettings
from newsdesk.text.segment import segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.detect import analyse
from newsdesk.topics.events import event_of, head, period_of
from newsdesk.topics.stories import TopicItem
from tests.synthetic import trading_days_before

MORNING = datetime(2026, 12, 1, 7, 30, tzinfo=SHANGHAI)  # a Tuesday
EVENING = datetime(2026, 11, 30, 19, 0, tzinfo=SHANGHAI)
CAL = TradingCalendar()


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("华曜半导体发布2025年三季报", ("q3", "report")),
        ("華曜半導體第三季度業績亮眼", ("q3", "report")),
        ("华曜半导体Q3营收同比增长41%", ("q3", "data")),
        ("青禾电池前三季度归母净利润下降12%", ("q3", "data")),
        ("一季度GDP同比增长5.4%", ("q1", "data")),
        ("10月份CPI同比上涨0.2%", ("m10", "data")),
        ("中國10月出口按年降1.1%", ("m10", "data")),
        ("1-10月工业企业利润增长1.9%", ("m1-10", "data")),
        ("10月8日现货黄金突破4000美元", ("", "")),  # a date, not a month's release
        ("10月以来北向资金净流入200亿元", ("", "")),  # a span from a date
        ("10月乘用车市场收官", ("m10", "")),  # a month, but neither a report nor a figure
    ],
)
def test_the_period_a_headline_reports(title: str, period: tuple[str, str]) -> None:
    assert period_of(title) == period


def test_a_story_has_an_event_when_most_of_its_headlines_name_it() -> None:
    assert event_of(["华曜半导体三季报出炉", "华曜半导体Q3营收增长41%", "华曜半导体股价大涨"]) == (
        "q3",
        "report",
    )
    assert event_of(["华曜半导体三季报出炉", "华曜半导体股价大涨", "华曜半导体获增持"]) is None
    assert head(("q3", "report")) == "三季报" and head(("m10", "data")) == "10月数据"
    assert head(("q3", "data")) == "三季度数据"


def _story(
    prefix: str, reports: list[tuple[str, str]], start: datetime, text: str = ""
) -> list[TopicItem]:
    return [
        TopicItem(f"{prefix}{n}", title, text or title, outlet, start + timedelta(minutes=7 * n))
        for n, (outlet, title) in enumerate(reports)
    ]


# Three invented companies, two outlets each, and what their reports say besides the jargon.
COMPANIES = [
    ("华曜半导体", "甲报", "乙报", "晶圆代工产能利用率回升，毛利率改善"),
    ("青禾电池", "丙报", "丁报", "动力电池出货下滑，储能电池订单增长"),
    ("远帆航运", "戊报", "己报", "集装箱运价回落，船队运力扩张"),
]


def _results(start: datetime, tag: str = "") -> list[TopicItem]:
    """The three companies' third-quarter reports."""
    items: list[TopicItem] = []
    for n, (company, one, two, said) in enumerate(COMPANIES):
        items += _story(
            f"{tag}{company}",
            [
                (one, f"{company}发布三季报：归母净利润增长{10 + n}%"),
                (two, f"{company}三季报出炉 营收创新高"),
            ],
            start + timedelta(minutes=40 * n),
            f"{company}公布三季报，{said}。{company}表示{said[:4]}。",
        )
    return items


def test_one_quarters_reports_are_one_topic_naming_each_story() -> None:
    topics = analyse(_results(EVENING), MORNING, TopicSettings(), segmenter(), CAL).topics
    (top,) = topics
    assert top.label.startswith("三季报：") and len(top.stories) == 3
    assert all(name in top.label for name in ("华曜半导体", "青禾电池", "远帆航运"))
    # A desk without history ranks the event by all its outlets.
    assert top.score == len(top.sources) == 6


def test_an_event_the_desk_sees_every_day_ranks_as_its_best_story() -> None:
    """Results season: every day brings other companies' 三季报; grouping today's does not make
    them hot, while a real burst still leads."""
    history: list[TopicItem] = []
    for day in trading_days_before(EVENING.date(), 10, CAL):
        start = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=10)
        history += _results(start, day.isoformat())
    burst = _story(
        "b",
        [(f"媒体{n}", f"固态电池量产提速 第{n}家车企定点") for n in range(4)],
        EVENING,
    ) + _story("c", [(f"媒体{n}", f"固态电池产业链订单激增{n}成") for n in range(4, 7)], EVENING)
    topics = analyse(
        history + _results(EVENING) + burst, MORNING, TopicSettings(), segmenter(), CAL
    ).topics
    results = next(t for t in topics if t.label.startswith("三季报"))
    assert results.score == max(len(s.sources) for s in results.stories) == 2
    assert topics[0].terms[0] == "固态电池"


def test_stories_sharing_only_a_common_word_stay_apart() -> None:
    """收官 of a stock market's year, of a car market's month and of a fund year: three stories."""
    items = (
        _story(
            "hk",
            [("甲报", "港股收官：恒指全年累升5570点"), ("乙报", "恒指2025年收官 全年升27.8%")],
            EVENING,
        )
        + _story(
            "car",
            [("丙报", "乘用车零售收官 乘联会：全年零售创新高"), ("丁报", "乘联会：乘用车市场收官")],
            EVENING + timedelta(minutes=30),
        )
        + _story(
            "fund",
            [
                ("戊报", "基金发行收官 新发规模超万亿"),
                ("己报", "公募基金发行收官 新发基金规模回升"),
            ],
            EVENING + timedelta(minutes=60),
        )
    )
    topics = analyse(items, MORNING, TopicSettings(), segmenter(), CAL).topics
    for topic in topics:
        prefixes = {item_id.rstrip("0123456789") for item_id in topic.item_ids}
        assert len(prefixes) == 1, (topic.label, topic.item_ids)
