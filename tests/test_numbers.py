"""One form of numbers and one script: what facts, checks, topics and drafting all read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from newsdesk.text.facts import FigureFact, figure_facts, same_figure
from newsdesk.text.normalise import check_form, desk_text
from newsdesk.text.numbers import amount, normalise_numbers


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("３６﹒９億千瓦", "36.9億千瓦"),  # full-width digits, a small full stop
        ("增长36\n.9%", "增长36.9%"),  # a number broken across lines
        ("增长36.\n9%", "增长36.9%"),
        ("市場預期為 425 億元", "市場預期為425億元"),  # the spaces round a number
        (
            "2025 年 10 月 8日,现货黄金以 4041.65 美元 / 盎司收盘",
            "2025年10月8日,现货黄金以4041.65美元/盎司收盘",
        ),
        ("社零总额4兆6,291億元", "社零总额46291亿元"),  # Taiwan's 兆 compound, in 亿
        ("贸易顺差900億7420萬美元", "贸易顺差900.742亿美元"),
        ("2万亿元", "2万亿元"),
        ("装机2兆瓦", "装机2兆瓦"),  # 兆瓦 is a megawatt, not 万亿
        ("上涨〇．二％", "上涨0.2%"),  # Chinese digits
        ("2025年\n3月", "2025年\n3月"),  # a year and a month are not one number
        ("1至10月平均", "1-10月平均"),  # a run of months, its 月 once (was 1-10月月平均)
        ("1～10月份", "1-10月份"),
    ],
)
def test_numbers_have_one_spelling(raw: str, plain: str) -> None:
    assert normalise_numbers(raw) == plain


def test_desk_text_converts_script_by_phrase_and_keeps_punctuation() -> None:
    text = "國家統計局數據分別為２.９％，新能源汽車出口超７００萬輛。"
    assert desk_text(text) == "国家统计局数据分别为2.9%，新能源汽车出口超700万辆。"
    assert desk_text(text, "keep") == "國家統計局數據分別為2.9%，新能源汽車出口超700萬輛。"
    assert desk_text("国家统计局数据", "traditional") == "國家統計局數據"
    # A simplified text is left alone: 乾 is a simplified character too (乾坤).
    assert desk_text("乾坤未定，营收增长3%") == "乾坤未定，营收增长3%"
    with pytest.raises(ValueError, match="script"):
        desk_text("x", "latin")


def test_amounts_compare_across_scales() -> None:
    assert amount("2", "万亿元") == (Decimal(2) * 10**12, "元")
    two = FigureFact("2", "万亿元", "", 0, 0)
    assert same_figure(two, FigureFact("20000", "亿元", "", 0, 0))
    assert same_figure(two, FigureFact("2", "万亿", "", 0, 0))  # 元 left out
    assert not same_figure(two, FigureFact("2", "万亿美元", "", 0, 0))
    (fact,) = figure_facts(check_form("成交２萬億"))
    assert same_figure(fact, two)


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier", "kind", "direction"),
    [
        ("汽车出口超700万辆", "700", "万辆", "超", "actual", ""),
        ("募集资金不超过45亿元", "45", "亿元", "不超过", "actual", ""),
        ("累计超过2100亿元", "2100", "亿元", "累计超过", "actual", ""),
        ("主力合约收于3150元/吨", "3150", "元/吨", "", "actual", ""),  # 合约 is no hedge
        ("营收低于市场预期的425亿元", "425", "亿元", "", "forecast", ""),
        ("德勤预计，明年港股集资2863亿港元", "2863", "亿港元", "", "forecast", ""),
        ("恒指盘中高见2804点", "2804", "点", "", "intraday", ""),
        ("中国10月出口年降1.1%", "1.1", "%", "", "actual", "down"),
        ("北水净流入约34.5亿元", "34.5", "亿元", "约", "actual", "up"),
        ("金价突破4000美元关口", "4000", "美元", "突破", "threshold", ""),
    ],
)
def test_a_fact_carries_its_whole_meaning(
    text: str, value: str, unit: str, qualifier: str, kind: str, direction: str
) -> None:
    (fact,) = figure_facts(check_form(text))
    assert (fact.value, fact.unit, fact.qualifier, fact.kind, fact.direction) == (
        value,
        unit,
        qualifier,
        kind,
        direction,
    )


def test_a_part_of_a_total_is_marked_and_a_year_is_the_period() -> None:
    text = check_form(
        "1-10月份，社會消費品零售總額人民幣41兆2,169億元，增長4.3%，"
        "除汽車以外的消費品零售額人民幣37兆2,160億元，增長4.9%。"
    )
    total, growth, part, part_growth = figure_facts(text)
    assert (total.value, total.unit, total.parts, growth.parts) == ("412169", "亿元", (), ())
    assert part.parts == part_growth.parts == ("除汽车以外",)
    assert part_growth.period == "1-10月份" and part_growth.value == "4.9"


def test_months_in_chinese_numerals_are_written_in_digits() -> None:
    from newsdesk.text.numbers import normalise_numbers

    assert normalise_numbers("十月CPI年增0.2%，九月为年跌0.3%") == "10月CPI年增0.2%，9月为年跌0.3%"
    assert normalise_numbers("十二月、十一月份") == "12月、11月份"
    assert normalise_numbers("三十一日，星期一，第一月") == "三十一日，星期一，第一月"
