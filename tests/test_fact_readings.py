"""Fact-model readings found wrong on real-news-dev (rn004: a research summary's bullet list)."""

from __future__ import annotations

from newsdesk.text.facts import figure_facts


def test_a_figures_direction_is_not_the_verb_of_the_figure_before_it() -> None:
    text = (
        "2025年前三季度营业总收入为1309.04亿元,同比增长6.32% [2][4] - "
        "2025年第三季度营业总收入为398.10亿元,同比增长0.35%"
    )
    directions = {f.value: f.direction for f in figure_facts(text)}
    assert directions == {"1309.04": "", "6.32": "up", "398.1": "", "0.35": "up"}


def test_two_metrics_given_respectively_get_one_figure_each() -> None:
    text = "10月份，新能源汽车产销分别完成177.2万辆和171.5万辆，同比分别增长21.1%和20%。"
    read = [(f.metric, f.value, f.sure) for f in figure_facts(text)[:2]]
    assert read == [("产量", "177.2", True), ("销量", "171.5", True)]
