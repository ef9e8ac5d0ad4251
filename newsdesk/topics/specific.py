"""Specific names versus generic words, from document frequencies.

A topic's label must name something an editor would (贵州茅台, 寒武纪, CPI,
海关总署), never a word every article uses (市场, 中国, 公司, 规模). The
judge is how rare a word is across documents: jieba's IDF table (``idf.txt``,
computed by jieba over a large general corpus) gives the prior, and a desk's
own history adds to it: a word in more than ``label_max_share`` of the desk's
recent stories is generic for that desk whatever its general rarity (a
finance desk's 板块, 股价, 收盘). Words the table does not list (a new
company's name, CPI, IPO, but also the report jargon 营收, 三季报,
归母净利润 of the finance dictionary) get ``label_min_idf``: specific enough
to name a topic, never more than a name the table knows (jieba's own keyword
extraction gives them the median, 11.95, which would put 营收 above 茅台 at 7.4).
The desk's dictionaries name sectors, commodities and concepts (黄金, 银行,
人民币): those are names whatever the general corpus says, down to ``label_min_idf``.
The table lists no Latin words at all, so it says nothing about them: an
abbreviation in capitals (CPI, PPI, IPO, MLF) names an index, a policy
tool or a kind of deal and gets the median.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from newsdesk.config import TopicSettings

_ABBREVIATION = re.compile(r"^[A-Z]{2,6}$")
# jieba's tags of proper names: people, places, organisations, other names (companies, brands).
PROPER = frozenset({"nr", "ns", "nt", "nz", "nrt", "nrfg"})


@cache
def idf_table() -> dict[str, float]:
    """jieba's IDF table (word -> IDF), read once per process."""
    text = (files("jieba") / "analyse" / "idf.txt").read_text(encoding="utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    return table


@cache
def median_idf() -> float:
    values = sorted(idf_table().values())
    return values[len(values) // 2]


class Specificity:
    """How specific a term is: jieba's IDF, then the desk's history as a veto on common words."""

    def __init__(
        self,
        settings: TopicSettings,
        tag: Callable[[str], str],
        history: Counter[str] | None = None,
        stories: int = 0,
        known: Callable[[str], bool] = lambda _: False,
    ) -> None:
        self._table = idf_table()
        self._median = median_idf()
        self._tag = tag
        self._known = known
        self._min_idf = settings.label_min_idf
        self._max_share = settings.label_max_share
        # A short history says little about what is common: only a long one can veto a word.
        self._history = history if history and stories >= settings.history_min_stories else None
        self._stories = stories
        # Each term's verdicts, decided once: detection asks about the same few thousand terms
        # for every story that carries them.
        self._weights: dict[str, float] = {}
        self._specific: dict[str, bool] = {}

    @property
    def has_history(self) -> bool:
        return self._history is not None

    def weight(self, term: str) -> float:
        """The term's IDF in jieba's table; absent, the median for an abbreviation in capitals,
        ``label_min_idf`` for another word. A word of the desk's dictionaries (a sector, a
        commodity, a concept: 黄金, 银行) is a name however common the general corpus finds it:
        at least ``label_min_idf``; the desk's own history still vetoes it when it is common
        there (``is_specific``)."""
        found = self._weights.get(term)
        if found is None:
            listed = self._table.get(term)
            if listed is not None:
                found = max(listed, self._min_idf) if self._known(term) else listed
            else:
                found = self._median if self.is_abbreviation(term) else self._min_idf
            self._weights[term] = found
        return found

    @staticmethod
    def is_abbreviation(term: str) -> bool:
        return bool(_ABBREVIATION.match(term))

    def is_name(self, term: str) -> bool:
        """A proper name by jieba's part-of-speech tag (华曜, 国家统计局, 万科)."""
        return self._tag(term) in PROPER

    def is_specific(self, term: str) -> bool:
        found = self._specific.get(term)
        if found is None:
            found = self._specific[term] = self.weight(term) >= self._min_idf and (
                self._history is None
                or self._history.get(term, 0) <= self._max_share * self._stories
            )
        return found
