"""The facts of one draft and of its sources, computed once and shared by the checks.

A draft is tagged once (jieba POS tokens with offsets); its figures are read
sentence by sentence from the sentence in the checks' form (one form of
numbers, simplified characters: ``check_form``). Each source is put in that
form once and looked at only for what a sentence citing it needs: whether it
writes a name, and its figure facts with a given value
(``text.fact_lookup.facts_with_value``), so fifty long sources cost little.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib.resources import files

from newsdesk.checks.fidelity import Finding, Mention, hedged_match, judge, spellings
from newsdesk.checks.units import MARKER, Sentence, sentences
from newsdesk.text.fact_lookup import facts_with_value
from newsdesk.text.facts import (
    FigureFact,
    Token,
    fact_spans,
    figure_facts,
    is_entity,
    is_fact_token,
    tagged_tokens,
)
from newsdesk.text.normalise import check_form, fold
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
# The names and words a sentence is looked up by: each is asked of every cited source.
_folded_term = lru_cache(maxsize=65536)(fold)
STOPWORDS = load_stopwords()


@dataclass
class SourceFacts:
    """One source, analysed lazily: only what citing sentences ask about.

    ``SourceFacts.of(text)`` keeps one per source text, so a slot's sources are
    indexed once for every draft, revision and edit that cites them (the warm path).
    """

    text: str
    _by_value: dict[str, list[FigureFact]] = field(default_factory=dict)

    @staticmethod
    @lru_cache(maxsize=512)
    def of(text: str) -> SourceFacts:
        return SourceFacts(text)

    @cached_property
    def folded(self) -> str:
        return _folded_source(self.text)

    @cached_property
    def form(self) -> str:
        return check_form(self.text)

    def facts(self, value: str) -> list[FigureFact]:
        if value not in self._by_value:
            self._by_value[value] = facts_with_value(self.form, value)
        return self._by_value[value]

    @cached_property
    def all_facts(self) -> list[FigureFact]:
        """Every figure of the source: only asked for when a draft rounds under a hedge."""
        return figure_facts(self.form, subjects=False)

    def span(self, fact: FigureFact) -> str:
        """The source's words for a fact: its clause, as far back as the sentence allows."""
        low = max(
            (self.form.rfind(mark, max(0, fact.start - 40), fact.start) for mark in _SPAN_MARKS),
            default=-1,
        )
        return self.form[max(low + 1, fact.start - 40) : fact.end].strip()

    def writes(self, term: str) -> bool:
        return _folded_term(term) in self.folded


_SPAN_MARKS = ("。", "；", ";", "，", ",", "\n")


@dataclass(frozen=True)
class SentenceFacts:
    sentence: Sentence
    bare: str  # the sentence without its citation markers
    form: str  # ``bare`` in the checks' form: figures and their offsets refer to it
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
        self.spans = fact_spans(draft, self.tokens)
        self._starts = [t.start for t in self.tokens]

    def _within(self, sentence: Sentence) -> list[Token]:
        low = bisect_left(self._starts, sentence.start)
        high = bisect_left(self._starts, sentence.end)
        return [t for t in self.tokens[low:high] if t.end <= sentence.end]

    @cached_property
    def by_sentence(self) -> list[SentenceFacts]:
        out = []
        for sentence in self.sentences:
            tokens = [t for t in self._within(sentence) if not MARKER.fullmatch(t.word)]
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
            form = check_form(bare)
            figures = [f for f in figure_facts(form, subjects=False) if not _is_year(f)]
            out.append(
                SentenceFacts(
                    sentence,
                    bare,
                    form,
                    figures,
                    list(dict.fromkeys(entities)),
                    specific,
                    statement,
                )
            )
        return out


def _is_year(figure: FigureFact) -> bool:
    """A bare four-digit year-like number (2025) is a date, not a figure."""
    return not figure.unit and figure.value.isdigit() and 1900 <= int(figure.value) <= 2100


def figure_finding(
    figure: FigureFact, facts: SentenceFacts, sources: list[SourceFacts]
) -> Finding | None:
    """None when a cited source states ``figure`` with its meaning, else what is wrong."""
    mentions = [
        Mention(fact, source.span(fact), at)
        for at, source in enumerate(sources)
        for value in spellings(figure)
        for fact in source.facts(value)
    ]
    if figure.qualifier:
        mentions += [
            Mention(fact, source.span(fact), at)
            for at, source in enumerate(sources)
            for fact in source.all_facts
            if hedged_match(figure, fact)
        ]
    same_value = [
        Mention(fact, source.span(fact), at)
        for at, source in enumerate(sources)
        for fact in source.facts(figure.value)
    ]
    clause_low = max(facts.form.rfind(mark, 0, figure.start) for mark in _SPAN_MARKS)
    clause = facts.form[clause_low + 1 : figure.start]
    return judge(figure, facts.form, clause, mentions, same_value)
