"""The shortcuts the checks take for speed give what the plain code gives, on the texts where
they differ in how they work: short and long, Chinese and not, full width and combining."""

from __future__ import annotations

import unicodedata
from bisect import bisect_left

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.checks.originality import _may_touch, _near_long_segments
from newsdesk.checks.units import fold_char, fold_chars
from newsdesk.text.facts import _CITATIONS, _DIGIT, _figure_spans, _masked
from newsdesk.text.normalise import nfkc
from newsdesk.text.numbers import fold_width
from newsdesk.text.tickers import TICKER

_MIXED = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
        st.characters(min_codepoint=0x3400, max_codepoint=0x3410),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.characters(min_codepoint=0xF900, max_codepoint=0xF910),
        st.characters(min_codepoint=0x0300, max_codepoint=0x0310),
        st.sampled_from("，。、：；！？ \u3000\n\tABCxyz09[]@`{~①ﬁ㎡％İ"),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)


@given(_MIXED)
def test_nfkc_is_nfkc_short_and_long(text: str) -> None:
    # A sentence takes the translation, a source the numpy path: both are NFKC.
    for sample in (text, text * 3, "营收" * 60 + text):
        assert nfkc(sample) == unicodedata.normalize("NFKC", sample)


@given(_MIXED)
def test_fold_chars_folds_each_character(text: str) -> None:
    folded = fold_chars(text)
    assert folded == "".join(fold_char(char) for char in text)
    assert len(folded) == len(text)


@pytest.mark.parametrize("text", ["", "ＡＢＣ１２３", "e\u0301", "稳 赚、稳-赚、ＸＸ", "İstanbul"])
def test_fold_chars_edge_cases(text: str) -> None:
    assert fold_chars(text) == "".join(fold_char(char) for char in text)


_STRETCH = st.tuples(st.integers(0, 60), st.integers(0, 12), st.integers(0, 4))
_WIDTH = 80  # a line per source: longer than any stretch above, widened


@given(st.lists(_STRETCH, min_size=1, max_size=12), st.lists(_STRETCH, min_size=1, max_size=40))
def test_may_touch_lets_through_every_segment_that_meets_a_widened_kept_stretch(
    kept_rows: list[tuple[int, int, int]], rest: list[tuple[int, int, int]]
) -> None:
    # Every segment that meets one (asked pair by pair) is let through, and only those that
    # would meet one if they ran on to their longest (12 places further).
    gap, reach = 3, 12
    kept = np.array([[s, s + n, 0, 0, o] for s, n, o in kept_rows], dtype=np.int64)
    firsts = np.array([o * _WIDTH + s for s, _, o in rest], dtype=np.int64)
    let = _may_touch(kept, firsts, _WIDTH, 5 * _WIDTH, gap, reach).tolist()

    def meets(s: int, e: int, o: int) -> bool:
        return any(o == ko and max(ks - gap, 0) <= e and s <= ke + gap for ks, ke, _, _, ko in kept)

    assert let == [meets(s, s + reach, o) for s, _, o in rest]
    assert all(ok for ok, (s, n, o) in zip(let, rest, strict=True) if meets(s, s + n, o))


def _near_long_pair_by_pair(segments: np.ndarray, long: int, gap: int) -> np.ndarray:
    """_near_long_segments without its prefilter: every short segment tested exactly."""
    kept = segments[segments[:, 1] - segments[:, 0] >= long]
    rest = segments[segments[:, 1] - segments[:, 0] < long]
    for _ in range(3):
        if not kept.size or not rest.size:
            break
        anchors = kept[np.argsort(kept[:, 4] * (1 << 40) + kept[:, 0])]
        keys = (anchors[:, 4] * (1 << 40) + anchors[:, 0]).tolist()
        found = []
        for row in rest.tolist():
            where = bisect_left(keys, row[4] * (1 << 40) + row[0])
            found.append(
                any(
                    0 <= n < len(keys)
                    and anchors[n, 4] == row[4]
                    and row[0] <= anchors[n, 1] + gap
                    and row[1] >= anchors[n, 0] - gap
                    and abs((row[2] - row[0]) - (anchors[n, 2] - anchors[n, 0])) <= gap + 2
                    for n in (where - 1, where)
                )
            )
        if not any(found):
            break
        mask = np.array(found)
        kept, rest = np.concatenate((kept, rest[mask])), rest[~mask]
    return kept


_SEGMENT = st.tuples(st.integers(0, 50), st.integers(4, 14), st.integers(0, 60), st.integers(0, 3))


@given(st.lists(_SEGMENT, min_size=1, max_size=60))
def test_near_long_segments_prefilter_drops_no_segment_the_exact_test_keeps(
    rows: list[tuple[int, int, int, int]],
) -> None:
    segments = np.array([[p, p + n, q, q + n, o] for p, n, q, o in rows], dtype=np.int64)
    assert _near_long_segments(segments, 8, 2).tolist() == (
        _near_long_pair_by_pair(segments, 8, 2).tolist()
    )


_MARKED = st.lists(
    st.one_of(
        st.sampled_from(["[1]", "【2】", "[1-3]", "[4, 12]", "【1、2、3】", "[ 7 ]", "[12–14]"]),
        st.sampled_from(list("营收亿元同比增长第前近年月日号点HMSCIGsh$[]【】 ，。、-~%.")),
        st.sampled_from(["沪深", "下午", "SH", "HK", "AAPL", "\u3000", "１", "［"]),
        st.integers(0, 999_999).map(lambda n: f"[{n}]"),
        st.sampled_from(["[600519]", "[0700.HK]", "[300750]", "【000001】"]),
    ),
    max_size=30,
).map("".join)


@given(_MARKED)
def test_a_text_whose_digits_are_all_in_citation_markers_has_no_figure_or_code(text: str) -> None:
    # fact_spans skips reading figures and codes in such a text: reading them finds none.
    if _DIGIT.search(_CITATIONS.sub("", text)):
        return
    assert _figure_spans(_masked(fold_width(text))) == []
    assert "$" in text or not list(TICKER.finditer(text))
