"""Where a text states a value: the figure facts of only the sentences that write it.

The checks look up a draft's few figures in sources of thousands of characters; reading
every sentence of every source (:func:`newsdesk.text.facts.figure_facts`) would cost far
more than reading the few that write the number.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from newsdesk.text.facts import FigureFact, figure_facts
from newsdesk.text.sentences import sentence_start, sentence_stop

_DIGIT_NEAR = re.compile(r"[\d.,]")


def _occurrences(plain: str, value: str) -> list[int]:
    """Where ``value`` is written in ``plain`` as a whole number (1284.6 also as 1,284.60)."""
    spellings = {value}
    whole, dot, fraction = value.partition(".")
    if len(whole) > 3 and whole.isdigit():
        spellings.add(f"{int(whole):,}" + dot + fraction)
    found: list[int] = []
    for spelling in spellings:
        start = plain.find(spelling)
        while start != -1:
            end = start + len(spelling)
            rest = plain[end : end + 8]
            if rest[:1] == "." or dot:  # 6.2 also as 6.20, 50 also as 50.0
                rest = rest.removeprefix(".").lstrip("0") if rest[:1] == "." else rest.lstrip("0")
            before_ok = start == 0 or not _DIGIT_NEAR.match(plain[start - 1])
            after_ok = not rest or not (
                rest[0].isdigit() or rest[0] in ".," and rest[1:2].isdigit()
            )
            if before_ok and after_ok:
                found.append(start)
            start = plain.find(spelling, end)
    return sorted(found)


@lru_cache(maxsize=8192)
def _sentence_facts(sentence: str) -> tuple[FigureFact, ...]:
    return tuple(figure_facts(sentence, subjects=False))


def facts_with_value(text: str, value: str) -> list[FigureFact]:
    """The figure facts of ``text`` whose value is ``value``, with offsets in ``text``.

    Same answer as filtering :func:`figure_facts`, but only the sentences that
    write the number are analysed: the checks look up a draft's few figures in
    sources of thousands of characters.
    """
    plain = text
    out: list[FigureFact] = []
    for position in _occurrences(plain, value):
        low = sentence_start(plain, position, max(0, position - 400))
        high = sentence_stop(plain, position, position + 400)
        for fact in _sentence_facts(text[low:high]):
            if fact.start <= position - low < fact.end and fact.value == value:
                out.append(replace(fact, start=fact.start + low, end=fact.end + low))
    return out
