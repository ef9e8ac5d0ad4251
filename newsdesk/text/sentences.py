"""Where sentences end: the one rule the checks, the fact reader and the composer share.

A sentence ends at 。！？ (or ! ?), with a closing quotation mark after it, at an
English full stop followed by a space, and at a line break. **Not at ；**: a
semicolon separates clauses of one sentence. Chinese finance writing puts one
period, subject and report on both sides of it (前三季度营收128.64亿元，同比增长
12.3%；净利润40.1亿元，同比增长5%: the 净利润 is 前三季度's too), and a draft
puts one citation marker before the full stop for both halves (A；B[1]。), so
a figure after ； is read, and checked, within the sentence it belongs to.

What a clause reads for its own figure stays in the clause (``own_clause``): the
period it names and the metric a bare figure takes from the figure before it. The
clause before a ； often names another period for a comparison (10月出口下降1.1%，
9月则为增长8.3%；进口增速放缓至1%: the 1% is October's).
"""

from __future__ import annotations

import re

# An English full stop ends a sentence only before whitespace: 12.5 and 0700.HK stay whole.
# (No ``$``: in a search bounded by ``endpos`` it would match at the bound, mid-text.)
SENTENCE_END = re.compile(r"[。！？!?]+[”」』\"]?|\.(?=\s)|\n+")


def sentence_pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, its end mark included, in order; the text
    after the last end mark is the last piece. Pieces cover the text without gaps."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        pieces.append((start, match.end()))
        start = match.end()
    if start < len(text):
        pieces.append((start, len(text)))
    return pieces


def sentence_start(text: str, position: int, low: int = 0) -> int:
    """Where the sentence holding ``position`` starts, looking back no further than ``low``."""
    return last_end(text, low, position) or low


def sentence_stop(text: str, position: int, high: int) -> int:
    """Where the sentence holding ``position`` ends (its end mark included), at most ``high``."""
    found = SENTENCE_END.search(text, position, high)
    return found.end() if found else min(len(text), high)


def last_end(text: str, low: int, high: int) -> int | None:
    """The end of the last sentence end in text[low:high], or None when there is none."""
    end = None
    for match in SENTENCE_END.finditer(text, low, high):
        end = match.end()
    return end


def own_clause(before: str) -> str:
    """The end of ``before`` (a sentence up to a figure) after its last ；: the figure's clause."""
    return before[max(before.rfind("；"), before.rfind(";")) + 1 :]


def separated(text: str, low: int, high: int) -> bool:
    """Whether a sentence end or a ； lies in text[low:high]: nothing read for one figure
    carries over it to the next."""
    return last_end(text, low, high) is not None or own_clause(text[low:high]) != text[low:high]
