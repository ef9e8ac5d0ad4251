"""The words that name what a figure measures: the metric before a figure (营业收入 in
营业收入128.64亿元, past the connectors 为/达/同比增长), or the noun right after it (100架意向订单).

Split from ``facts.py``, which reads each figure's whole meaning with these; the originality
check's fact spans ask :func:`is_connector` and :func:`is_noun_token` too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from newsdesk.text.names import stopwords
from newsdesk.text.names import tokens as tokens_of
from newsdesk.text.vocabulary import canonical_metric, term_key, vocabulary

_COMPARISON = frozenset({"较", "比", "相比", "相较", "较之", "对比"})


# Asked of every word before and after every figure: the same few thousand words.
@lru_cache(maxsize=65536)
def is_connector(token: str) -> bool:
    return term_key(token) in vocabulary().connector_set


# A figure's phrase is asked twice when it names no metric (metric_before, then whether a
# metric is inherited): one cut.
@lru_cache(maxsize=16384)
def content_before(phrase: str) -> tuple[str, ...]:
    """The tokens that can name the metric of a figure written after ``phrase``.

    Connectors at the end (为, 约, 同比增长, 净买入 ...) go. In a comparison
    (成交额较上一交易日放量1432亿元) the words after 较/比 name the base of the
    comparison, not the metric: only what stands before 较 remains.
    """
    tokens = tokens_of(phrase)
    marks = [i for i, token in enumerate(tokens) if token in _COMPARISON]
    if marks:
        tokens = tokens[: marks[-1]]
    while tokens and is_connector(tokens[-1]):
        tokens.pop()
    return tuple(tokens)


@lru_cache(maxsize=65536)
def is_noun_token(token: str) -> bool:
    return (
        not is_connector(token)
        and token not in stopwords()
        and bool(re.search(r"[\u4e00-\u9fffA-Za-z]", token))
        and not re.search(r"\d", token)
    )


def _known_at_end(text: str) -> str:
    key = term_key(text)
    canonical = vocabulary().canonical
    for size in range(min(len(key), 16), 1, -1):
        found = canonical.get(key[-size:])
        if found:
            return found
    return ""


@lru_cache(maxsize=16384)
def metric_before(phrase: str) -> str:
    """The metric a phrase ends with: a known name, else its last content words."""
    tokens = content_before(phrase)
    if not tokens:
        return ""
    known = _known_at_end("".join(tokens[-4:]))
    if known:
        return known
    words: list[str] = []
    for token in reversed(tokens):
        if not is_noun_token(token) or sum(map(len, words)) + len(token) > 10:
            break
        words.insert(0, token)
    metric = "".join(words)
    return canonical_metric(metric) if len(metric) >= 2 else ""


@lru_cache(maxsize=16384)
def metric_after(phrase: str) -> str:
    """A metric named right after a figure (100架意向订单): a known name or the first noun."""
    key = term_key(phrase)
    canonical = vocabulary().canonical
    for size in range(min(len(key), 16), 1, -1):
        found = canonical.get(key[:size])
        if found:
            return found
    tokens = tokens_of(phrase)
    if tokens and is_noun_token(tokens[0]) and len(tokens[0]) >= 2:
        return canonical_metric(tokens[0])
    return ""
