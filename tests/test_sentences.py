"""One sentence rule (issue 25 item 4): the checks and the fact reader split text alike, and
； joins two clauses of one sentence."""

from __future__ import annotations

import pytest

from newsdesk.checks.units import sentences
from newsdesk.text.fact_lookup import facts_with_value
from newsdesk.text.facts import figure_facts
from newsdesk.text.sentences import sentence_start

TEXTS = [
    "宁德时代前三季度营收2830亿元；净利润490亿元[1]。公司表示，海外订单增长。",
    "海关总署数据显示，10月出口同比下降1.1%，9月则为增长8.3%；进口增速放缓至1%[1]。",
    "指数收报25630点！成交额1190亿元？\n北向资金净流入12.5亿元. Volume rose 3%.",
    "「营收1309亿元。」公司称；利润646亿元[1][2]。",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_checks_and_the_fact_reader_see_the_same_sentences(text: str) -> None:
    checked = sentences(text)
    for fact in figure_facts(text):
        holding = [s for s in checked if s.start <= fact.start < s.end]
        assert len(holding) == 1
        # the same start, up to the blank the checks trim
        assert text[sentence_start(text, fact.start) : holding[0].start].strip() == ""


def test_a_semicolon_joins_two_clauses_of_one_sentence() -> None:
    """The company named before ； is the subject of the figures after it, as the draft's
    one citation marker covers both halves (the fact reader used to start a new sentence)."""
    text = "宁德时代前三季度营收2830亿元；净利润490亿元[1]。"
    assert len(sentences(text)) == 1
    profit = figure_facts(text)[1]
    assert (profit.value, profit.subject) == ("490", "宁德")
    assert [f.start for f in facts_with_value(text, "490")] == [profit.start]


def test_what_a_clause_reads_for_its_figure_stays_in_the_clause() -> None:
    """A period or forecast cue before ； is not the next clause's. The first sentence is from
    an editor's correct rewrite (real-news-dev drafts/009.txt): its 1% is October's, not
    September's, and must not be flagged period_changed against 10月进口增速…放缓至1%."""
    draft = (
        "海关总署数据显示，按美元计，10月出口同比下降1.1%，9月则为增长8.3%；进口增速放缓至1%[1]。"
    )
    imports = figure_facts(draft)[-1]
    assert (imports.value, imports.period) == ("1", "")
    beat = figure_facts("公司营收100亿元，好于市场预期；净利润20亿元。")[1]
    assert (beat.value, beat.kind) == ("20", "actual")
