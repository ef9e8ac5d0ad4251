"""分别 pairs two figures with two metrics (产销分别完成177.2万辆和171.5万辆) within one
sentence: a 分别 that ends the sentence before says nothing about the next one's figures."""

from __future__ import annotations

from newsdesk.text.facts import figure_facts


def _metrics(text: str) -> list[tuple[str, str]]:
    return [(f.value, f.metric) for f in figure_facts(text, subjects=False)]


# text/facts.py _respectively looked 12 characters back for 分别, across a sentence end.
def test_respectively_in_the_sentence_before_does_not_pair_the_next_figures() -> None:
    sentence = "产销177.2万辆和171.5万辆。"
    # The sentence read alone (as the checks read a draft's sentences and fact_lookup a
    # source's) and read after another sentence ending in 分别… are read the same.
    assert _metrics("两地数据分别公布。" + sentence) == _metrics(sentence)


def test_respectively_in_the_same_sentence_pairs_the_figures() -> None:
    assert _metrics("乘用车产销分别完成177.2万辆和171.5万辆。") == [
        ("177.2", "产量"),
        ("171.5", "销量"),
    ]
