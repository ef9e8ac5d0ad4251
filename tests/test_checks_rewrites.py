"""Originality on correct human rewrites (issue 22 item 7): restating a source's figures is not
copying it, copying its sentences still is.

A fact-dense rewrite must repeat each figure with its unit, the words that tie it to its metric
(同比增长, 达, 收报) and the metric's head word (零售, 份额); those do not make a copied run.
"""

from __future__ import annotations

from bench.checks_accuracy import real_news_drafts
from newsdesk.checks.originality import check_originality

EARNINGS = (
    "贵州茅台公告称，2025年前三季度公司实现营业收入1,284.60亿元，同比增长16.9%；"
    "实现归属于上市公司股东的净利润608.3亿元，同比增长15.1%。其中第三季度单季营业收入398.2亿元。"
    "公司表示，将继续推进渠道改革。"
)


def test_an_editors_fact_dense_rewrite_is_original() -> None:
    """../shared/data/real-news-dev/drafts/012.txt, a correct rewrite of rn013 (证券之星, 10月车市):
    自主品牌当月零售155万辆，同比增长4%，国内零售份额达68.7%，同比提升3个百分点… restates the
    source's figures in the source's order and words for them; it scored 0.37."""
    (draft,) = [d for d in real_news_drafts() if d.number == 12]
    assert draft.label == "correct"
    result = check_originality(draft.text, draft.sources)
    assert result.passed, (result.ratio, [b.text for b in result.borrowed])


def test_a_fact_sentence_copied_word_for_word_is_still_copied() -> None:
    """Two clauses of figures copied as they stand (25 units in one common stretch) are a copied
    passage, not a restatement, though every word in them states a figure."""
    copied = "实现营业收入1,284.60亿元，同比增长16.9%；实现归属于上市公司股东的净利润608.3亿元[1]。"
    result = check_originality(copied, [EARNINGS])
    assert not result.passed and result.borrowed


def test_restating_the_same_figures_in_other_words_passes() -> None:
    restated = "茅台前三季度营业收入1284.6亿元，同比增长16.9%；归母净利润608.3亿元[1]。"
    assert check_originality(restated, [EARNINGS]).passed
