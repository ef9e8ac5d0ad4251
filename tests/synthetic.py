"""Synthetic multi-day news for topic tests: evergreen stories every day, planted bursts."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from newsdesk.timetable import SHANGHAI, TradingCalendar
from newsdesk.topics.stories import TopicItem

EVERGREEN = [
    "市场震荡整理，{company}公司股票小幅{move}",
    "股票市场成交活跃，{company}公司获资金关注",
    "{company}公司公告回购股票，市场反应积极",
    "市场情绪回暖，多家公司股票{move}",
]
COMPANIES = [
    "海川银行",
    "青峰白酒",
    "蓝湾物流",
    "金石矿业",
    "明远汽车",
    "天衡保险",
    "北辰光伏",
    "云帆数据",
]
SOURCES = [f"outlet{i}" for i in range(8)]


def trading_days_before(day: date, count: int, calendar: TradingCalendar) -> list[date]:
    days = []
    current = day
    while len(days) < count:
        current = calendar.previous_trading_day(current)
        days.append(current)
    return list(reversed(days))


def evergreen_day(day: date, per_day: int, rng: random.Random, prefix: str) -> list[TopicItem]:
    items = []
    for n in range(per_day):
        template = rng.choice(EVERGREEN)
        title = template.format(company=rng.choice(COMPANIES), move=rng.choice(["上涨", "下跌"]))
        title += f"（第{rng.randint(1, 10**6)}号）"  # keep evergreen stories distinct
        when = datetime.combine(day, time(9, 0), tzinfo=SHANGHAI) + timedelta(
            minutes=rng.randint(0, 600)
        )
        items.append(TopicItem(f"{prefix}{day}-{n}", title, "", rng.choice(SOURCES), when))
    return items


def planted(
    term: str, stories: int, sources: list[str], start: datetime, prefix: str
) -> list[TopicItem]:
    """``stories`` distinct events about ``term``, each from one of ``sources`` in turn."""
    angles = [
        "政策出台",
        "龙头公告",
        "订单落地",
        "机构调研",
        "产业大会",
        "技术突破",
        "资金涌入",
        "专家解读",
    ]
    return [
        TopicItem(
            f"{prefix}{term}-{n}",
            f"{term}{angles[n % len(angles)]}（{sum(map(ord, term)) * 31 + n * 7919}）",
            "",
            sources[n % len(sources)],
            start + timedelta(minutes=37 * n),
        )
        for n in range(stories)
    ]
