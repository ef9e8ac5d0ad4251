"""The facts of one draft and of its sources, computed once and shared by the checks.

A draft is tagged once (jieba POS tokens with offsets, figure facts); each
source is looked at only for what a sentence citing it needs: whether it
writes a name, and the metric of a figure with a given value
(``text.facts.facts_with_value``), so fifty long sources cost little.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib.resources import files

from newsdesk.checks.units import MARKER, Sentence, sentences
from newsdesk.text.facts import (
    FigureFact,
    Token,
    fact_spans,
    facts_with_value,
    figure_facts,
    is_entity,
    is_fact_token,
    mentions_metric,
    tagged_tokens,
)
from newsdesk.text.normalise import fold
from newsdesk.text.segment import load_stopwords
from newsdesk.text.tickers import TICKER

_CONTENT_FLAGS = ("n", "v", "a", "eng", "j", "l", "i")


def _generic_words() -> frozenset[str]:
    text = (files("newsdesk.text") / "data" / "generic_words.txt").read_text(encoding="utf-8")
    return frozenset(
        word for line in text.splitlines() if not line.startswith("#") for word in line.split()
    )


GENERIC = _generic_words()
# A brief's sources are checked against every draft, revision and edit of the day.
_folded_source = lru_cache(maxsize=512)(fold)
STOPWORDS = load_stopwords()


def unit_key(unit: str) -> str:
    """Units that name the same thing compare equal: 亿元 = 亿, 个百分点 = 百分点."""
    key = unit.lower().removeprefix("个")
    return key[:-1] if key.endswith("元") and "/" not in key and len(key) > 1 else key


def units_agree(one: str, other: str) -> bool:
    """Same unit, or one side writes none (PMI 49.8 / PMI为49.8)."""
    return not one or not other or unit_key(one) == unit_key(other)


@dataclass
class SourceFacts:
    """One source, analysed lazily: only what citing sentences ask about."""

    text: str
    _by_value: dict[str, list[FigureFact]] = field(default_factory=dict)

    @cached_property
    def folded(self) -> str:
        return _folded_source(self.text)

    def facts(self, value: str) -> list[FigureFact]:
        if value not in self._by_value:
            self._by_value[value] = facts_with_value(self.text, value)
        return self._by_value[value]

    def writes(self, term: str) -> bool:
        return fold(term) in self.folded


@dataclass(frozen=True)
class SentenceFacts:
    sentence: Sentence
    bare: str  # the sentence without its citation markers
    figures: list[FigureFact]
    entities: list[str]
    specific: list[str]  # words that can tie it to a source: names, terms, content words
    statement: bool  # it has a predicate of its own (a verb that is not generic glue)


class DraftFacts:
    """A draft's sentences with their figures, names and content words."""

    def __init__(self, draft: str) -> None:
        self.text = draft
        self.sentences = sentences(draft)
        self.tokens = tagged_tokens(draft)
        self.figures = figure_facts(draft)
        self.spans = fact_spans(draft, self.tokens)
        self._starts = [t.start for t in self.tokens]
        self._figure_starts = [f.start for f in self.figures]

    def _within(self, sentence: Sentence) -> list[Token]:
        low = bisect_left(self._starts, sentence.start)
        high = bisect_left(self._starts, sentence.end)
        return [t for t in self.tokens[low:high] if t.end <= sentence.end]

    @cached_property
    def by_sentence(self) -> list[SentenceFacts]:
        out = []
        for sentence in self.sentences:
            tokens = [t for t in self._within(sentence) if not MARKER.fullmatch(t.word)]
            figures = self.figures[
                bisect_left(self._figure_starts, sentence.start) : bisect_left(
                    self._figure_starts, sentence.end
                )
            ]
            if sentence.markers:
                inside = [(m.start, m.end) for m in sentence.markers]
                tokens = [t for t in tokens if not any(a <= t.start < b for a, b in inside)]
            entities = [t.word for t in tokens if is_entity(t)]
            entities += [m.group(1) for m in TICKER.finditer(sentence.text)]
            specific = [
                t.word
                for t in tokens
                if not re.search(r"\d", t.word)
                and t.word not in STOPWORDS
                and t.word not in GENERIC
                and (is_fact_token(t) or (len(t.word) >= 2 and t.flag.startswith(_CONTENT_FLAGS)))
            ]
            statement = any(
                t.flag.startswith("v")
                and t.word not in GENERIC
                and t.word not in STOPWORDS
                and not is_fact_token(t)
                for t in tokens
            )
            bare = MARKER.sub("", sentence.text)
            out.append(
                SentenceFacts(
                    sentence, bare, figures, list(dict.fromkeys(entities)), specific, statement
                )
            )
        return out


def figure_support(
    figure: FigureFact, bare: str, sources: list[SourceFacts]
) -> tuple[bool, str | None]:
    """Whether a cited source states ``figure`` with a metric the sentence names.

    Returns (supported, the metric the sources give this number, if any).
    """
    other_metric = None
    for source in sources:
        for fact in source.facts(figure.value):
            if not units_agree(fact.unit, figure.unit):
                continue
            if mentions_metric(bare, fact.metric):
                return True, None
            other_metric = other_metric or fact.metric
    return False, other_metric
