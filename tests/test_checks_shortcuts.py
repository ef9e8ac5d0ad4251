"""Shortcuts in the checks' hot paths give what the plain computation gives: a sentence's
words and statement read only when asked; the k-gram points sorted in 32 bits; a stretch
without a digit looked at only for its names and terms; a figure's meaning read only when a
cited source writes its amount."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.checks import originality
from newsdesk.checks.facts import (
    _SPAN_MARKS,
    DraftFacts,
    SentenceFacts,
    SourceFacts,
    figure_finding,
    stretches,
)
from newsdesk.checks.fidelity import Finding, Mention, hedged_match, judge, spellings
from newsdesk.text import facts as text_facts
from newsdesk.text.facts import (
    Token,
    bare_figures,
    fact_spans,
    figure_facts,
    is_fact_token,
    tagged_tokens,
)
from newsdesk.text.numbers import fold_width
from newsdesk.text.tickers import TICKER
from tests.test_checks_cache import DRAFTS as CACHE_DRAFTS
from tests.test_checks_cache import _whole_draft_readings

# The cache tests' drafts (lines broken inside figures, headline lines, both scripts, empty
# ones) and a figure-free draft of views.
DRAFTS = [
    *CACHE_DRAFTS,
    "央行表示将保持流动性合理充裕[1]。市场人士认为，降准释放长期资金[1][2]；银行负债成本下降。",
]


def _whole(draft: str) -> list[tuple[tuple[Token, ...], bool]]:
    """Each sentence's words and statement from the whole draft tagged at once."""
    return [(r.words, r.statement) for r in _whole_draft_readings(draft)]


@pytest.mark.parametrize("draft", DRAFTS)
def test_words_read_when_asked_are_the_whole_drafts(draft: str) -> None:
    lazy = [(s.reading.words, s.reading.statement) for s in DraftFacts(draft).by_sentence]
    assert lazy == _whole(draft)


def _plain_segments(draft: str, sources: list[str], k: int) -> list[tuple[int, ...]]:
    """Maximal common stretches of at least k units, by diagonal (source places counted in the
    index's layout: the sources end to end, 4k + 64 apart), then draft start."""
    places: dict[str, list[tuple[int, int]]] = {}
    for number, source in enumerate(sources):
        for q in range(len(source) - k + 1):
            places.setdefault(source[q : q + k], []).append((number, q))
    layout = [sum(len(before) + 4 * k + 64 for before in sources[:n]) for n in range(len(sources))]
    rows = []
    for p in range(len(draft) - k + 1):
        for number, q in places.get(draft[p : p + k], []):
            source = sources[number]
            if p and q and draft[p - 1] == source[q - 1]:
                continue  # not where the stretch starts
            end = p + k
            while (
                end < len(draft) and q + end - p < len(source) and draft[end] == source[q + end - p]
            ):
                end += 1
            rows.append((p, end, q, q + end - p, number))
    return sorted(rows, key=lambda r: (layout[r[4]] + r[2] - r[0], r[0]))


# Points sorted in 32 bits (a draft against a slot's sources), and in 64 (a long draft
# against long sources: positions and diagonals need more than 32 bits together).
@pytest.mark.parametrize(("draft_size", "source_size"), [(60, 300), (40_000, 30_000)])
def test_common_segments_are_the_plain_ones(draft_size: int, source_size: int) -> None:
    rng = random.Random(draft_size)
    # Characters the index does not fold (no traditional ones), so equal means equal here.
    han = [chr(0x4E00 + i) for i in range(1000)]
    alphabet = [c for c in han if int(originality._codes(c)[0]) == ord(c)][
        : 12 if draft_size < 100 else 400
    ]
    sources = ["".join(rng.choices(alphabet, k=source_size)) for _ in range(3)]
    draft = "".join(rng.choices(alphabet, k=draft_size)) + sources[1][7:90] + sources[2][-50:]
    index = originality.source_index(tuple(sources), 3)
    found = originality.common_segments(originality.positional_hashes(draft, 3), index, 3)
    assert [tuple(r) for r in found.tolist()] == _plain_segments(draft, sources, 3)


def test_common_segments_name_the_source_among_many_short_ones() -> None:
    # A gram's source is read from its block of the layout: sources shorter than a block,
    # shorter than a gram and empty, one after the other, each found where it is.
    rng = random.Random(7)
    alphabet = "甲乙丙丁戊己庚"
    sources = ["".join(rng.choices(alphabet, k=rng.randint(0, 90))) for _ in range(40)]
    draft = "".join(rng.choices(alphabet, k=300))
    index = originality.source_index(tuple(sources), 3)
    found = originality.common_segments(originality.positional_hashes(draft, 3), index, 3)
    assert len(found) > 100
    assert [tuple(r) for r in found.tolist()] == _plain_segments(draft, sources, 3)


def test_sources_too_short_for_a_gram_share_nothing() -> None:
    index = originality.source_index(("甲乙", "丙"), 3)
    assert index.keys.size == 0 and index.count == 2
    grams = originality.positional_hashes("甲乙丙丁", 3)
    for max_hits in (None, originality.MAX_HITS_HAN):
        assert originality.common_segments(grams, index, 3, max_hits).shape == (0, 5)


_CODES = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789０１２３٣.$SHZBJKshzbjk亿元%股只 ，。"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E20),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@given(_CODES)
def test_a_text_without_digits_or_dollar_has_no_security_code(text: str) -> None:
    # fact_spans looks for codes in a stretch without a digit only when it has a $.
    if not re.search(r"\d", text) and "$" not in text:
        assert TICKER.search(text) is None
    assert fact_spans(text) == _plain_fact_spans(text)


def _plain_fact_spans(text: str) -> list[tuple[int, int]]:
    """fact_spans without the shortcut: every part asked of every text."""
    tokens = tagged_tokens(text)
    spans = [(t.start, t.end) for t in tokens if is_fact_token(t)]
    figures = text_facts._figure_spans(text_facts._masked(fold_width(text)))
    starts = [t.start for t in tokens]
    spans += [
        (text_facts._statement_start(text, tokens, starts, span.start), span.end)
        for span in figures
    ]
    spans += [(m.start(), m.end()) for m in TICKER.finditer(text)]
    return sorted(spans)


@pytest.mark.parametrize("draft", DRAFTS)
def test_fact_spans_of_drafts_are_the_plain_ones(draft: str) -> None:
    for _, stretch in stretches(draft):
        assert fact_spans(stretch) == _plain_fact_spans(stretch)
    assert fact_spans(draft) == _plain_fact_spans(draft)


def test_a_shadowed_run_owns_nothing() -> None:
    # copied_runs leaves out a run a verbatim one shadows, without reading its facts: the
    # characters go where they went with it.
    rng = random.Random(8)
    for _ in range(3000):
        size = rng.randint(5, 80)
        runs = []
        for _ in range(rng.randint(1, 12)):
            start = rng.randrange(size)
            runs.append((start, rng.randint(start + 1, size), rng.randrange(4)))
        whole = rng.sample(runs, rng.randint(0, len(runs)))
        left = [r for r in runs if r in whole or not originality._shadowed(*r, whole)]
        assert (originality._claim(runs, size) == originality._claim(left, size)).all()


_ZH = json.loads((Path(__file__).parents[1] / "bench/data/checks_zh.json").read_text("utf-8"))
_HEDGED = [
    "营收约12.5亿元[1]，同比增长超3%[2]。净利润不超过1284.6亿元[1]，较上年下降近一成。",
    "出口累计超过3000亿港元[1]；CPI同比上涨0.2%，PPI为-2.1%[2]。2025年预计约4.63万亿元[1]。",
    "公司营收达5\n亿元[1]。沪深300收报3850点[1]，约合5万亿元。",
]
_SOURCES = [
    "营收12.5亿元，同比增长3.2%。净利润1284.6亿元。出口3012亿港元，全年46291亿元。",
    "CPI同比上涨0.2%，PPI下降2.1%。公司营收达5亿元，沪深300指数收报3850点。",
]


def _texts() -> list[str]:
    return [*_ZH["sources"].values(), *(d["text"] for d in _ZH["drafts"]), *_HEDGED, *DRAFTS]


def test_bare_figures_are_figure_facts_amounts() -> None:
    # bare_figures reads what figure_facts reads, but only value, unit, offsets, sign and
    # qualifier: the same figures in the same order.
    for text in _texts():
        full = [
            (f.value, f.unit, f.start, f.end, f.qualifier, f.negative) for f in figure_facts(text)
        ]
        bare = [
            (f.value, f.unit, f.start, f.end, f.qualifier, f.negative) for f in bare_figures(text)
        ]
        assert bare == full, text


def _full_finding(at: int, facts: SentenceFacts, sources: list[SourceFacts]) -> Finding | None:
    """A figure's finding with its meaning read first, whatever the sources say."""
    figure = facts.figures[at]
    mentions = [
        Mention(fact, source.span(fact), place)
        for place, source in enumerate(sources)
        for value in spellings(figure)
        for fact in source.facts(value)
    ]
    if figure.qualifier:
        mentions += [
            Mention(fact, source.span(fact), place)
            for place, source in enumerate(sources)
            for fact in source.all_facts
            if hedged_match(figure, fact)
        ]
    same_value = [
        Mention(fact, source.span(fact), place)
        for place, source in enumerate(sources)
        for fact in source.facts(figure.value)
    ]
    clause_low = max(facts.form.rfind(mark, 0, figure.start) for mark in _SPAN_MARKS)
    return judge(
        figure, facts.form, facts.form[clause_low + 1 : figure.start], mentions, same_value
    )


def test_a_figure_is_judged_as_with_its_meaning_read() -> None:
    cases = [(text, _SOURCES) for text in _HEDGED + DRAFTS]
    cases += [(d["text"], [_ZH["sources"][s] for s in d["sources"]]) for d in _ZH["drafts"]]
    judged = 0
    for text, sources in cases:
        indexed = [SourceFacts.of(source) for source in sources]
        for facts in DraftFacts(text).by_sentence:
            assert len(facts.amounts) == len(facts.figures)
            for at in range(len(facts.amounts)):
                judged += 1
                assert figure_finding(at, facts, indexed) == _full_finding(at, facts, indexed)
    assert judged > 100
