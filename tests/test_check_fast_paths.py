"""The shortcuts the checks take for speed give what the plain code gives, on the texts where
they differ in how they work: short and long, Chinese and not, full width and combining."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
