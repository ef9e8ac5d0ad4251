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
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from importlib.resources import files

from newsdesk.checks.fidelity import Finding, Mention, hedged_match, judge, spellings
from newsdesk.checks.recent import Recent
from newsdesk.checks.units import MARKER, Sentence, sentences
from newsdesk.text.fact_lookup import facts_with_value
from newsdesk.text.facts import (
    FigureFact,
    Token,
    bare_figures,
    fact_spans,
    figure_amounts,
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
class Reading:
    """What one sentence says, whatever draft it stands in: read once per sentence text.

    Whether it states a figure is asked of every sentence; whether it makes a statement
    only of one without figures (substance's filler test); its figures' meanings, names and
    specific words only of a sentence that cites a source. Each is read the first time it
    is asked, the sentence's tokens too: a draft's stretch is tagged only when a sentence in
    it or a copied run over it needs its words (a sentence with figures that no source
    states needs none).
    """

    text: str
    bare: str  # the sentence without its citation markers
    form: str  # ``bare`` in the checks' form: figures and their offsets refer to it
    has_figures: bool
    # The sentence's tokens, offsets within ``text``: a pure function of the text, tagged
    # when first asked.
    tagged: Callable[[], tuple[Token, ...]] = field(compare=False, repr=False)

    @cached_property
    def words(self) -> tuple[Token, ...]:
        """The sentence's tokens outside its citation markers."""
        if self.bare == self.text:  # no marker: every token (most sentences of a draft)
            return self.tagged()
        inside = {at for m in MARKER.finditer(self.text) for at in range(m.start(), m.end())}
        return tuple(
            [
                t
                for t in self.tagged()
                if t.start not in inside
                and (t.word[0] not in "[【" or not MARKER.fullmatch(t.word))
            ]
        )

    @cached_property
    def statement(self) -> bool:
        """It has a predicate of its own (a verb that is not generic glue)."""
        return any(_is_predicate(t.word, t.flag) for t in self.words)

    @cached_property
    def figures(self) -> tuple[FigureFact, ...]:
        return tuple(f for f in figure_facts(self.form, subjects=False) if not _is_year(f))

    @cached_property
    def amounts(self) -> tuple[FigureFact, ...]:
        """``figures`` with their amounts and qualifiers only, in the same order: a figure
        that no cited source states needs no more."""
        return tuple(f for f in bare_figures(self.form) if not _is_year(f))

    @cached_property
    def entities(self) -> tuple[str, ...]:
        found = [t.word for t in self.words if is_entity(t)]
        found += [m.group(1) for m in TICKER.finditer(self.text)]
        return tuple(dict.fromkeys(found))

    @cached_property
    def specific(self) -> tuple[str, ...]:
        """Words that can tie it to a source: names, terms, content words."""
        return tuple(t.word for t in self.words if _is_specific(t.word, t.flag))


@dataclass(frozen=True)
class SentenceFacts:
    sentence: Sentence
    reading: Reading

    @property
    def bare(self) -> str:
        return self.reading.bare

    @property
    def form(self) -> str:
        return self.reading.form

    @property
    def figures(self) -> tuple[FigureFact, ...]:
        return self.reading.figures

    @property
    def amounts(self) -> tuple[FigureFact, ...]:
        return self.reading.amounts

    @property
    def has_figures(self) -> bool:
        return self.reading.has_figures

    @property
    def entities(self) -> tuple[str, ...]:
        return self.reading.entities

    @property
    def specific(self) -> tuple[str, ...]:
        return self.reading.specific

    @property
    def statement(self) -> bool:
        return self.reading.statement


# A stretch of a draft up to and including a sentence end mark (。！？!?, a closing quote after
# it). jieba's blocks, the figure patterns and a figure's clause never run across such a mark,
# so tokens and fact spans read stretch by stretch are those of the whole draft (a test pins
# it). A line break is no such place: 5\n亿元 is one figure.
_STRETCH = re.compile(r".*?(?:[。！？!?]+[”」』\"]?|\Z)", re.DOTALL)


@lru_cache(maxsize=4096)
def _stretch(text: str) -> tuple[Token, ...]:
    """jieba POS tokens of one stretch: a revision or a later draft of the slot repeats most
    of the stretches of the one before, each read once."""
    return tuple(tagged_tokens(text))


@lru_cache(maxsize=4096)
def _stretch_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Fact spans of one stretch (within it): asked only where a copied run may lie."""
    return tuple(fact_spans(text, list(_stretch(text))))


def stretches(draft: str) -> list[tuple[int, str]]:
    """(offset, text) of the draft's stretches, covering it without gaps."""
    return [(m.start(), m.group(0)) for m in _STRETCH.finditer(draft) if m.group(0)]


def _reading(text: str, tokens: tuple[Token, ...] | Callable[[], tuple[Token, ...]]) -> Reading:
    """``tokens``: the sentence's own, offsets within ``text`` (or what tags them when asked)."""
    bare = MARKER.sub("", text)
    form = check_form(bare)
    has_figures = any(not _is_year_amount(value, unit) for value, unit in figure_amounts(form))
    return Reading(text, bare, form, has_figures, tokens if callable(tokens) else lambda: tokens)


_DIGIT = re.compile(r"\d")


# Asked of every token of every new sentence: the same few thousand words, decided once.
@lru_cache(maxsize=65536)
def _is_specific(word: str, flag: str) -> bool:
    """A word that can tie a sentence to a source: a name, a term, a content word."""
    token = Token(word, flag, 0, len(word))
    return (
        not _DIGIT.search(word)
        and word not in STOPWORDS
        and word not in GENERIC
        and (is_fact_token(token) or (len(word) >= 2 and flag.startswith(_CONTENT_FLAGS)))
    )


@lru_cache(maxsize=65536)
def _is_predicate(word: str, flag: str) -> bool:
    """A verb that makes a statement: not generic glue (值得关注), not a fact word."""
    return (
        flag.startswith("v")
        and word not in GENERIC
        and word not in STOPWORDS
        and not is_fact_token(Token(word, flag, 0, len(word)))
    )


# Sentences of the day's drafts, their revisions and edits.
_READ: Recent[str, Reading] = Recent(8192)


class DraftFacts:
    """A draft's sentences with their figures, names and content words.

    Read stretch by stretch and sentence by sentence, each cached by its text: a slot's
    revisions and edits change a sentence or two of the draft before.
    """

    def __init__(self, draft: str) -> None:
        self.text = draft
        self.sentences = sentences(draft)
        self._stretches = stretches(draft)  # tagged when a check asks for their words
        self._offsets = [offset for offset, _ in self._stretches]

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Offsets of the draft's figures, names, finance terms, dates and codes
        (``text.facts.fact_spans``)."""
        return self.spans_within([(0, len(self.text))])

    def spans_within(self, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The fact spans of the stretches that meet any [start, end) of ``ranges``: all
        that cover a character there (a stretch's spans lie within it)."""
        wanted: set[int] = set()
        for low, high in ranges:
            at = max(0, bisect_right(self._offsets, low) - 1)
            while at < len(self._offsets) and self._offsets[at] < high:
                wanted.add(at)
                at += 1
        return [
            (offset + start, offset + end)
            for offset, text in (self._stretches[at] for at in sorted(wanted))
            for start, end in _stretch_spans(text)
        ]

    def _within(self, sentence: Sentence) -> Callable[[], tuple[Token, ...]]:
        """What tags the sentence: its stretches, tagged when its words are first asked."""
        at = max(0, bisect_right(self._offsets, sentence.start) - 1)
        upto = bisect_left(self._offsets, sentence.end, at)
        return partial(
            _tokens_within, tuple(self._stretches[at:upto]), sentence.start, sentence.end
        )

    @cached_property
    def by_sentence(self) -> list[SentenceFacts]:
        out = []
        for sentence in self.sentences:
            reading = _READ.get(sentence.text)
            if reading is None:
                reading = _reading(sentence.text, self._within(sentence))
                _READ.put(sentence.text, reading)
            out.append(SentenceFacts(sentence, reading))
        return out


def _tokens_within(around: tuple[tuple[int, str], ...], start: int, end: int) -> tuple[Token, ...]:
    """The tokens of the sentence at [start, end) of a draft, offsets relative to its start,
    from the draft's stretches ``around`` it (the first one holds its start)."""
    size = end - start
    offset, text = around[0]
    tokens = _stretch(text)
    if offset == start and (not tokens or tokens[-1].end <= size) and len(around) == 1:
        return tokens  # the stretch is the sentence (most are): its tokens as they are
    out: list[Token] = []
    for offset, text in around:
        shift = offset - start
        for token in _stretch(text):
            low, high = token.start + shift, token.end + shift
            if low >= 0 and high <= size:
                out.append(Token(token.word, token.flag, low, high))
    return tuple(out)


def _is_year(figure: FigureFact) -> bool:
    return _is_year_amount(figure.value, figure.unit)


def _is_year_amount(value: str, unit: str) -> bool:
    """A bare four-digit year-like number (2025) is a date, not a figure."""
    return not unit and value.isdigit() and 1900 <= int(value) <= 2100


def figure_finding(at: int, facts: SentenceFacts, sources: list[SourceFacts]) -> Finding | None:
    """None when a cited source states the sentence's figure ``at`` with its meaning, else
    what is wrong. What the figure means is read only when a cited source writes its amount
    (or one it rounds): a figure no cited source states is ``not_in_source`` whatever it
    means, and the source facts it is compared with depend on its amount alone."""
    amount = facts.amounts[at]
    mentions = [
        Mention(fact, source.span(fact), place)
        for place, source in enumerate(sources)
        for value in spellings(amount)
        for fact in source.facts(value)
    ]
    if amount.qualifier:
        mentions += [
            Mention(fact, source.span(fact), place)
            for place, source in enumerate(sources)
            for fact in source.all_facts
            if hedged_match(amount, fact)
        ]
    same_value = [
        Mention(fact, source.span(fact), place)
        for place, source in enumerate(sources)
        for fact in source.facts(amount.value)
    ]
    if not mentions and not same_value:
        return judge(amount, facts.form, "", mentions, same_value)
    figure = facts.figures[at]
    clause_low = max(facts.form.rfind(mark, 0, figure.start) for mark in _SPAN_MARKS)
    clause = facts.form[clause_low + 1 : figure.start]
    return judge(figure, facts.form, clause, mentions, same_value)
