"""The 观点's reasoning: one rate compared with the same rate of another period, by arithmetic on
two stated figures, never a trend claimed from one period (the blind read's "CPI仍在上行")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsdesk.config import Settings
from newsdesk.drafting.brief import Brief, BriefSource
from newsdesk.drafting.composer import compose
from newsdesk.drafting.composer.compare import comparison
from newsdesk.drafting.composer.statements import source_statements

RESULTS = (
    "贵州茅台(600519)发布三季报：前三季度公司实现营业总收入1309.04亿元，同比增长6.32%；"
    "第三季度实现营业总收入398.10亿元，同比增长0.35%。"
)


def statements(text: str) -> list:
    return source_statements(BriefSource(1, 1, "三季报", text, "甲报", None, None))


def test_a_quarter_slower_than_its_nine_months_is_a_slowdown() -> None:
    found = comparison(statements(RESULTS))
    assert found is not None
    assert (found.recent.fact.value, found.earlier.fact.value) == ("0.35", "6.32")
    assert (found.higher, found.trend) == (False, "slower")


@pytest.mark.parametrize(
    "text",
    [
        # Two years' quarters: not one series.
        "贵州茅台(600519)：2024年第三季度营业总收入同比增长15.6%；"
        "2025年前三季度营业总收入同比增长6.32%。",
        # Two metrics.
        "贵州茅台(600519)：前三季度营业总收入同比增长6.32%；第三季度归母净利润同比增长0.48%。",
        # Levels, not rates.
        "贵州茅台(600519)：前三季度营业总收入1309.04亿元；第三季度营业总收入398.10亿元。",
    ],
)
def test_figures_that_are_not_one_rate_over_two_periods_are_not_compared(text: str) -> None:
    assert comparison(statements(text)) is None


def test_signs_that_differ_get_no_trend_word() -> None:
    text = "国家统计局数据显示，10月份CPI同比上涨0.2%。1-10月，CPI较上年同期下降0.1%。"
    found = comparison(statements(text))
    assert found is not None and found.higher and found.trend == ""


def test_the_opinion_reasons_from_the_comparison_citing_both_figures() -> None:
    brief = Brief("v", "viewpoint", "观点", "2026-12-08", "入门", "热点类话题", "", "")
    brief.sources = [BriefSource(1, 1, "茅台三季报", RESULTS, "甲报", None, None)]
    text = compose(Settings(), brief, "投资有风险。").text
    assert "低于前三季度" in text and "增速放缓" in text
    assert "仍在" not in text  # no trend claimed beyond the figures


def test_two_months_of_opposite_signs_are_a_turn() -> None:
    # 十月/九月 in Chinese numerals, as a Taiwan outlet writes them (real-news-dev rn007).
    found = comparison(statements("中国国家统计局表示，十月CPI年增0.2%，九月为年跌0.3%。"))
    assert found is not None
    assert (found.recent.period, found.earlier.period, found.trend) == ("10月", "9月", "turned_up")


def test_the_interaction_takes_a_story_the_day_has_not_posted() -> None:
    cpi = BriefSource(
        1, 1, "CPI", "国家统计局数据显示，10月份CPI同比上涨0.2%。", "甲报", None, None
    )
    brief = Brief("i", "interaction", "互动", "2026-12-08", "入门", "热点类话题", "", "")
    brief.sources = [cpi, BriefSource(2, 2, "茅台三季报", RESULTS, "乙报", None, None)]
    morning = "1、10月份CPI同比上涨0.2%[1]。"
    text = compose(Settings(), brief, "投资有风险。", day_texts=[morning]).text
    assert "贵州茅台" in text and "CPI" not in text
    alone = compose(Settings(), brief, "投资有风险。").text
    assert "CPI" in alone  # nothing posted yet: the top story
    # Every story posted already: no third telling of the morning's lines (the blind read).
    both = [
        morning,
        "2、贵州茅台前三季度营业总收入为1309.04亿元，同比增长6.32%[2]。",
        "贵州茅台第三季度营业总收入为398.1亿元，同比增长0.35%[2]。",
    ]
    repeated = compose(Settings(), brief, "投资有风险。", day_texts=both)
    assert repeated.text == "" and any("社群互动未起草" in n for n in repeated.notes)


CPI_DAY = (
    "国家统计局数据显示，10月份CPI同比上涨0.2%，环比上涨0.2%。9月份CPI同比下降0.3%。"
    "1-10月，CPI较上年同期下降0.1%。10月份PPI同比下降2.1%。"
)


def test_the_opinion_analyses_the_story_without_repeating_the_morning_line() -> None:
    brief = Brief("v", "viewpoint", "观点", "2026-12-08", "入门", "热点类话题", "", "")
    brief.sources = [BriefSource(1, 1, "10月CPI", CPI_DAY, "甲报", None, None)]
    morning = "1、10月份CPI同比上涨0.2%，环比上涨0.2%[1]。"
    text = compose(Settings(), brief, "投资有风险。", day_texts=[morning]).text
    assert "由降转涨" in text  # 10月 against 9月
    assert "1-10月" in text and "下降0.1%" in text  # the month against its year to date
    assert "PPI" in text and "下降2.1%" in text  # the story's other figure, cited
    assert "环比" not in text  # the morning stated it: not said again
    assert morning[2:] not in text
    # PPI's negative rate is no "回落" (its decline may have narrowed); beside a comparison,
    # the period's signs restated are filler (the second blind read).
    assert "回落" not in text and "正增长" not in text and "负增长" not in text


def test_a_year_to_date_average_keeps_its_word() -> None:
    # The second blind read: 1至10月平均，CPI较上年同期下降0.1% was stated as 1-10月's rate.
    brief = Brief("v", "viewpoint", "观点", "2026-12-08", "入门", "热点类话题", "", "")
    text = CPI_DAY.replace("1-10月，CPI", "1至10月平均，CPI")
    brief.sources = [BriefSource(1, 1, "10月CPI", text, "甲报", None, None)]
    said = compose(Settings(), brief, "投资有风险。", day_texts=["1、10月份CPI同比上涨0.2%[1]。"])
    assert "1-10月平均" in said.text and "下降0.1%" in said.text


def test_an_opinion_that_would_only_repeat_the_morning_line_takes_the_next_story() -> None:
    # The demo day's 观点 was the 早报's line word for word and a sign remark (the blind read).
    brief = Brief("v", "viewpoint", "观点", "2026-12-08", "入门", "热点类话题", "", "")
    bank = BriefSource(
        1,
        1,
        "海川银行：前三季度净利润同比增长24%",
        "海川银行公告称，前三季度实现净利润同比增长24%。",
        "甲报",
        None,
        None,
    )
    brief.sources = [bank, BriefSource(2, 2, "10月CPI", CPI_DAY, "乙报", None, None)]
    morning = "1、海川银行前三季度净利润同比增长24%[1]。"
    text = compose(Settings(), brief, "投资有风险。", day_texts=[morning]).text
    assert "海川银行" not in text and "由降转涨" in text
    nothing = compose(
        Settings(), replace(brief, sources=[bank]), "投资有风险。", day_texts=[morning]
    )
    assert nothing.text == "" and any("观点未起草" in n for n in nothing.notes)


def test_a_fresh_post_leads_neither_with_a_context_figure_nor_one_said_unnamed() -> None:
    # real-news-dev, drafted at the slots' own times: after the 观点 said "高于1-10月平均的同比
    # 下降0.1%", the 互动 led with 1-10月平均CPI同比下降0.1% and the preview with 9月CPI.
    brief = Brief("i", "interaction", "互动", "2026-12-08", "入门", "热点类话题", "", "")
    brief.sources = [BriefSource(1, 1, "10月CPI", CPI_DAY, "甲报", None, None)]
    said = [
        "1、10月份CPI同比上涨0.2%，环比上涨0.2%[1]。",
        "10月份CPI同比上涨0.2%[1]，高于1-10月平均的同比下降0.1%[1]。",
    ]
    text = compose(Settings(), brief, "投资有风险。", day_texts=said).text
    assert "0.1%" not in text and "9月" not in text
    assert "PPI" in text  # the story's one figure no post has stated, and of the latest month


def test_a_period_without_its_year_compares_with_the_same_reports_dated_one() -> None:
    # real-news-dev rn003: "2025年第三季度…同比增长0.35%" and "前三季度…同比增长6.32%" of one report
    # were never compared (one period named its year, the other did not).
    dated = statements(
        "贵州茅台(600519)2025年第三季度营业总收入为398.10亿元，同比增长0.35%；"
        "前三季度营业总收入为1309.04亿元，同比增长6.32%。"
    )
    found = comparison(dated)
    assert found is not None and found.trend == "slower"
    other_years = statements(
        "贵州茅台(600519)2025年第三季度营业总收入同比增长0.35%；2024年第三季度营业总收入同比增长15%。"
    )
    assert comparison(other_years) is None


def test_the_opinion_takes_the_story_it_can_say_most_about() -> None:
    # At 09:00 on the real day the 观点 took CPI (one comparison: thin, "no view") over 茅台,
    # whose reports give a comparison and figures no other post states.
    brief = Brief("v", "viewpoint", "观点", "2026-12-08", "入门", "热点类话题", "", "")
    cpi = "国家统计局数据显示，10月份CPI同比上涨0.2%。1-10月平均，CPI较上年同期下降0.1%。"
    brief.sources = [
        BriefSource(1, 1, "10月CPI", cpi, "甲报", None, None, outlets=5),
        BriefSource(2, 2, "茅台三季报", RESULTS, "乙报", None, None, outlets=4),
    ]
    morning = "1、10月份CPI同比上涨0.2%[1]。"
    text = compose(Settings(), brief, "投资有风险。", day_texts=[morning]).text
    assert "增速放缓" in text and "贵州茅台" in text and "CPI" not in text
