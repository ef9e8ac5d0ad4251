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
