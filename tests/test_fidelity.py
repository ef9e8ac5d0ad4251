"""Each contradiction a figure can have with its source is named, and correct restatements pass.

Judged on real writing: the editor drafts of ../shared/data/real-news-dev (tuned part) and
small constructed cases for each problem kind.
"""

from __future__ import annotations

import pytest

from bench.checks_accuracy import HELDOUT_FROM, real_news_drafts, real_verdict
from newsdesk.checks.citations import check_citations
from newsdesk.checks.consistency import check_consistency
from newsdesk.config import Settings

SOURCE = (
    "大陸10月出口年降1.1%，路透預測成長3%。主板成交近1190億元，北水淨流入約34.5億元。"
    "恒指盤中高見2804點，收報2765點。市場預期營收為425億元。"
    "10月份，社會消費品零售總額4兆6,291億元，除汽車以外的消費品零售額增長4.0%。"
    "PPI降幅比上月收窄0.2個百分點，萬科營收1613.9億元。"
)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("10月出口同比增长1.1%[1]。", "direction_flipped"),
        ("主板成交超1190亿元[1]。", "qualifier_changed"),
        ("恒指收报2804点[1]。", "intraday_as_close"),
        ("营收达425亿元[1]。", "forecast_as_actual"),
        ("10月社零总额增长4.0%[1]。", "wrong_subject_or_metric"),
        ("PPI降幅较上月收窄0.2%[1]。", "percent_vs_points"),
        ("万科营收1613.9[1]。", "unit_changed"),
        ("北水净流入56.5亿元[1]。", "not_in_source"),
    ],
)
def test_each_contradiction_has_its_kind_and_source_span(sentence: str, kind: str) -> None:
    (problem,) = check_citations(sentence, [SOURCE]).problems
    assert problem.kind == kind
    if kind != "not_in_source":
        assert problem.source_span and problem.source == 1


CORE = "10月份，CPI同比上涨0.2%，扣除食品和能源价格的核心CPI同比上涨1.2%，涨幅连续第6个月扩大。"


def test_a_core_rate_stated_as_the_headline_rate_is_the_wrong_metric() -> None:
    # real-news-dev rn005/rn006: 核心CPI 1.2% as "CPI同比上涨1.2%" passed, a wrong figure.
    (problem,) = check_citations("10月CPI同比上涨1.2%[1]。", [CORE]).problems
    assert problem.kind == "wrong_subject_or_metric" and "核心" in problem.detail
    for right in ("10月核心CPI同比上涨1.2%[1]。", "10月CPI同比上涨0.2%[1]。"):
        assert check_citations(right, [CORE]).passed, right


@pytest.mark.parametrize(
    "sentence",
    [
        "10月出口同比下降1.1%，不及路透预测的增长3%[1]。",  # metric words differ: fine
        "主板成交近1190亿元，北水净流入约34.5亿元[1]。",
        "恒指盘中最高2804点，收报2765点[1]。",
        "营收低于市场预期的425亿元[1]。",
        "10月社会消费品零售总额46291亿元[1]。",  # 4兆6,291億 in the source
        "社零总额约4.63万亿元[1]。",  # rounded under a hedge, another scale
        "除汽车以外的消费品零售额增长4.0%[1]。",
        "万科营收1613.9亿元[1]。",
    ],
)
def test_correct_restatements_pass(sentence: str) -> None:
    result = check_citations(sentence, [SOURCE])
    assert result.problems == [] and result.passed


def test_years_dates_and_a_headline_need_no_citation() -> None:
    draft = "2025年港股收官\n2025年12月31日，恒指收报2765点[1]。"
    assert check_citations(draft, [SOURCE]).problems == []


@pytest.mark.parametrize(
    "draft",
    [d for d in real_news_drafts() if d.number < HELDOUT_FROM],
    ids=lambda d: f"{d.number:03d}",
)
def test_editor_drafts_of_real_news(draft) -> None:  # noqa: ANN001 - bench's RealDraft
    right, said = real_verdict(draft, Settings())
    assert right, said


def test_script_joins_and_the_days_drafts_agree() -> None:
    morning = "贵州茅台前三季度营业收入1309.04亿元[1]。"
    problems = check_consistency(
        "國內生產總值分別為为5%[1]。新能源汽车新能源汽车出口超700万辆[1]。"
        "贵州茅台前三季度营业收入1284.54亿元[1]。",
        "simplified",
        [("早报", morning)],
    ).problems
    kinds = [p.kind for p in problems]
    assert kinds.count("traditional_script") == 1 and kinds.count("broken_join") == 2
    (other,) = [p for p in problems if p.kind == "contradicts_draft"]
    assert "早报" in other.detail and "1309.04亿元" in other.detail
    assert check_consistency("國內生產總值", "keep").passed


def test_a_cumulative_figure_stated_as_one_months_is_caught() -> None:
    source = "10月新能源汽車銷量145.9萬輛。今年1至10月，新能源汽車出口201.4萬輛。"
    (problem,) = check_citations(
        "新能源汽车10月销量为145.9万辆，出口为201.4万辆[1]。", [source]
    ).problems
    assert problem.kind == "period_changed" and "1-10月" in problem.detail
    right = check_citations("新能源汽车10月销量145.9万辆，1-10月出口201.4万辆[1]。", [source])
    assert right.problems == []
