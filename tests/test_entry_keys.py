"""The content hash's shortcuts (issue 27: hashing was a fifth of storing the 200 real feeds)
give what the plain rule gives: NFKC, lower case, ``[\\W_]+`` removed."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpora import shared_data
from newsdesk.entries import _folded
from newsdesk.feeds.parse import parse_feed

CORPUS = shared_data("feeds-bench")


def slow_folded(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


def test_the_shortcuts_rest_on_unicode_facts() -> None:
    """ASCII is its own NFKC form; no whitespace character is a word character."""
    ascii_chars = "".join(map(chr, range(128)))
    assert unicodedata.normalize("NFKC", ascii_chars) == ascii_chars
    assert not [c for c in range(0x110000) if chr(c).isspace() and re.match(r"\w", chr(c))]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \t\n",
        "A股 涨3.5%！ＡＢＣ　全角，标点。",
        "Ⅻ ½ ﬁ ㈱ ℃ ǅ İstanbul ΣΑΣ straße",
        "snake_case__and--dashes",
        "\x00\x1f\x7f control",
        "\u00a0\u2003\u3000\u200b zero width",
        # The ellipsis, replaced by "..." before NFKC: alone, beside combining marks that
        # compose with what precedes it or not, and in a run.
        "央行……降准\u2026",
        "e\u2026\u0301 a\u0301\u2026 \u2026\u0301\u0323 …\u3099",
    ],
)
def test_named_cases(text: str) -> None:
    assert _folded(text) == slow_folded(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_generated_text(text: str) -> None:
    assert _folded(text) == slow_folded(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("\u2026.e\u0301\u0323\u3099か ,A"), max_size=20))
def test_generated_around_the_ellipsis(text: str) -> None:
    """Ellipses among letters, marks that combine with them, and marks of the same class."""
    assert _folded(text) == slow_folded(text)


def test_the_ellipsis_is_its_decomposition() -> None:
    """What the ellipsis shortcut rests on: NFKD makes "…" "..." (three starters)."""
    assert unicodedata.normalize("NFKD", "\u2026") == "..."
    assert unicodedata.combining(".") == 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_generated_ascii(text: str) -> None:
    assert _folded(text) == slow_folded(text)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus feeds-bench missing")
def test_every_entry_of_the_corpus() -> None:
    checked = 0
    for path in sorted(CORPUS.iterdir()):
        if path.suffix == ".md":
            continue
        for entry in parse_feed(path.read_bytes()).entries:
            text = f"{entry.title}\n{entry.summary}"
            assert _folded(text) == slow_folded(text), path.name
            checked += 1
    assert checked > 6_000
