"""The shortcuts the checks take for speed give what the plain code gives, on the texts where
they differ in how they work: short and long, Chinese and not, full width and combining."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdesk.checks.originality import _touches
from newsdesk.checks.units import fold_char, fold_chars
from newsdesk.text.normalise import nfkc

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


@given(st.lists(_STRETCH, min_size=1, max_size=12), st.lists(_STRETCH, min_size=1, max_size=40))
def test_touches_is_overlap_with_a_widened_kept_stretch(
    kept_rows: list[tuple[int, int, int]], rest: list[tuple[int, int, int]]
) -> None:
    # _touches sorts the widened stretches; the plain question is asked of each pair.
    gap = 3
    kept = np.array([[s, s + n, 0, 0, o] for s, n, o in kept_rows], dtype=np.int64)
    starts = np.array([s for s, _, _ in rest], dtype=np.int64)
    ends = np.array([s + n for s, n, _ in rest], dtype=np.int64)
    owners = np.array([o for _, _, o in rest], dtype=np.int64)
    expected = [
        any(o == ko and max(ks - gap, 0) <= e and s <= ke + gap for ks, ke, _, _, ko in kept)
        for s, e, o in zip(starts.tolist(), ends.tolist(), owners.tolist(), strict=True)
    ]
    assert _touches(kept, starts, ends, owners, gap).tolist() == expected
