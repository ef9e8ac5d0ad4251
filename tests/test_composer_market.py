"""The 收盘总结's market record is stated from the snapshot's figures (the blind read: a close
that left out turnover, flows, sectors and breadth was thin; one without the day's close data
cannot go out at all)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.composer import compose

DAY = "2026-12-08"


def snapshot(as_of: str) -> dict[str, Any]:
    return {
        "date": DAY,
        "as_of": as_of,
        "indices": [
            {"name": "上证指数", "close": 3468.15, "change_pct": 1.26},
            {"name": "创业板指", "close": 2263.43, "change_pct": -0.5},
        ],
        "turnover": 1.33e12,
        "northbound_net": -2.04e9,
        "sectors": [
            {"name": "银行", "change_pct": 2.91},
            {"name": "算力", "change_pct": -1.74},
        ],
        "breadth": {"up": 2661, "down": 2439, "limit_up": 82, "limit_down": 2},
    }


def close(data: dict[str, Any]) -> str:
    brief = Brief("c", "close_summary", "收盘总结", DAY, "入门", "时效性内容", "", "")
    brief.sources = [
        BriefSource(1, 1, "A股收盘数据", "（快照正文）", "行情", None, None, "market", data)
    ]
    return compose(Settings(), brief, "投资有风险。").text


def test_the_close_states_every_figure_of_the_snapshot() -> None:
    text = close(snapshot(f"{DAY}T15:00:00+08:00"))
    for said in (
        "上证指数收报3468.15点，涨1.26%",
        "创业板指收报2263.43点，跌0.50%",
        "沪深两市成交额1.33万亿元",
        "北向资金净流出20.4亿元",
        "领涨板块：银行（涨2.91%）",
        "领跌板块：算力（跌1.74%）",
        "上涨个股2661家，下跌个股2439家，涨停82家，跌停2家[1]",
    ):
        assert said in text, said


def test_an_intraday_snapshot_is_no_close() -> None:
    assert close(snapshot(f"{DAY}T10:30:00+08:00")) == ""


def intraday(data: dict[str, Any], news: str = "") -> tuple[str, list[str]]:
    brief = Brief("i", "intraday", "盘中信息", DAY, "入门", "时效性内容", "", "")
    month, day = (int(part) for part in data["date"].split("-")[1:])
    body = (
        f"{month}月{day}日A股：上证指数收盘3468.15点，上涨1.26%。"  # as the snapshot's item reads
    )
    brief.sources = [BriefSource(1, 1, "A股行情", body, "行情", None, None, "market", data)]
    if news:
        brief.sources.append(
            BriefSource(2, 2, news, news, "甲报", None, f"{DAY}T01:00:00+00:00", "feed")
        )
    draft = compose(Settings(), brief, "投资有风险。")
    return draft.text, draft.notes


def test_an_intraday_post_states_no_earlier_days_close_as_its_news() -> None:
    # The blind read: at 10:00 on a Monday the 盘中 post restated Friday's close as 最新.
    friday = snapshot("2026-12-04T15:00:00+08:00") | {"date": "2026-12-04"}
    text, notes = intraday(friday)
    assert text == "" and any("盘中" in note for note in notes)
    text, _ = intraday(friday, "东岳新能源：前三季度净利润同比增长50%")
    assert text == ""  # news lines alone are no 盘中信息 (the second blind read)
    today, _ = intraday(snapshot(f"{DAY}T10:30:00+08:00"), "东岳新能源：前三季度净利润同比增长50%")
    assert "上证指数" in today and "3468.15" in today and "东岳新能源" in today


def test_a_morning_report_recaps_the_last_close_from_its_snapshot() -> None:
    # The blind read: the demo 早报 stated 11月20日北向资金净流出20亿元 from a report while the
    # desk's own snapshot of that day says 12.9亿元; the snapshot is the desk's record.
    friday = snapshot("2026-12-04T15:00:00+08:00") | {"date": "2026-12-04"}
    brief = Brief("m", "morning_report", "早报", DAY, "入门", "时效性内容", "", "")
    flow = "北向资金12月4日净流出35亿元，新能源板块获外资关注。"
    results = "东岳新能源公告称，前三季度实现净利润同比增长50%。"
    brief.sources = [
        BriefSource(
            1, 1, "12月4日A股收盘数据", "（快照正文）", "行情", None, None, "market", friday
        ),
        BriefSource(2, 2, "北向资金今日净流出35亿元", flow, "甲报", None, None),
        BriefSource(3, 3, "东岳新能源：前三季度净利润同比增长50%", results, "乙报", None, None),
    ]
    composed = compose(Settings(), brief, "投资有风险。")
    assert "【12月4日收盘回顾】" in composed.text and "领涨板块" not in composed.text
    assert (
        "上证指数收报3468.15点，涨1.26%" in composed.text
        and "北向资金净流出20.4亿元" in composed.text
    )
    assert "35亿元" not in composed.text
    assert "东岳新能源前三季度净利润同比增长50%[3]" in composed.text
    assert any("35亿元" in note and "不一致" in note for note in composed.notes)
    rounded = replace(brief.sources[1], text="北向资金12月4日净流出20亿元。")  # 20.4: said
    again = compose(Settings(), replace(brief, sources=[brief.sources[0], rounded]), "投资有风险。")
    assert "20亿元" not in again.text
    today = snapshot(f"{DAY}T15:00:00+08:00")  # a close of the post's own day is no recap
    brief.sources[0] = replace(brief.sources[0], data=today)
    assert "收盘回顾" not in compose(Settings(), brief, "投资有风险。").text


def test_a_later_draft_does_not_contradict_the_morning_recap() -> None:
    # The demo day's weekly said 11月20日北向资金净流出53亿元 under the 早报's recap of the
    # snapshot (12.9亿元): the recap's lines carry their day in the heading, not in the line.
    morning = "【12月4日收盘回顾】\n沪深两市成交额1.33万亿元，北向资金净流出20.4亿元[1]。"
    brief = Brief("w", "weekly_summary", "每周", DAY, "入门", "时效性内容", "", "")
    flow = "北向资金12月4日净流出35亿元，新能源板块获外资关注。"
    brief.sources = [BriefSource(1, 1, "北向资金今日净流出35亿元", flow, "甲报", None, None)]
    composed = compose(Settings(), brief, "投资有风险。", day_texts=[morning])
    assert "35亿元" not in composed.text
    assert any("35亿元" in note and "20.4亿元" in note for note in composed.notes)
