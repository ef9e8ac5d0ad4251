"""Topics named after the day's stories (issue 23): reports of one event in different words and
scripts are one story, labels are specific names, manual items count by their outlet.

The texts are invented (华曜半导体, 青禾电池 are no real companies)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from newsdesk.config import Settings, TopicSettings
from newsdesk.errors import ItemError
from newsdesk.feeds.manual import add_manual_item
from newsdesk.store.db import Database
from newsdesk.text.segment import segmenter
from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.detect import analyse
from newsdesk.topics.service import compute_topics, ranked_stories
from newsdesk.topics.stories import TopicItem
from tests.test_cli import desk, run

DAY = date(2026, 12, 1)  # a Tuesday; the reports come in the evening and night before
EVENING = datetime(2026, 11, 30, 19, 0, tzinfo=SHANGHAI)
MORNING = datetime(2026, 12, 1, 7, 30, tzinfo=SHANGHAI)
GENERIC = {"市场", "中国", "公司", "规模", "核心", "经济", "全国", "领域"}

# (outlet, title, text): one quarterly result told three ways, one in traditional characters.
HUAYAO = [
    (
        "沪上财经",
        "华曜半导体第三季度归母净利润增长四成 晶圆代工产能利用率回升",
        "华曜半导体公布三季报，归母净利润同比增长41%，晶圆代工产能利用率升至92%，毛利率改善。",
    ),
    (
        "港岛財經",
        "華曜半導體三季度業績亮眼 晶圓代工需求強勁",
        "華曜半導體公布第三季度業績，歸母淨利潤按年增長41%，晶圓代工產能利用率達92%，毛利率回升。",
    ),
    (
        "深港通讯",
        "晶圆代工龙头华曜半导体三季报：毛利率提升",
        "华曜半导体发布三季报，毛利率提升至28%，晶圆代工产能利用率92%，归母净利润增长41%。",
    ),
]
# Another company's results the same night: the same report jargon, a different story.
QINGHE = [
    (
        "沪上财经",
        "青禾电池三季报：归母净利润下降12% 动力电池出货下滑",
        "青禾电池公布三季报，归母净利润同比下降12%，动力电池出货量下滑，储能电池订单增长。",
    ),
    (
        "深港通讯",
        "青禾电池前三季度业绩承压 储能电池订单增长",
        "青禾电池三季报显示，动力电池出货量同比下滑，归母净利润下降12%，储能电池订单增长三成。",
    ),
]
# One body's releases for two months: near-misses that stay two stories.
PRICES = [
    (
        "沪上财经",
        "10月CPI同比上涨0.2% 猪肉价格降幅收窄",
        "国家统计局公布10月CPI同比上涨0.2%，猪肉价格降幅收窄，PPI同比下降2.1%。",
    ),
    (
        "港岛財經",
        "國家統計局：10月CPI按年升0.2% PPI跌幅收窄",
        "國家統計局公布10月CPI按年上升0.2%，豬肉價格跌幅收窄，PPI按年下跌2.1%。",
    ),
    (
        "深港通讯",
        "11月CPI同比上涨0.7% 猪肉价格由降转升",
        "国家统计局公布11月CPI同比上涨0.7%，猪肉价格由降转升，PPI同比下降1.9%。",
    ),
    (
        "京华财讯",
        "11月CPI涨幅扩大 国家统计局：猪肉价格回升",
        "国家统计局数据显示11月CPI同比上涨0.7%，猪肉价格回升，PPI同比下降1.9%。",
    ),
]


def _items(reports: list[tuple[str, str, str]], prefix: str, start: datetime) -> list[TopicItem]:
    return [
        TopicItem(f"{prefix}{n}", title, text, outlet, start + timedelta(minutes=23 * n))
        for n, (outlet, title, text) in enumerate(reports)
    ]


def _day() -> list[TopicItem]:
    return (
        _items(HUAYAO, "h", EVENING)
        + _items(QINGHE, "q", EVENING + timedelta(minutes=10))
        + _items(PRICES, "p", EVENING + timedelta(hours=2))
    )


def _generic(label: str) -> set[str]:
    return set(segmenter().tokens(label)) & GENERIC


def test_reports_in_other_words_and_scripts_are_one_story() -> None:
    found = analyse(_day(), MORNING, TopicSettings(), segmenter(), TradingCalendar())
    by_item = {item.id: n for n, story in enumerate(found.stories) for item in story.items}
    assert by_item["h0"] == by_item["h1"] == by_item["h2"]
    assert by_item["q0"] == by_item["q1"] != by_item["h0"]
    # 10月 and 11月 releases of one index: four stories' worth of shared names, two stories.
    assert by_item["p0"] == by_item["p1"] != by_item["p2"] == by_item["p3"]


def test_topics_are_labelled_with_the_names_they_share() -> None:
    topics = analyse(_day(), MORNING, TopicSettings(), segmenter(), TradingCalendar()).topics
    labels = {frozenset(t.item_ids): t.label for t in topics}
    # Two companies' third-quarter reports: one event, one topic naming both stories, the
    # bigger first; each stays a story of its own inside it.
    results = labels[frozenset({"h0", "h1", "h2", "q0", "q1"})]
    assert results.startswith("三季报：")
    assert results.index("华曜半导体") < results.index("青禾电池")
    assert [len(s.items) for s in topics[0].stories] == [3, 2]
    # One index's releases for two months are two events: 10月 and 11月 stay apart.
    assert labels[frozenset({"p0", "p1"})].startswith("10月")
    assert labels[frozenset({"p2", "p3"})].startswith("11月")
    assert all("CPI" in labels[frozenset(ids)] for ids in ({"p0", "p1"}, {"p2", "p3"}))
    assert not {w for label in labels.values() for w in _generic(label)}, labels
    # Ranked by distinct outlets: the results season (three outlets) first.
    assert topics[0].label == results


def test_generic_words_never_label_even_when_every_report_shares_them() -> None:
    reports = [
        (
            f"outlet{n}",
            f"中国市场公司规模核心经济领域观察之{n}",
            "全国市场规模扩大，公司核心领域经济向好。",
        )
        for n in range(4)
    ]
    topics = analyse(
        _items(reports, "g", EVENING), MORNING, TopicSettings(), segmenter(), TradingCalendar()
    ).topics
    assert not {w for t in topics for w in _generic(t.label)}, [t.label for t in topics]


def _add(db: Database, reports: list[tuple[str, str, str]], *, outlets: bool) -> None:
    for n, (outlet, title, text) in enumerate(reports):
        add_manual_item(
            db,
            title,
            text,
            published=(EVENING + timedelta(minutes=11 * n)).isoformat(),
            outlet=outlet if outlets else None,
            now=EVENING + timedelta(minutes=11 * n),
        )


def test_manual_items_count_by_their_outlet(db: Database, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    _add(db, HUAYAO + PRICES[:2], outlets=True)
    topics = compute_topics(db, settings, day=DAY, now=MORNING)
    assert [t.sources for t in topics] == [3, 2]
    assert "华曜半导体" in topics[0].label and "CPI" in topics[1].label
    assert ranked_stories(db, DAY) == topics
    # The same report typed in again for a fourth outlet: stored once, carried by four.
    outlet, title, text = HUAYAO[0]
    again = add_manual_item(
        db, title, text, published=EVENING.isoformat(), outlet="京华财讯", now=MORNING
    )
    assert not again.new
    assert compute_topics(db, settings, day=DAY, now=MORNING)[0].sources == 4


def test_manual_items_without_outlets_are_one_outlet(sqlite_db: Database, tmp_path: Path) -> None:
    _add(sqlite_db, HUAYAO + QINGHE, outlets=False)
    topics = compute_topics(sqlite_db, Settings(var_dir=tmp_path / "var"), day=DAY, now=MORNING)
    assert topics == []


@pytest.mark.parametrize(("outlet", "message"), [("", "outlet"), ("财" * 57, "outlet too long")])
def test_manual_outlet_refused(sqlite_db: Database, outlet: str, message: str) -> None:
    with pytest.raises(ItemError, match=message):
        add_manual_item(sqlite_db, "标题", "正文", outlet=outlet)


def test_cli_item_add_outlet_makes_a_topic(tmp_path: Path) -> None:
    env = desk(tmp_path, [])
    # A past day's ranking runs at its end: the reports come that evening.
    for n, (outlet, title, text) in enumerate(HUAYAO):
        when = (EVENING + timedelta(days=1, minutes=9 * n)).isoformat()
        args = ["item", "add", "--title", title, "--text", text, "--published", when]
        out = run([*args, "--outlet", outlet], env)
        assert out.returncode == 0 and "stored item" in out.stdout, out.stderr
    bad = run(["item", "add", "--title", "标题", "--outlet", "  "], env)
    assert bad.returncode == 2 and "outlet" in bad.stderr and "Traceback" not in bad.stderr
    shown = run(["topics", "--date", DAY.isoformat(), "--json"], env)
    assert shown.returncode == 0, shown.stderr
    (topic,) = json.loads(shown.stdout)
    assert topic["sources"] == 3 and "华曜半导体" in topic["label"]
    assert sorted(topic["evidence"]["sources"]) == sorted(o for o, _, _ in HUAYAO)
