"""Specific names versus generic words, from document frequencies.

A topic's label must name something an editor would (贵州茅台, 寒武纪, CPI,
海关总署), never a word every article uses (市场, 中国, 公司, 规模). The
judge is how rare a word is across documents: jieba's IDF table (``idf.txt``,
computed by jieba over a large general corpus) gives the prior, and a desk's
own history adds to it: a word in more than ``label_max_share`` of the desk's
recent stories is generic for that desk whatever its general rarity (a
finance desk's 板块, 股价, 收盘). Words the table does not list (a new
company's name, CPI, IPO, but also the report jargon 营收, 三季报,
归母净利润) get ``label_min_idf``: specific enough to name a topic, never more
than a name the table knows (jieba's own keyword extraction gives them the
median, 11.95, which would put 营收 above 茅台 at 7.4).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from importlib.resources import files

from newsdesk.config import TopicSettings


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


class Specificity:
    """How specific a term is: jieba's IDF, then the desk's history as a veto on common words."""

    def __init__(
        self, settings: TopicSettings, history: Counter[str] | None = None, stories: int = 0
    ) -> None:
        self._table = idf_table()
        self._min_idf = settings.label_min_idf
        self._max_share = settings.label_max_share
        # A short history says little about what is common: only a long one can veto a word.
        self._history = history if history and stories >= settings.history_min_stories else None
        self._stories = stories

    @property
    def has_history(self) -> bool:
        return self._history is not None

    def weight(self, term: str) -> float:
        """The term's IDF in jieba's table, ``label_min_idf`` when absent."""
        return self._table.get(term, self._min_idf)

    def is_specific(self, term: str) -> bool:
        if self.weight(term) < self._min_idf:
            return False
        if self._history is None:
            return True
        return self._history.get(term, 0) <= self._max_share * self._stories
